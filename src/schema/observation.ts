/**
 * One observation = one counter value read from one source at one time.
 * observedAt is when the value held (the fetch time of a live sample, or the source's own time). Identity is a separate
 * thing: (platform, tag, metric, keyAt, origin), where keyAt is the slot of a scheduled live sample — so a
 * re-delivered job rewrites the same row instead of adding one — and origin says where the row came from, so sources
 * never replace each other. See src/schema/identity.ts.
 */
import * as z from 'zod';
import { Count } from './count.ts';
import { Tag } from './tag.ts';

/** 'views' and 'posts' today; open to more ('channels', 'videos_created', 'video_views_sum'...). */
export const Metric = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'metric must be lowercase letters, digits and _');
export const KNOWN_METRICS = ['views', 'posts'] as const;

export const Platform = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'platform must be lowercase letters, digits and _');
export const KNOWN_PLATFORMS = ['tiktok', 'instagram', 'youtube', 'tiktok_research'] as const;

/**
 * Precision of a value:
 *  - exact: the platform gave the exact count;
 *  - rounded: a display figure ("16.4B"); the true value lies within ±step/2;
 *  - lower_bound: "more than X" (press figures); the true value is ≥ value.
 */
export const Precision = z.enum(['exact', 'rounded', 'lower_bound']);
export type Precision = z.infer<typeof Precision>;

/** How the value was obtained. */
export const Method = z.enum(['http', 'browser', 'api', 'wayback', 'import', 'manual']);
export type Method = z.infer<typeof Method>;

const IsoTime = z.string().datetime({ offset: true });

export const TimePrecision = z.enum(['instant', 'day', 'month', 'year']);
export type TimePrecision = z.infer<typeof TimePrecision>;

export const Observation = z
  .object({
    platform: Platform,
    tag: Tag,
    metric: Metric,
    observedAt: IsoTime,
    value: Count,
    exact: z.boolean(),
    /** Rounding step (a count) when not exact, e.g. "100000000" for "16.4B"; "0" when exact. */
    step: Count,
    precision: Precision,
    /** Path the value came from, e.g. 'tiktok.api.challenge_detail.statsV2', 'tiktok.page.rehydration.stats', 'tiktok.page.text'. */
    source: z.string().min(1).max(200),
    method: Method,
    collectorVersion: z.string().min(1).max(100),
    /** The scheduled slot: the identity of a live sample (for imports and captures: the observation time). */
    slot: IsoTime,
    /** When tagpulse fetched the value (for imports: when it was imported). */
    fetchedAt: IsoTime,
    /** Where it came from: URL, capture URL or file name. */
    provenance: z.string().max(2000).default(''),
    note: z.string().max(2000).default(''),
    /** How precisely observedAt is known: 'instant' for samples; 'day'/'month'/'year' for press figures dated loosely. */
    timePrecision: TimePrecision.default('instant'),
  })
  .superRefine((o, ctx) => {
    if (o.exact !== (o.precision === 'exact')) ctx.addIssue({ code: 'custom', message: 'exact must be true iff precision is "exact"', path: ['exact'] });
    if (o.precision === 'exact' && o.step !== '0') ctx.addIssue({ code: 'custom', message: 'an exact value has step 0', path: ['step'] });
  });
export type Observation = z.infer<typeof Observation>;

/** A value as read by a parser, before the pipeline stamps time, slot and version on it. */
export const Reading = z.object({
  metric: Metric,
  value: Count,
  precision: Precision,
  step: Count,
  source: z.string().min(1),
  /** When the value describes a time other than the fetch (e.g. videos created on one UTC day). Default: the fetch time. */
  observedAt: IsoTime.optional(),
  timePrecision: TimePrecision.optional(),
  /** What exactly was measured, when the metric name alone does not say (e.g. the query window of a sum). */
  note: z.string().max(2000).optional(),
});
export type Reading = z.infer<typeof Reading>;
