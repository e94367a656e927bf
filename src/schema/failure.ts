/**
 * Collection failures. Every failed sample is classified into one of these kinds and recorded; a failure
 * never becomes a stored zero or a guess. The kind decides what the queue does next (see `failurePolicy`).
 */
import * as z from 'zod';
import { Tag } from './tag.ts';

export const FailureKind = z.enum([
  'captcha', // verify / captcha challenge (TikTok code 10000, "verify" JSON, slider page)
  'empty', // HTTP 200 with an empty body (bot detection)
  'hollow', // statusCode 0 but no challenge id / stats
  'not_found', // 10205/10202, "Couldn't find this hashtag", 404
  'restricted', // 10209/10211/10212/10219: blacklisted, sensitive, unshelved, region
  'throttled', // HTTP 429, status 2484; honour Retry-After
  'blocked', // HTTP 401/403, IP block
  'no_data', // a page without a stats scope (SSR variant, "Something went wrong")
  'malformed', // unparseable or out-of-range data
  'login_wall', // Instagram/YouTube login wall
  'consent', // EU consent interstitial
  'network', // connection refused/reset/timeout
  'server_error', // 5xx
  'quota', // official API daily quota exhausted
  'auth', // official API credentials refused
  'refused', // request refused before sending (SSRF guard, bad origin)
]);
export type FailureKind = z.infer<typeof FailureKind>;

/** What the pipeline does with each kind. `retry`: retry with backoff; `rate_limit`: pause the platform queue; `give_up`: stop this job. */
export const failurePolicy: Record<FailureKind, 'retry' | 'rate_limit' | 'give_up'> = {
  captcha: 'retry',
  empty: 'retry',
  hollow: 'retry',
  not_found: 'give_up',
  restricted: 'give_up',
  throttled: 'rate_limit',
  blocked: 'retry',
  no_data: 'retry',
  malformed: 'retry',
  login_wall: 'retry',
  consent: 'retry',
  network: 'retry',
  server_error: 'retry',
  quota: 'rate_limit',
  auth: 'give_up',
  refused: 'give_up',
};

export const CollectionFailure = z.object({
  platform: z.string().min(1),
  tag: Tag,
  kind: FailureKind,
  statusCode: z.number().int().nonnegative().default(0), // HTTP status (0 if none)
  platformCode: z.string().default(''), // platform status code, e.g. "10205"
  message: z.string().max(2000),
  method: z.string().default('http'),
  source: z.string().default(''),
  slot: z.string().datetime(),
  occurredAt: z.string().datetime(),
  attempt: z.number().int().nonnegative().default(1),
  collectorVersion: z.string(),
  url: z.string().default(''),
  /** Id of the saved raw response (services/raw-evidence.ts), '' when none was kept. */
  rawRef: z.string().max(200).optional(),
});
export type CollectionFailure = z.infer<typeof CollectionFailure>;
