/**
 * The SSRF guard for a headless browser. A page runs scripts we do not control, and every request it makes leaves
 * from our machine, so each one is checked before Chromium sends it (Playwright request routing):
 *  - only http(s);
 *  - the configured origin is allowed (even on loopback: tests and mirrors are configured explicitly);
 *  - otherwise only hosts under an allowed public suffix (the platform's CDNs), and only if every address the host
 *    resolves to is public. Loopback, private, link-local and metadata addresses are refused whatever the name.
 * Chromium resolves names itself, so a rebinding DNS server could still answer differently a moment later; the
 * suffix list keeps that surface to hosts the user chose to trust.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { isNonPublicAddress, originOf } from './http.ts';

export interface BrowserGuardOptions {
  /** The configured origin (scheme://host:port). */
  origin: string;
  /** Public host suffixes also allowed, e.g. "tiktokcdn.com" (matches the host and its subdomains). */
  allowedHostSuffixes?: readonly string[];
  /** Resolver (tests); default: the system resolver. */
  lookup?: (host: string) => Promise<string[]>;
}

export type GuardVerdict = { allowed: true } | { allowed: false; reason: string };

export interface BrowserGuard {
  check(url: string): Promise<GuardVerdict>;
  /** Requests refused so far (URL and reason), for the outcome message and tests. Bounded. */
  readonly refused: { url: string; reason: string }[];
}

const MAX_REFUSED_KEPT = 50;

const systemLookup = async (host: string) => (await dns.lookup(host, { all: true })).map((a) => a.address);

export function createBrowserGuard(o: BrowserGuardOptions): BrowserGuard {
  const origin = originOf(o.origin);
  const suffixes = (o.allowedHostSuffixes ?? []).map((s) => s.trim().toLowerCase().replace(/^\.+/, '')).filter(Boolean);
  const lookup = o.lookup ?? systemLookup;
  const publicHosts = new Map<string, Promise<boolean>>();
  const refused: { url: string; reason: string }[] = [];

  const resolvesPublic = (host: string): Promise<boolean> => {
    let known = publicHosts.get(host);
    if (!known) {
      known = net.isIP(host)
        ? Promise.resolve(!isNonPublicAddress(host))
        : lookup(host).then(
            (addresses) => addresses.length > 0 && addresses.every((a) => !isNonPublicAddress(a)),
            () => false,
          );
      publicHosts.set(host, known);
    }
    return known;
  };

  const deny = (url: string, reason: string): GuardVerdict => {
    if (refused.length < MAX_REFUSED_KEPT) refused.push({ url: url.slice(0, 300), reason });
    return { allowed: false, reason };
  };

  return {
    refused,
    async check(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return deny(raw, 'not a URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return deny(raw, `${url.protocol} is not fetched`);
      if (originOf(url) === origin) return { allowed: true };
      const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (!suffixes.some((s) => host === s || host.endsWith(`.${s}`))) return deny(raw, `${url.host} is neither the configured origin nor an allowed host`);
      if (!(await resolvesPublic(host))) return deny(raw, `${url.host} resolves to a non-public address`);
      return { allowed: true };
    },
  };
}
