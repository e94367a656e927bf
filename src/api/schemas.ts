/**
 * Response schemas of the HTTP API, in zod, so the OpenAPI document (src/api/openapi.ts) is generated from code and
 * tests validate real responses against it (tests/integration/dashboard/openapi.test.ts). Request schemas live next
 * to their routes and services; these describe what comes back. Counts stay decimal strings (UInt64 is exact end to
 * end); times are ISO-8601 UTC strings; a value that cannot be known is null, never 0.
 */
import * as z from 'zod';
import { ReportSchema } from '../analytics/report.ts';
import { AlertRule } from '../schema/alerts.ts';
import { OVERVIEW_SORT_KEYS } from '../dashboard/overview-page.ts';

const Time = z.string().describe('ISO-8601 time, UTC');
const Count = z.string().regex(/^(0|[1-9][0-9]*)$/).describe('an unsigned integer as a decimal string (UInt64 stays exact)');
const SignedCount = z.string().regex(/^(0|-?[1-9][0-9]*)$/).describe('a signed integer as a decimal string (a change of a counter; negative when it shrank)');
const Precision = z.enum(['exact', 'rounded', 'lower_bound']);
const Num = z.number().nullable();

export const ErrorResponse = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const Health = z.object({ ok: z.boolean(), store: z.enum(['up', 'down']) });

const LatestValue = z.object({ metric: z.string(), value: Count, precision: z.string(), step: Count, source: z.string(), observedAt: Time, samples: z.number().int().describe('hours with at least one reading of this metric (hourly rollup buckets), not raw rows') });
const TagOrigin = z.enum(['tracked', 'imported', 'backfilled', 'sampled']);

export const TagList = z
  .object({
    tags: z.array(
      z.object({
        platform: z.string(),
        tag: z.string(),
        origins: z.array(TagOrigin).describe('how its data got here'),
        sampled: z.boolean().describe('true while a schedule samples the tag'),
        everyMs: z.number().int().nullable().describe('cadence of its schedule; null if never tracked'),
        trackingStopped: z.boolean(),
        methods: z.array(z.string()),
        observations: z.number().int().describe('hours with at least one reading, summed over metrics (from the per-tag summary; not raw rows)'),
        firstAt: Time.nullable(),
        lastAt: Time.nullable(),
        lowerBound: Count.nullable().describe('known only from "more than X" figures: the highest X'),
        originText: z.string(),
        latest: z.array(LatestValue),
      }),
    ),
  })
  ;

export const ObservationPoint = z.object({
  observed_at: Time,
  value: Count,
  exact: z.boolean(),
  step: Count,
  precision: Precision,
  source: z.string(),
  method: z.string(),
  collector_version: z.string(),
  slot: Time,
  fetched_at: Time,
  provenance: z.string(),
  note: z.string(),
  time_precision: z.string(),
});

export const Series = z.object({ platform: z.string(), tag: z.string(), metric: z.string(), points: z.array(ObservationPoint) });

const DriftBanner = z.object({ platform: z.string(), message: z.string(), firedAt: Time, rawRefs: z.array(z.string()), reparse: z.string() });
export const DriftBanners = z.object({ banners: z.array(DriftBanner) });

const ConflictValue = z.object({ value: Count, precision: z.string(), step: Count, source: z.string(), method: z.string(), provenance: z.string(), chosen: z.boolean().describe('the value analyses use for this instant') });
export const Report = ReportSchema.extend({
  observations: z.number().int().optional().describe('stored observations of the tag and metric'),
  conflicts: z.array(z.object({ at: Time, metric: z.string(), values: z.array(ConflictValue) })).optional().describe('instants where two sources give contradicting values'),
});

const Failure = z.object({
  platform: z.string(),
  tag: z.string(),
  kind: z.string(),
  status_code: z.number(),
  platform_code: z.string(),
  message: z.string(),
  method: z.string(),
  occurred_at: Time,
  attempt: z.number(),
  url: z.string(),
  raw_ref: z.string().describe("id of the saved raw response (GET /api/ops/raw/{id}); '' when none was kept"),
});

export const Status = z
  .object({
    tags: z.array(
      z.object({
        platform: z.string(),
        tag: z.string(),
        everyMs: z.number().int(),
        latest: z.array(z.object({ metric: z.string(), value: Count, exact: z.boolean(), step: Count, source: z.string(), observedAt: Time, samples: z.number().int() })),
      }),
    ),
    failures: z.array(Failure),
  })
  ;

