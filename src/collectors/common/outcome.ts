/**
 * From a request and a parse to a CollectOutcome: the one path every HTTP-based collector (TikTok page, Instagram,
 * YouTube) and the browser collector share, so a failure is classified and reported the same way whatever the source.
 */
import type { Method } from '../../schema/observation.ts';
import type { CollectOutcome, ParseResult, RawResponse } from '../types.ts';
import { httpRequest, retryAfterMs, RequestRefusedError, type HttpRequestOptions, type HttpResponse } from './http.ts';

/** How long a platform is paused after `throttled` when it sent no Retry-After: TikTok's own message says "1 hour". */
export const DEFAULT_THROTTLE_MS = 60 * 60_000;

export interface OutcomeContext {
  method: Method;
  /** The URL to record as provenance (the final URL after redirects). */
  url: string;
  statusCode: number;
  /** The response's Retry-After header, honoured for `throttled`. */
  retryAfter?: string | undefined;
  /** Wait when throttled without a usable Retry-After. */
  defaultThrottleMs?: number;
  /** The response parsed, attached to the outcome as evidence. */
  raw?: RawResponse;
}

/** A parse result as a collect outcome. `throttled` carries how long to pause (Retry-After, or the default). */
export function outcomeOfParse(parsed: ParseResult, c: OutcomeContext): CollectOutcome {
  const base = { method: c.method, url: c.url, statusCode: c.statusCode, ...(c.raw ? { raw: c.raw } : {}) };
  if (parsed.ok) return { ok: true, readings: parsed.readings, format: parsed.format, ...base };
  const wait = parsed.kind === 'throttled' ? (retryAfterMs(c.retryAfter) ?? c.defaultThrottleMs ?? DEFAULT_THROTTLE_MS) : undefined;
  return { ok: false, kind: parsed.kind, message: parsed.message, platformCode: parsed.platformCode ?? '', ...(wait !== undefined ? { retryAfterMs: wait } : {}), ...base };
}

/** A request that never produced a response: refused by the SSRF guard (give up) or a network problem (retry). */
export function outcomeOfRequestError(e: unknown, method: Method, url: string): CollectOutcome {
  const kind = e instanceof RequestRefusedError ? 'refused' : 'network';
  return { ok: false, kind, message: e instanceof Error ? e.message : String(e), method, url, statusCode: 0, platformCode: '' };
}

export interface FetchAndParseOptions extends Pick<HttpRequestOptions, 'headers' | 'timeoutMs' | 'allowPrivateOrigins' | 'signal' | 'stopAtRedirect'> {
  defaultThrottleMs?: number;
}

/** GET `url`, parse the response with `parse`, and classify the result (method 'http'). Never throws. */
export async function fetchAndParse(url: string, parse: (res: HttpResponse) => ParseResult, opts: FetchAndParseOptions): Promise<CollectOutcome> {
  let res: HttpResponse;
  try {
    res = await httpRequest(url, opts);
  } catch (e) {
    return outcomeOfRequestError(e, 'http', url);
  }
  return outcomeOfParse(parse(res), {
    method: 'http',
    url: res.url,
    statusCode: res.status,
    retryAfter: res.headers['retry-after'],
    raw: { url: res.url, status: res.status, headers: res.headers, body: res.body, receivedAt: new Date().toISOString() },
    ...(opts.defaultThrottleMs !== undefined ? { defaultThrottleMs: opts.defaultThrottleMs } : {}),
  });
}
