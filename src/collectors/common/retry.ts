/**
 * Polite requests for bulk work (Wayback backfills): retry 429, 5xx and network errors with exponential backoff,
 * waiting at least what Retry-After asks (capped, so a hostile header cannot park a run for days). Refusals by the
 * SSRF guard are never retried.
 */
import { httpRequest, retryAfterMs, RequestRefusedError, type HttpRequestOptions, type HttpResponse } from './http.ts';

export interface PoliteRequestOptions extends HttpRequestOptions {
  /** Total tries, first included. */
  attempts: number;
  baseDelayMs: number;
  /** Upper bound of one wait, Retry-After included. */
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { url: string; attempt: number; waitMs: number; reason: string }) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const retryable = (status: number) => status === 429 || (status >= 500 && status <= 599);

/** The response (possibly a final 429/5xx after the last try), or the last network error thrown. */
export async function requestPolitely(url: string, o: PoliteRequestOptions): Promise<HttpResponse> {
  const wait = o.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    let askedMs: number | undefined;
    try {
      const res = await httpRequest(url, o);
      if (!retryable(res.status) || attempt >= o.attempts) return res;
      reason = `HTTP ${res.status}`;
      askedMs = retryAfterMs(res.headers['retry-after']);
    } catch (e) {
      if (e instanceof RequestRefusedError || attempt >= o.attempts) throw e;
      reason = (e as Error).message;
    }
    const backoff = o.baseDelayMs * 2 ** (attempt - 1);
    const waitMs = Math.min(o.maxDelayMs, Math.max(backoff, askedMs ?? 0));
    o.onRetry?.({ url, attempt, waitMs, reason });
    await wait(waitMs);
  }
}
