/**
 * The collector contract. A collector turns (platform, tag) into readings or a classified failure.
 * Collectors never touch the store: the collect worker hands their output to the load queue.
 */
import type { FailureKind } from '../schema/failure.ts';
import type { Method, Reading } from '../schema/observation.ts';
import type { CollectMethod } from '../schema/jobs.ts';

/** Result of parsing one payload (page, API response, capture). Pure: no I/O. */
export type ParseResult =
  | { ok: true; readings: Reading[]; format: string; challengeId?: string; title?: string }
  | { ok: false; kind: FailureKind; message: string; platformCode?: string; format?: string };

/**
 * The response an outcome was decided on, as received: kept by the collect worker as evidence when parsing fails
 * (services/raw-evidence.ts) and by `tagpulse sample --save-raw`. Collectors only attach it; they never save it.
 */
export interface RawResponse {
  /** The URL that answered (after redirects). */
  url: string;
  /** HTTP status (0 when unknown, e.g. a page read from the browser DOM without a response). */
  status: number;
  /** Response headers, lowercase names. Cookies are removed when saved. */
  headers: Record<string, string>;
  body: string;
  /** ISO time the response was received. */
  receivedAt: string;
}

export type CollectOutcome =
  | {
      ok: true;
      readings: Reading[];
      method: Method;
      url: string;
      statusCode: number;
      format: string;
      raw?: RawResponse;
    }
  | {
      ok: false;
      kind: FailureKind;
      message: string;
      method: Method;
      url: string;
      statusCode: number;
      platformCode: string;
      /** For throttled/quota: how long to wait before trying this platform again. */
      retryAfterMs?: number;
      raw?: RawResponse;
    };

export interface CollectContext {
  signal?: AbortSignal;
  /** Override of the configured method for this call. */
  method?: CollectMethod;
}

export interface Collector {
  readonly platform: string;
  readonly version: string;
  collect(tag: string, ctx?: CollectContext): Promise<CollectOutcome>;
  close?(): Promise<void>;
}

export const ok = (readings: Reading[], format: string, extra: { challengeId?: string; title?: string } = {}): ParseResult => ({
  ok: true,
  readings,
  format,
  ...extra,
});
export const fail = (kind: FailureKind, message: string, platformCode?: string, format?: string): ParseResult => ({
  ok: false,
  kind,
  message,
  ...(platformCode !== undefined ? { platformCode } : {}),
  ...(format !== undefined ? { format } : {}),
});