const TrackedTag = z.object({ platform: z.string(), tag: z.string(), everyMs: z.number().int(), addedAt: Time, active: z.boolean() });
export const TrackedList = z.object({ tracked: z.array(TrackedTag) });
export const TrackedRemoved = z.object({ removed: z.array(z.string()), notTracked: z.array(z.string()) });

export const Comparison = z
  .object({
    scale: z.enum(['linear', 'log', 'indexed']),
    stepMs: z.number(),
    indexAt: Time.nullable(),
    keys: z.array(z.string()),
    rows: z.array(z.object({ t: Time, values: z.record(z.string(), z.number().nullable()) })),
    platform: z.string(),
    metric: z.string(),
    step: z.string(),
    series: z.array(z.object({ tag: z.string(), observations: z.number().int(), first: Time.nullable(), last: Time.nullable(), exactShare: Num })),
    notes: z.array(z.string()),
    method: z.object({ analyticsVersion: z.string(), description: z.string() }),
  })
  ;

export const Leaderboard = z
  .object({
    by: z.enum(['velocity', 'growth', 'breakout']),
    window: z.string(),
    platform: z.string(),
    metric: z.string(),
    at: Time,
    grain: z.enum(['hourly']),
    tagsSeen: z.number().int(),
    tagsRanked: z.number().int(),
    entries: z.array(
      z.object({
        rank: z.number().int(),
        tag: z.string(),
        latestValue: Count.nullable(),
        latestAt: Time.nullable(),
        windowFrom: Time.nullable(),
        windowTo: Time.nullable(),
        delta: SignedCount.nullable(),
        velocityPerHour: Num,
        velocityPerHourLow: Num,
        velocityPerHourHigh: Num,
        coverage: Num,
        previousVelocityPerHour: Num,
        growthPct: Num,
        growthPctLow: Num,
        growthPctHigh: Num,
        growthRatePerDay: Num,
        doublingDays: Num,
        doublingDaysLow: Num,
        doublingDaysHigh: Num,
        halvingDays: Num,
        zScore: Num,
        baselineDays: z.number(),
        breakout: z.boolean().nullable(),
        asOf: Time,
        stale: z.boolean(),
      }),
    ),
    source: z.enum(['computed', 'summary']),
    asOfFrom: Time,
    asOfTo: Time,
    staleTags: z.number().int(),
    method: z.object({ analyticsVersion: z.string(), source: z.string(), description: z.string() }),
    query: z.object({ name: z.string(), rowsRead: z.number(), elapsedMs: z.number() }),
  })
  ;

const PrecisionShares = {
  rows: z.number().int(),
  exact: z.number().int(),
  rounded: z.number().int(),
  lowerBound: z.number().int(),
  exactShare: Num,
  roundedShare: Num,
  lowerBoundShare: Num,
};

export const Citation = z
  .object({
    dataset: z.string(),
    title: z.string(),
    instance: z.string(),
    query: z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()) }),
    timeRange: z.object({ from: Time.nullable(), to: Time.nullable() }),
    rows: z.number().int(),
    precision: z.object(PrecisionShares),
    sources: z.array(z.object({ source: z.string(), method: z.string(), firstAt: Time, lastAt: Time, ...PrecisionShares })),
    collectorVersions: z.array(z.string()),
    analytics: z.object({ version: z.string(), cleaned: z.boolean(), parameters: z.record(z.string(), z.unknown()).optional(), cleaning: z.record(z.string(), z.number()).optional() }),
    tagpulseVersion: z.string(),
    format: z.string(),
    file: z.string().optional(),
    bytes: z.number().int(),
    sha256: z.string(),
    exportedAt: Time,
    text: z.string().describe('ready-to-paste citation'),
    care: z.object({ resources: z.string(), reporting: z.string() }).optional().describe('sensitive topics only: crisis resources and safe-messaging guidance'),
  })
  ;

const EventInfo = z.object({ name: z.string(), slug: z.string(), start: Time, end: Time, kind: z.enum(['user', 'builtin']), tags: z.array(z.string()), note: z.string() });
export const EventList = z.object({ events: z.array(EventInfo) });
export const EventAdded = z.object({ event: EventInfo, created: z.boolean() });
export const EventRemoved = z.object({ removed: EventInfo.describe('the event that was removed') });

