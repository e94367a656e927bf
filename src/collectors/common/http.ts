/**
 * Outbound HTTP for collectors, with an SSRF guard, on undici's `request` (less CPU per request than node:http's
 * ClientRequest: this is the hot path of every sample).
 *
 * - Only http: and https: URLs.
 * - Every address a host resolves to is checked at connect time (the `lookup` hook of the connector), so DNS
 *   rebinding cannot slip a private address past the check; addresses outside the globally reachable blocks of the
 *   IANA special-purpose registries (address-policy.ts) are refused unless the origin was explicitly configured (tests
 *   and mirrors point origins at 127.0.0.1).
 * - Connections are kept alive in two shared agents: the guarded one, whose every connection passed the check, and
 *   the one for configured origins. A connection made for a configured origin is never reused for a request that was
 *   not allowed to reach it. Idle sockets are unref'd by undici, so they never keep a process alive.
 *   (A one-shot process that made a request does wait at exit, 0.3-0.8 s at load ~10, for V8's background
 *   optimising compile of undici's llhttp WebAssembly parser: Node drains it before exiting. Sockets play no part.)
 * - Redirects are followed by hand (at most 5), and every hop is checked again.
 * - Bodies are capped (default 32 MiB) and requests time out (idle and a deadline for the whole exchange).
 */
import dns from 'node:dns';
import net from 'node:net';
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { Agent } from 'undici';
import { classifyAddress } from './address-policy.ts';

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
export { classifyAddress, isNonPublicAddress } from './address-policy.ts';

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

/** How long an idle kept-alive connection stays open (below the usual 5 s server keep-alive, so the client closes first). */
const KEEP_ALIVE_TIMEOUT_MS = 4_000;

let guardedAgent: Agent | undefined;
let configuredAgent: Agent | undefined;
/**
 * undici, loaded on the first request: loading it costs ~230 ms, which every command whose modules import this file
 * (status, doctor, run through collectors/registry.ts) would pay at start even when it fetches nothing.
 */
let undici: Promise<typeof import('undici')> | undefined;

/** The shared agent for a request: connections of the guarded agent only ever went to addresses the policy allows. */
async function createAgent(allowPrivate: boolean): Promise<Agent> {
  const { Agent } = await (undici ??= import('undici'));
  if (allowPrivate) return (configuredAgent ??= new Agent({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connect: { lookup: guardedLookup(true) } }));
  return (guardedAgent ??= new Agent({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connect: { lookup: guardedLookup(false) } }));
}

/**
 * Headers node:http keeps only the first of when repeated (the rest are joined with ", "): kept so a response reads
 * the same as it did through node:http.
 */
const SINGLE_VALUE_HEADERS = new Set(['age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent']);

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const k in raw) {
    const v = raw[k];
    if (v === undefined) continue;
    if (typeof v === 'string') headers[k] = v;
    else headers[k] = SINGLE_VALUE_HEADERS.has(k) ? v[0]! : v.join(k === 'cookie' ? '; ' : ', ');
  }
  return headers;
}

/** The abort signal of one request, as the EventEmitter form undici accepts (`aborted`, an `abort` event). */
class AbortOnce extends EventEmitter {
  aborted = false;
  fire(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

function isTimeoutError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

async function requestOnce(url: URL, opts: HttpRequestOptions, allowPrivate: boolean): Promise<HttpResponse> {
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // Literal IPs skip the lookup hook: check them here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !allowPrivate && !classifyAddress(host).allowed) {
    throw new RequestRefusedError(`refused: ${url.host} is a non-public address (${reasonOf(host)}); configure this origin explicitly to allow it`);
  }
  // The idle timeouts (headers, body) fire only when the connection goes quiet: a server that drips bytes would hold
  // the request (and the job) for as long as it likes. The deadline bounds the whole exchange. The abort goes through
  // a plain EventEmitter (undici accepts one): an AbortController per request cost more CPU than the rest of this file.
  const abort = new AbortOnce();
  let deadlineHit = false;
  const deadline = setTimeout(() => {
    deadlineHit = true;
    abort.fire();
  }, timeoutMs);
  const onCallerAbort = (): void => abort.fire();
  const callerSignal = opts.signal;
  if (callerSignal?.aborted) abort.fire();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  let reading = false;
  try {
    // the agents exist after the first request; only that one waits for undici to load
    const agent = (allowPrivate ? configuredAgent : guardedAgent) ?? (await createAgent(allowPrivate));
    const res = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: opts.method ?? 'GET',
      headers: opts.headers ?? null,
      body: opts.body ?? null,
      signal: abort,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    reading = true;
    const chunks: Buffer[] = [];
    let bytes = 0;
    const body = res.body;
    await new Promise<void>((resolve, reject) => {
      body.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > maxBytes) return void body.destroy(new HttpNetworkError(`response from ${url.host} exceeds ${maxBytes} bytes`));
        chunks.push(c);
      });
      body.on('end', resolve);
      body.on('error', reject);
    });
    const headers = flatHeaders(res.headers);
    return { status: res.statusCode, headers, body: decodeBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), headers['content-type']), url: url.toString(), bytes };
  } catch (e) {
    if (e instanceof RequestRefusedError || e instanceof HttpNetworkError) throw e;
    if ((e as { cause?: unknown } | null)?.cause instanceof RequestRefusedError) throw (e as { cause: Error }).cause;
    if (deadlineHit) throw new HttpNetworkError(`no complete answer from ${url.host} within ${timeoutMs} ms`, { cause: e });
    if (isTimeoutError(e)) throw new HttpNetworkError(`timed out after ${timeoutMs} ms waiting for ${url.host}`, { cause: e });
    if (callerSignal?.aborted) throw new HttpNetworkError(`request to ${url.host} failed: The operation was aborted`, { cause: callerSignal.reason ?? e });
    const message = e instanceof Error ? e.message : String(e);
    throw new HttpNetworkError(reading ? `reading ${url.host}: ${message}` : `request to ${url.host} failed: ${message}`, { cause: e });
  } finally {
    clearTimeout(deadline);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
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
