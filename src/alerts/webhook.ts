/**
 * Webhook delivery: POST JSON, bounded retries with exponential backoff. The URL may carry a token, so it never
 * appears in results, errors or logs: failures are described by HTTP status or error code only.
 */
import type { DeliveryOptions } from '../schema/alerts.ts';

export interface DeliveryOutcome {
  ok: boolean;
  /** Requests made in this call. */
  attempts: number;
  /** HTTP status of the last response, if any. */
  status?: number;
  /** Error code of the last failure without a response (e.g. ECONNREFUSED, TIMEOUT). */
  error?: string;
}

/** Delay before retry n (1-based): backoffMs · 2^(n−1). */
export function retryDelayMs(backoffMs: number, retry: number): number {
  return backoffMs * 2 ** (retry - 1);
}

function errorCode(e: unknown): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'TIMEOUT';
  return err?.cause?.code ?? err?.code ?? 'NETWORK';
}

export async function postWebhook(
  url: string,
  body: unknown,
  opts: Pick<DeliveryOptions, 'attempts' | 'backoffMs' | 'timeoutMs'>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<DeliveryOutcome> {
  const json = JSON.stringify(body);
  let last: DeliveryOutcome = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (attempt > 1) await sleep(retryDelayMs(opts.backoffMs, attempt - 1));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'tagpulse-alerts' },
        body: json,
        redirect: 'error', // a redirect could carry the token elsewhere
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      last = { ok: res.ok, attempts: attempt, status: res.status };
      if (res.ok) return last;
    } catch (e) {
      last = { ok: false, attempts: attempt, error: errorCode(e) };
    }
  }
  return last;
}