const PeriodVelocity = z.object({ from: Time, to: Time, delta: SignedCount.nullable(), velocityPerHour: Num, velocityPerHourLow: Num, velocityPerHourHigh: Num, coverage: z.number(), interpolated: z.boolean() }).nullable();
const CalendarEvent = z.object({ name: z.string(), slug: z.string(), start: Time, end: Time, kind: z.enum(['user', 'builtin']).optional(), tags: z.array(z.string()).optional(), note: z.string().optional() });
const EventImpact = z.object({ event: CalendarEvent, before: PeriodVelocity, during: PeriodVelocity, after: PeriodVelocity, duringVsBeforePct: Num, afterVsBeforePct: Num });

export const EventReport = z
  .object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    event: EventInfo,
    year: z.number().int(),
    impact: EventImpact,
    years: z.array(z.object({ year: z.number().int(), impact: EventImpact, duringYoYPct: Num })),
    observations: z.number().int(),
    method: z.object({ version: z.string(), beforeDays: z.number(), afterDays: z.number(), description: z.string() }),
  })
  ;

export const Alerts = z
  .object({
    rules: z.array(AlertRule),
    deliveries: z.array(
      z.object({
        rule: z.string(),
        platform: z.string(),
        tag: z.string(),
        metric: z.string(),
        episode: z.string(),
        firedAt: Time,
        delivered: z.boolean(),
        attempts: z.number().int(),
        payload: z.record(z.string(), z.unknown()).describe('the webhook payload (docs/analytics-usage.md)'),
      }),
    ),
  })
  ;

const LatestCount = z.object({ value: Count, precision: Precision, step: Count, observedAt: Time }).nullable();

/** One row of the overview (src/dashboard/overview.ts OverviewRow). */
const OverviewRow = z.object({
  platform: z.string(),
  tag: z.string(),
  everyMs: z.number().int().nullable(),
  origins: z.array(TagOrigin),
  sampled: z.boolean(),
  originText: z.string(),
  lowerBound: Count.nullable(),
  views: LatestCount,
  posts: LatestCount,
  samples: z.number().int().describe('hours with at least one reading (hourly rollup buckets; the most of any metric), not raw rows; with at= the stored observations as before'),
  lastSampleAt: Time.nullable(),
  stale: z.boolean(),
  asOf: Time.nullable(),
  velocity24h: Num,
  velocity24hLow: Num,
  velocity24hHigh: Num,
  growth24hPct: Num,
  growth24hPctLow: Num,
  growth24hPctHigh: Num,
  velocity7d: Num,
  velocity7dLow: Num,
  velocity7dHigh: Num,
  growth7dPct: Num,
  growth7dPctLow: Num,
  growth7dPctHigh: Num,
  doublingDays: Num,
  doublingDaysLow: Num,
  doublingDaysHigh: Num,
  halvingDays: Num,
  zScore: Num,
  breakout: z.boolean().nullable(),
  sparkline: z.object({ startMs: z.number(), stepMs: z.number(), values: z.array(z.number().nullable()) }),
  failures24h: z.number().int(),
  lastFailure: z.object({ kind: z.string(), at: Time, message: z.string() }).nullable(),
});

/** One page of the overview: filtered, sorted and paged on the server (issue 15, dashboard/overview-page.ts). */
export const Overview = z.object({
  generatedAt: Time,
  metric: z.string(),
  asOf: Time.nullable().describe('the latest hour boundary the rows\' windows end at (each row has its own asOf); null when no row has metrics'),
  total: z.number().int().describe('rows after the filters (q, platform, only, source)'),
  totalAll: z.number().int().describe('rows before the filters'),
  platforms: z.array(z.string()).describe('every platform of the whole answer (before the filters), sorted: the choices of the platform filter'),
  page: z.number().int().describe('1-based'),
  pageSize: z.number().int(),
  sort: z.enum(OVERVIEW_SORT_KEYS),
  dir: z.enum(['asc', 'desc']),
  tags: z.array(OverviewRow).describe('only the rows of this page'),
});

export const Chart = z
  .object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    from: Time.nullable(),
    to: Time.nullable(),
    lastAt: Time.nullable(),
    samples: z.number().int(),
    bucketMs: z.number(),
    points: z.array(z.object({ t: Time, value: Count, step: Count, precision: Precision, samples: z.number().int() })),
    velocity: z.object({ binMs: z.number(), bins: z.array(z.object({ start: Time, end: Time, from: Time, to: Time, delta: SignedCount.nullable(), velocityPerHour: Num, velocityPerHourLow: Num, velocityPerHourHigh: Num, coverage: z.number(), interpolated: z.boolean() })) }).nullable(),
  })
  ;

