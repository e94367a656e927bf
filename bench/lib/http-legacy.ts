/**
 * Frozen copy of src/collectors/common/http.ts as it was before the undici port (node:http/https with the global
 * agent), kept only as the baseline of bench/http-ab.ts. Not used by tagpulse itself.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import { Buffer } from 'node:buffer';
import { classifyAddress } from '../../src/collectors/common/address-policy.ts';

export class RequestRefusedError extends Error {
  readonly code = 'HTTP_REFUSED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class HttpNetworkError extends Error {
  readonly code = 'HTTP_NETWORK';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Final URL after redirects. */
  url: string;
  bytes: number;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Origins (scheme://host:port) allowed even if they resolve to loopback/private addresses. */
  allowPrivateOrigins?: Iterable<string>;
  signal?: AbortSignal;
  /**
   * Called before following a redirect; returning true returns the 3xx response (with its `location` header) instead.
   * Collectors use it to classify a hop to a login or consent page without fetching another origin.
   */
  stopAtRedirect?: (location: URL) => boolean;
}

/** Address classification lives in address-policy.ts (ipaddr.js and the IANA registries); re-exported for callers. */
export { classifyAddress, isNonPublicAddress } from '../../src/collectors/common/address-policy.ts';

export function originOf(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.protocol}//${u.host}`.toLowerCase();
}

/** Validate a user-supplied origin/base URL: http(s) only, no credentials. Returns the normalised base (no trailing slash). */
export function validateBaseUrl(raw: string, what = 'origin'): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new RequestRefusedError(`${what} ${JSON.stringify(raw)} is not a URL; use e.g. https://www.tiktok.com`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RequestRefusedError(`${what} ${raw} must use http or https, not ${u.protocol}`);
  if (u.username || u.password) throw new RequestRefusedError(`${what} must not embed credentials`);
  return u.toString().replace(/\/+$/, '');
}

function reasonOf(ip: string): string {
  const v = classifyAddress(ip);
  return v.allowed ? v.range : v.reason;
}

function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...(options as dns.LookupOptions), all: true }, (err, addresses) => {
      if (err) return (callback as (e: Error | null, a: string, f?: number) => void)(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate) {
        const bad = list.find((a) => !classifyAddress(a.address).allowed);
        if (bad) {
          return (callback as (e: Error | null, a: string, f?: number) => void)(
            new RequestRefusedError(`refused: ${hostname} resolves to non-public address ${bad.address} (${reasonOf(bad.address)}); configure this origin explicitly to allow it`),
            '',
            4,
          );
        }
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      (callback as (e: Error | null, a: string, f?: number) => void)(null, first.address, first.family);
    });
  };
}

function requestOnce(url: URL, opts: HttpRequestOptions, allowPrivate: boolean): Promise<HttpResponse> {
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const lib = url.protocol === 'https:' ? https : http;
  // Literal IPs skip the lookup hook: check them here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !allowPrivate && !classifyAddress(host).allowed) {
    return Promise.reject(new RequestRefusedError(`refused: ${url.host} is a non-public address (${reasonOf(host)}); configure this origin explicitly to allow it`));
  }
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        lookup: guardedLookup(allowPrivate),
        timeout: timeoutMs,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > maxBytes) {
            req.destroy(new HttpNetworkError(`response from ${url.host} exceeds ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: decodeBody(Buffer.concat(chunks), headers['content-type']), url: url.toString(), bytes });
        });
        res.on('error', (e) => reject(new HttpNetworkError(`reading ${url.host}: ${e.message}`, { cause: e })));
      },
    );
    req.on('timeout', () => req.destroy(new HttpNetworkError(`timed out after ${timeoutMs} ms waiting for ${url.host}`)));
    // The socket timeout fires only when the connection goes idle: a server that drips bytes would hold the request
    // (and the job) for as long as it likes. The deadline bounds the whole exchange.
    const deadline = setTimeout(() => req.destroy(new HttpNetworkError(`no complete answer from ${url.host} within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (e) => {
      if (e instanceof RequestRefusedError || e instanceof HttpNetworkError) reject(e);
      else if ((e as { cause?: unknown }).cause instanceof RequestRefusedError) reject((e as { cause: Error }).cause);
      else reject(new HttpNetworkError(`request to ${url.host} failed: ${e.message}`, { cause: e }));
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Decode as the declared charset when Node knows it (utf-8, latin1, utf-16le); fall back to UTF-8 with replacement. */
function decodeBody(buf: Buffer, contentType: string | undefined): string {
  const cs = /charset=\s*"?([\w-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  try {
    if (cs && cs !== 'utf-8' && cs !== 'utf8') return new TextDecoder(cs).decode(buf);
  } catch {
    /* unknown charset: fall through */
  }
  return new TextDecoder('utf-8').decode(buf);
}

export async function httpRequest(rawUrl: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  const allow = new Set([...(opts.allowPrivateOrigins ?? [])].map((o) => originOf(o)));
  let url = new URL(rawUrl);
  const maxRedirects = opts.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RequestRefusedError(`refused: ${url.protocol} URLs are not fetched (only http and https)`);
    const res = await requestOnce(url, opts, allow.has(originOf(url)));
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      const next = new URL(res.headers.location, url);
      if (opts.stopAtRedirect?.(next)) return res;
      if (hop >= maxRedirects) throw new HttpNetworkError(`too many redirects (>${maxRedirects}) starting at ${rawUrl}`);
      url = next;
      continue;
    }
    return res;
  }
}

/** Parse Retry-After (seconds or HTTP date) into ms. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