export const Quality = z
  .object({
    platform: z.string(),
    tag: z.string(),
    from: Time,
    to: Time,
    sources: z.array(z.object({ metric: z.string(), source: z.string(), method: z.string(), precision: z.string(), samples: z.number().int(), firstAt: Time, lastAt: Time })),
    precision: z.record(z.string(), z.object({ exact: z.number().int(), rounded: z.number().int(), lower_bound: z.number().int() })),
    failuresByKind: z.array(z.object({ kind: z.string(), failures: z.number().int(), lastAt: Time })),
    recentFailures: z.array(Failure),
    recentObservations: z.array(z.object({ metric: z.string(), observedAt: Time, value: Count, precision: z.string(), step: Count, source: z.string(), method: z.string(), provenance: z.string(), note: z.string() })),
    conflicts: z.array(z.object({ at: Time, metric: z.string(), values: z.array(ConflictValue) })),
  });

const FailureKindCount = z.object({ platform: z.string(), kind: z.string(), failures: z.number().int(), lastAt: Time });

const PlatformCapacity = z.object({
  platform: z.string(),
  tags: z.number().int(),
  neededPerMin: z.number().describe('requests per minute the schedule needs'),
  limitPerMin: z.number().describe('requests per minute the rate limit allows'),
  utilization: z.number().describe('needed / limit; above 1 the schedule cannot be met'),
  ok: z.boolean(),
  roundMs: z.number().describe('time to sample every tracked tag of the platform once at the limit'),
  lagPerHourMs: z.number().describe('when not ok: how much later samples are after one hour of running'),
  message: z.string(),
});

const GapReport = z.object({
  checkedAt: Time,
  queueWasEmpty: z.boolean().describe('no job scheduler existed although tags are tracked: the queue state was lost'),
  tags: z.array(z.object({ platform: z.string(), tag: z.string(), everyMs: z.number().int(), lastAt: Time.nullable(), missedSlots: z.number().int(), firstMissed: Time, lastMissed: Time })),
  totalMissedSlots: z.number().int(),
  caughtUp: z.array(z.string()).describe('platform|tag whose latest missed slot was collected late'),
});

/** Queue health of the serving process (issue 12): Redis, workers, last sample per platform, capacity, gaps. */
const RuntimeHealth = z.object({
  redis: z.object({ up: z.boolean(), state: z.string(), restarts: z.number().int(), adopted: z.boolean() }).nullable().describe('null: this process has no Redis'),
  workers: z.object({ running: z.number().int(), total: z.number().int(), paused: z.array(z.object({ name: z.string(), kind: z.string().nullable() })) }),
  lastSample: z.array(z.object({ platform: z.string(), at: Time })),
  capacity: z.array(PlatformCapacity),
  gaps: GapReport.nullable(),
});

export const Ops = z
  .object({
    generatedAt: Time,
    process: z.object({ pid: z.number().int(), command: z.string().nullable(), uptimeS: z.number(), roles: z.record(z.string(), z.boolean()).nullable(), workers: z.array(z.object({ name: z.string(), running: z.boolean() })) }),
    store: z.object({ backend: z.string(), up: z.boolean() }),
    redis: z.string().nullable(),
    queues: z.object({
      available: z.boolean(),
      note: z.string().nullable(),
      items: z.array(z.object({ queue: z.string(), waiting: z.number().int(), active: z.number().int(), delayed: z.number().int(), failed: z.number().int(), completed: z.number().int(), paused: z.boolean() })),
    }),
    tracked: z.number().int(),
    stale: z.array(z.object({ platform: z.string(), tag: z.string(), everyMs: z.number().int(), lastAt: Time.nullable() })),
    failures: z.object({ lastHour: z.array(FailureKindCount), lastDay: z.array(FailureKindCount), recent: z.array(Failure) }),
    drift: z.array(DriftBanner).describe('open format_drift alerts'),
    runtime: RuntimeHealth,
  })
  ;

export const TagCare = z.object({
  platform: z.string(),
  tag: z.string(),
  sensitive: z.boolean().describe('the tag matches the configured sensitive topics'),
  care: z.object({ resources: z.string(), links: z.array(z.object({ label: z.string(), url: z.string() })), reporting: z.string() }).nullable(),
});

export const StoreRpcResult = z.object({ result: z.unknown() });

/** The OpenAPI document itself is described loosely: it is validated by a dedicated OpenAPI validator in tests. */
export const OpenApiDocument = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) }).loose();
