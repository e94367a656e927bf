/**
 * Named queries of the per-tag summary (tag_summary_v1, migration 30) and of the overview that reads it.
 *
 *  - Refresh side (services/tag-summaries.ts): the facts of a few hundred tags that the rollup does not keep (latest
 *    reading with its source and precision, lower bounds, methods), read from the raw table's sort-key prefix of just
 *    those tags; and their hourly bins from the hourly rollup (never raw rows), which feed the analytics' one
 *    definition (computeMetrics) in TypeScript.
 *  - Read side (/api/overview, /api/tags): one row per tag, filtered, sorted and paged in SQL over the summary table,
 *    joined with the tracked list and the failures of the last 24 h. Sort column and direction are identifiers, not
 *    values, so each (sort, dir) pair is its own named query with fixed text (`overviewPageQuery(sort, dir)`); every
 *    value is a bound parameter.
 */
import * as z from 'zod';
import { defineQuery, type NamedQuery } from './query.ts';
import { registerQueries } from './registry.ts';
import { T } from './migrations.ts';
import { SOURCE_RANK_SQL } from './identity.ts';
import { boolish, chTime, chTimeParam, hourBinColumns, u64 } from './columns.ts';

const count = z.union([z.string(), z.number()]).transform(Number);
const numOrNull = z.number().nullable();
/** The summary's window metrics with their intervals, as the overview page and the stored-row read give them. */
const windowMetricColumns = {
  velocity_24h: numOrNull, velocity_24h_low: numOrNull, velocity_24h_high: numOrNull,
  growth_24h_pct: numOrNull, growth_24h_pct_low: numOrNull, growth_24h_pct_high: numOrNull,
  velocity_7d: numOrNull, velocity_7d_low: numOrNull, velocity_7d_high: numOrNull,
  growth_7d_pct: numOrNull, growth_7d_pct_low: numOrNull, growth_7d_pct_high: numOrNull,
  doubling_days: numOrNull, doubling_days_low: numOrNull, doubling_days_high: numOrNull,
};
const KEYS_SQL = '(platform, tag) IN (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)})))';
const tagKeys = { platforms: z.array(z.string()), tags: z.array(z.string()) };

/**
 * Per (platform, tag, metric) of the given tags, every stored row (no FINAL: the preferred reading of an instant is
 * chosen by argMax over (observed_at, source preference, value, ingested_at), as services/readings.ts and the
 * former latest query do; one argMax of the reading's four fields, which ClickHouse computes once for the four
 * columns, instead of four argMax states per group: about half the query's time): the latest reading (lower bounds included) with its precision, step and source, the
 * first and last time, the methods, and the lower bounds. No exact distinct count: the sample count comes from the
 * rollup.
 */
export const summaryFactsQuery = defineQuery({
  name: 'summary_facts',
  params: z.object(tagKeys),
  row: z.object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    latest_value: u64,
    latest_precision: z.string(),
    latest_step: u64,
    latest_source: z.string(),
    first_at: chTime,
    latest_at: chTime,
    methods: z.array(z.string()),
    lower_bound_only: boolish,
    max_lower_bound: u64.nullable(),
  }),
  sql: `SELECT platform, tag, metric,
  argMax((value, precision, step, source), (observed_at, pref, tie, ingested_at)).1 AS latest_value,
  argMax((value, precision, step, source), (observed_at, pref, tie, ingested_at)).2 AS latest_precision,
  argMax((value, precision, step, source), (observed_at, pref, tie, ingested_at)).3 AS latest_step,
  argMax((value, precision, step, source), (observed_at, pref, tie, ingested_at)).4 AS latest_source,
  min(observed_at) AS first_at, max(observed_at) AS latest_at,
  arraySort(groupUniqArray(toString(method))) AS methods,
  countIf(precision != 'lower_bound') = 0 AS lower_bound_only,
  if(countIf(precision = 'lower_bound') = 0, NULL, maxIf(value, precision = 'lower_bound')) AS max_lower_bound
FROM (
  SELECT platform, tag, metric, value, step, precision, source, method, observed_at, ingested_at, ${SOURCE_RANK_SQL} AS pref, value AS tie
  FROM ${T.observations}
  WHERE ${KEYS_SQL}
)
GROUP BY platform, tag, metric
ORDER BY platform, tag, metric`,
});
export type SummaryFactsRow = z.output<typeof summaryFactsQuery.row>;

/**
 * Hourly bins of the given series from the hourly rollup (the same merge of argMin/argMax states as the
 * leaderboard's `leaderboard_hourly_bins`), as arrays per series for `binsFromColumns`: buckets from `since` up to
 * the bucket holding `at`. `sample_hours` counts every bucket of the series up to `at` (all time): hours with at
 * least one usable reading. Series keys are (platform, metric, tag) tuples: the rollup's sort-key prefix.
 */
export const summaryBinsQuery = defineQuery({
  name: 'summary_hourly_bins',
  params: z.object({ platforms: z.array(z.string()), metrics: z.array(z.string()), tags: z.array(z.string()), at: chTimeParam, since: chTimeParam }),
  row: z.object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    sample_hours: count,
    ...hourBinColumns,
  }),
  sql: `SELECT platform, tag, metric, count() AS sample_hours,
  groupArrayIf(toFloat64(toUnixTimestamp(bucket)) * 1000, recent) AS starts,
  groupArrayIf(toFloat64(toUnixTimestamp64Milli(f_at)), recent) AS first_times, groupArrayIf(toString(f_v), recent) AS first_values, groupArrayIf(toString(f_s), recent) AS first_steps,
  groupArrayIf(toFloat64(toUnixTimestamp64Milli(l_at)), recent) AS last_times, groupArrayIf(toString(l_v), recent) AS last_values, groupArrayIf(toString(l_s), recent) AS last_steps
FROM (
  SELECT platform, tag, metric, bucket, bucket >= {since:DateTime64(3, 'UTC')} AS recent,
    min(first_at) AS f_at, argMinMerge(first_value) AS f_v, argMinMerge(first_step) AS f_s,
    max(last_at) AS l_at, argMaxMerge(last_value) AS l_v, argMaxMerge(last_step) AS l_s
  FROM ${T.hourly}
  WHERE (platform, metric, tag) IN (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {metrics:Array(String)}, {tags:Array(String)})))
    AND bucket <= {at:DateTime64(3, 'UTC')}
  GROUP BY platform, tag, metric, bucket
  ORDER BY platform, tag, metric, bucket
)
GROUP BY platform, tag, metric
ORDER BY platform, tag, metric`,
});
export type SummaryBinsRow = z.output<typeof summaryBinsQuery.row>;

/**
 * Every (platform, tag) with stored observations that has no summary row, or whose oldest summary row was computed
 * before `hour` or before migration 31 (metrics_at NULL) (stale): what the overview and the leaderboard refresh. `missing` = no row at all. The keys come
 * from observation_keys_v1 (migration 32), which a view fills from every raw row: the same set as `SELECT DISTINCT
 * platform, tag` over the raw table (a tag inserted by any path is found, even one no writer refreshed; proven in
 * tests/integration/dashboard/summary.test.ts) without reading 11M rows on the overview's first request.
 */
export const summaryCandidatesQuery = defineQuery({
  name: 'summary_candidates',
  params: z.object({ hour: chTimeParam }),
  row: z.object({ platform: z.string(), tag: z.string(), missing: boolish }),
  sql: `SELECT k.platform AS platform, k.tag AS tag, s.oldest IS NULL AS missing
FROM (SELECT DISTINCT platform, tag FROM ${T.keys}) AS k
LEFT JOIN (SELECT platform, tag, min(if(isNull(metrics_at), toDateTime(0, 'UTC'), as_of)) AS oldest FROM ${T.summary} FINAL GROUP BY platform, tag) AS s
  ON k.platform = s.platform AND k.tag = s.tag
WHERE s.oldest IS NULL OR s.oldest < {hour:DateTime64(3, 'UTC')}
ORDER BY missing DESC, platform, tag
SETTINGS join_use_nulls = 1`,
});

/**
 * What the candidates scan depends on, from metadata and the small summary table: the raw table's row count and its
 * active parts (count, latest modification: every insert writes a part) and the summary's latest computation and row
 * count. While it and the hour stay the same, a candidates
 * scan that found nothing would find nothing again (services/tag-summaries.ts refreshOnRead skips it).
 */
export const summaryCandidatesVersionQuery = defineQuery({
  name: 'summary_candidates_version',
  params: z.object({}),
  row: z.object({ version: z.string() }),
  sql: `SELECT concat((SELECT toString(count()) FROM ${T.observations}), '|',
  (SELECT concat(toString(count()), '/', toString(max(modification_time)), '/', toString(sum(rows))) FROM system.parts WHERE database = currentDatabase() AND table = '${T.observations}' AND active), '|',
  (SELECT concat(toString(max(computed_at)), '/', toString(count())) FROM ${T.summary})) AS version`,
});

/**
 * The data version behind an overview answer (its ETag): the summary (latest computation, rows), the tracked list,
 * the failures of the last 24 h (count and latest write), the tracked tags that are stale at `now` (a tag turns
 * stale with time alone) and the raw table's row count (a write no refresh has followed yet: answered from metadata).
 * Small tables and aggregates only.
 */
export const overviewVersionQuery = defineQuery({
  name: 'overview_version',
  params: z.object({ since: chTimeParam, now: chTimeParam }),
  row: z.object({ version: z.string() }),
  sql: `SELECT concat(
  (SELECT concat(toString(max(computed_at)), '/', toString(count())) FROM ${T.summary}), '|',
  (SELECT toString(count()) FROM ${T.observations}), '|',
  (SELECT concat(toString(max(updated_at)), '/', toString(count())) FROM ${T.tracked}), '|',
  (SELECT concat(toString(max(ingested_at)), '/', toString(count())) FROM ${T.failures} WHERE occurred_at >= {since:DateTime64(3, 'UTC')}), '|',
  (SELECT toString(countIf(isNull(s.last) OR dateDiff('millisecond', s.last, {now:DateTime64(3, 'UTC')}) > 3 * t.every_ms + 60000))
   FROM (SELECT platform, tag, every_ms FROM ${T.tracked} FINAL WHERE active) AS t
   LEFT JOIN (SELECT platform, tag, max(latest_at) AS last FROM ${T.summary} FINAL GROUP BY platform, tag) AS s
   ON t.platform = s.platform AND t.tag = s.tag)
) AS version
SETTINGS join_use_nulls = 1`,
});

/** Sort keys of the overview (the contract's `sort`), each with the SQL column it orders by. */
export const OVERVIEW_SORTS = {
  tag: 'tag',
  platform: 'platform',
  views: 'views_value',
  posts: 'posts_value',
  velocity24h: 'velocity_24h',
  growth24hPct: 'growth_24h_pct',
  velocity7d: 'velocity_7d',
  growth7dPct: 'growth_7d_pct',
  doublingDays: 'doubling_days',
  zScore: 'z_score',
  lastSampleAt: 'last_sample_at',
  failures24h: 'failures',
} as const;
export type OverviewSort = keyof typeof OVERVIEW_SORTS;
export const OVERVIEW_SORT_KEYS = Object.keys(OVERVIEW_SORTS) as [OverviewSort, ...OverviewSort[]];
export type SortDir = 'asc' | 'desc';

const metricCols = [
  'window_end', 'as_of', 'computed_at',
  'velocity_24h', 'velocity_24h_low', 'velocity_24h_high', 'growth_24h_pct', 'growth_24h_pct_low', 'growth_24h_pct_high',
  'velocity_7d', 'velocity_7d_low', 'velocity_7d_high', 'growth_7d_pct', 'growth_7d_pct_low', 'growth_7d_pct_high',
  'doubling_days', 'doubling_days_low', 'doubling_days_high', 'halving_days', 'z_score', 'breakout',
  'spark_start', 'spark_step_ms',
] as const;

export const OverviewPageRow = z.object({
  platform: z.string(),
  tag: z.string(),
  total: count,
  stale_now: boolish,
  every_ms: count.nullable(),
  active: boolish.nullable(),
  has_summary: boolish,
  methods: z.array(z.string()),
  lower_bound_only: boolish,
  max_lower_bound: u64.nullable(),
  last_sample_at: chTime.nullable(),
  samples: count,
  views_value: u64.nullable(),
  views_precision: z.string(),
  views_step: u64,
  views_at: chTime.nullable(),
  posts_value: u64.nullable(),
  posts_precision: z.string(),
  posts_step: u64,
  posts_at: chTime.nullable(),
  window_end: chTime.nullable(),
  as_of: chTime.nullable(),
  computed_at: chTime.nullable(),
  ...windowMetricColumns,
  halving_days: numOrNull,
  z_score: numOrNull,
  breakout: boolish.nullable(),
  spark_start: chTime.nullable(),
  spark_step_ms: count.nullable(),
  sparkline: z.array(numOrNull).nullable(),
  failures: count,
  last_kind: z.string().nullable(),
  last_failure_at: chTime.nullable(),
  last_message: z.string().nullable(),
});
export type OverviewPageRow = z.output<typeof OverviewPageRow>;

const pageParams = z.object({
  metric: z.string(),
  since: chTimeParam,
  now: chTimeParam,
  q: z.string().max(200),
  platform: z.string().max(64),
  only: z.enum(['all', 'breakouts', 'problems']),
  source: z.enum(['all', 'tracked', 'imported', 'backfilled', 'sampled', 'not-sampled']),
  limit: z.number().int().min(1).max(500),
  offset: z.number().int().min(0),
});

/** The listing: tracked and active tags, and every tag with a summary row (every tag with data, once refreshed). */
const LISTED_SQL = `SELECT platform, tag FROM ${T.tracked} FINAL WHERE active
  UNION DISTINCT
  SELECT DISTINCT platform, tag FROM ${T.summary}`;

/**
 * One page of the overview: the listed tags, their summary for `metric`, the latest views and posts, and failures
 * since `since`; filtered by a case-insensitive substring of the tag, an exact platform ('' = all), `only`
 * (breakouts; problems = stale at `now` or failing) and `source` (origins as services/tag-listing.ts derives them from
 * the methods and the schedule); sorted by one column (NULLs last whatever the direction; ties by platform, then tag),
 * LIMIT/OFFSET. `total` = rows after the filters (a window count). views/posts sort as UInt64, never as floats.
 */
function pageSql(sort: OverviewSort, dir: SortDir): string {
  const col = OVERVIEW_SORTS[sort];
  const d = dir === 'asc' ? 'ASC' : 'DESC';
  const one = (c: string) => `anyIf(${c}, metric = {metric:String}) AS ${c}`;
  return `SELECT *, count() OVER () AS total FROM (
SELECT k.platform AS platform, k.tag AS tag,
  tr.every_ms AS every_ms, tr.active AS active, s.platform IS NOT NULL AS has_summary,
  ifNull(s.methods, []) AS methods, ifNull(s.lower_bound_only, false) AS lower_bound_only, s.max_lower_bound AS max_lower_bound,
  s.last_sample_at AS last_sample_at, ifNull(s.samples, 0) AS samples,
  s.views_value AS views_value, ifNull(s.views_precision, '') AS views_precision, ifNull(s.views_step, 0) AS views_step, s.views_at AS views_at,
  s.posts_value AS posts_value, ifNull(s.posts_precision, '') AS posts_precision, ifNull(s.posts_step, 0) AS posts_step, s.posts_at AS posts_at,
  ${metricCols.map((c) => `s.${c} AS ${c}`).join(', ')},
  -- the sparkline (85 values) is read for the page's rows only, afterwards (summarySparklinesQuery): carrying it
  -- through the join and the sort of every listed tag tripled the query's time at 10,000 tags
  NULL AS sparkline,
  ifNull(f.failures, 0) AS failures, f.last_kind AS last_kind, f.last_at AS last_failure_at, f.last_message AS last_message,
  ifNull(tr.active, false) AND (s.last_sample_at IS NULL OR dateDiff('millisecond', s.last_sample_at, {now:DateTime64(3, 'UTC')}) > 3 * tr.every_ms + 60000) AS stale_now
FROM (${LISTED_SQL}) AS k
LEFT JOIN (SELECT platform, tag, every_ms, active FROM ${T.tracked} FINAL) AS tr ON k.platform = tr.platform AND k.tag = tr.tag
LEFT JOIN (
  SELECT platform, tag,
    arraySort(arrayDistinct(arrayFlatten(groupArray(methods)))) AS methods,
    min(lower_bound_only) AS lower_bound_only, max(max_lower_bound) AS max_lower_bound,
    max(latest_at) AS last_sample_at, max(sample_hours) AS samples,
    anyIf(latest_value, metric = 'views') AS views_value, anyIf(latest_precision, metric = 'views') AS views_precision,
    anyIf(latest_step, metric = 'views') AS views_step, anyIf(latest_at, metric = 'views') AS views_at,
    anyIf(latest_value, metric = 'posts') AS posts_value, anyIf(latest_precision, metric = 'posts') AS posts_precision,
    anyIf(latest_step, metric = 'posts') AS posts_step, anyIf(latest_at, metric = 'posts') AS posts_at,
    ${metricCols.map(one).join(',\n    ')}
  FROM ${T.summary} FINAL
  GROUP BY platform, tag
) AS s ON k.platform = s.platform AND k.tag = s.tag
LEFT JOIN (
  SELECT platform, tag, uniqExact(occurred_at, kind, attempt) AS failures,
    argMax(kind, occurred_at) AS last_kind, max(occurred_at) AS last_at, argMax(message, occurred_at) AS last_message
  FROM ${T.failures}
  WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
  GROUP BY platform, tag
) AS f ON k.platform = f.platform AND k.tag = f.tag
SETTINGS join_use_nulls = 1
)
WHERE positionCaseInsensitiveUTF8(tag, {q:String}) > 0 AND ({platform:String} = '' OR platform = {platform:String})
  AND ({only:String} != 'breakouts' OR breakout = true)
  AND ({only:String} != 'problems' OR stale_now OR failures > 0)
  AND multiIf({source:String} = 'all', true,
    {source:String} = 'not-sampled', NOT ifNull(active, false),
    {source:String} = 'tracked', ifNull(active, false),
    {source:String} = 'imported', hasAny(methods, ['import', 'manual']),
    {source:String} = 'backfilled', has(methods, 'wayback'),
    NOT ifNull(active, false) AND length(arrayFilter(m -> m NOT IN ('import', 'manual', 'wayback'), methods)) > 0)
ORDER BY ${col} ${d} NULLS LAST, platform ASC, tag ASC
LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;
}

const pageQueries = new Map<string, NamedQuery<typeof pageParams, typeof OverviewPageRow>>();
for (const sort of OVERVIEW_SORT_KEYS) {
  for (const dir of ['asc', 'desc'] as const) {
    pageQueries.set(`${sort}:${dir}`, defineQuery({ name: `overview_page_${sort}_${dir}`, params: pageParams, row: OverviewPageRow, sql: pageSql(sort, dir) }));
  }
}

/** The named page query of one (sort, dir). */
export function overviewPageQuery(sort: OverviewSort, dir: SortDir): NamedQuery<typeof pageParams, typeof OverviewPageRow> {
  return pageQueries.get(`${sort}:${dir}`)!;
}

/** The sparklines of one page's rows (`metric`), by key: a primary-key read of at most a page of series. */
export const summarySparklinesQuery = defineQuery({
  name: 'summary_sparklines',
  params: z.object({ metric: z.string(), ...tagKeys }),
  row: z.object({ platform: z.string(), tag: z.string(), sparkline: z.array(numOrNull) }),
  sql: `SELECT platform, tag, sparkline FROM ${T.summary} FINAL
WHERE platform IN {platforms:Array(String)} AND tag IN {tags:Array(String)} AND metric = {metric:String} AND ${KEYS_SQL}`,
});

/**
 * The whole listing before any filter: how many rows (`totalAll`), its platforms (the platform filter's choices) and
 * the latest hour boundary any row's windows end at for `metric`.
 */
export const overviewTotalsQuery = defineQuery({
  name: 'overview_totals',
  params: z.object({ metric: z.string() }),
  row: z.object({ total_all: count, platforms: z.array(z.string()), as_of: chTime.nullable() }),
  // one pass over the listing for both the count and the platforms (it was evaluated twice: a FINAL read of the
  // tracked list and a DISTINCT over the summary each time, on the first page's critical path)
  sql: `SELECT l.total_all AS total_all, l.platforms AS platforms,
  (SELECT max(window_end) FROM ${T.summary} FINAL WHERE metric = {metric:String}) AS as_of
FROM (SELECT count() AS total_all, arraySort(groupUniqArray(toString(platform))) AS platforms FROM (${LISTED_SQL})) AS l`,
});

/** Every summary row (latest computation), for /api/tags: the latest reading per series and the listing's facts. */
export const summaryListingQuery = defineQuery({
  name: 'summary_listing',
  params: z.object({}),
  row: z.object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    latest_value: u64.nullable(),
    latest_precision: z.string(),
    latest_step: u64,
    latest_source: z.string(),
    latest_at: chTime.nullable(),
    sample_hours: count,
    methods: z.array(z.string()),
    first_at: chTime.nullable(),
    last_at: chTime.nullable(),
    lower_bound_only: boolish,
    max_lower_bound: u64.nullable(),
  }),
  sql: `SELECT platform, tag, metric, latest_value, latest_precision, latest_step, latest_source, latest_at, sample_hours, methods,
  first_at, last_at, lower_bound_only, max_lower_bound
FROM ${T.summary} FINAL
ORDER BY platform, tag, metric`,
});

/** One stored summary row as written (tests and the property check read it back exactly). */
export const summaryRowsQuery = defineQuery({
  name: 'summary_rows',
  params: z.object(tagKeys),
  row: z.object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    as_of: chTime,
    computed_at: chTime,
    window_end: chTime.nullable(),
    ...windowMetricColumns,
    halving_days: numOrNull, halving_days_low: numOrNull, halving_days_high: numOrNull,
    z_score: numOrNull,
    breakout: boolish.nullable(),
    latest_value: u64.nullable(),
    latest_precision: z.string(),
    latest_step: u64,
    latest_source: z.string(),
    latest_at: chTime.nullable(),
    sample_hours: count,
    spark_start: chTime,
    spark_step_ms: count,
    sparkline: z.array(numOrNull),
    bins_signature: z.string(),
  }),
  sql: `SELECT platform, tag, metric, as_of, computed_at, window_end,
  velocity_24h, velocity_24h_low, velocity_24h_high, growth_24h_pct, growth_24h_pct_low, growth_24h_pct_high,
  velocity_7d, velocity_7d_low, velocity_7d_high, growth_7d_pct, growth_7d_pct_low, growth_7d_pct_high,
  doubling_days, doubling_days_low, doubling_days_high, halving_days, halving_days_low, halving_days_high, z_score, breakout,
  latest_value, latest_precision, latest_step, latest_source, latest_at, sample_hours, spark_start, spark_step_ms, sparkline, bins_signature
FROM ${T.summary} FINAL
WHERE ${KEYS_SQL}
ORDER BY platform, tag, metric`,
});
export type SummaryRow = z.output<typeof summaryRowsQuery.row>;

// ---------------------------------------------------------------------------------------------------------------
// The current leaderboard (services/leaderboard.ts leaderboardFromSummary): 24h and 7d windows only (the windows the
// summary holds). The ranking column is an identifier, so each (by, window) pair is its own named query with fixed
// text; values are bound.
// ---------------------------------------------------------------------------------------------------------------

export type SummaryLeaderboardBy = 'velocity' | 'growth' | 'breakout';
export type SummaryLeaderboardWindow = '24h' | '7d';

/** The ranking value's column (the computed leaderboard's `value(e)`). */
const rankColumn = (by: SummaryLeaderboardBy, w: SummaryLeaderboardWindow): string => (by === 'growth' ? `growth_${w}_pct` : by === 'breakout' ? 'z_score' : `velocity_${w}`);

/**
 * How current the summary rows of one platform and metric are, and how many the leaderboard sees and ranks: `stale`
 * rows were computed in an earlier hour than `hour` or before migration 31; `seen` had hourly bins in their read range;
 * `ranked_*` have the ranking value.
 */
export const summaryLeaderboardStatusQuery = defineQuery({
  name: 'summary_leaderboard_status',
  params: z.object({ platform: z.string(), metric: z.string(), hour: chTimeParam }),
  row: z.object({
    rows: count,
    stale: count,
    /** Rows written before migration 31 (no leaderboard fields yet). */
    legacy: count,
    seen: count,
    ranked_velocity_24h: count,
    ranked_velocity_7d: count,
    ranked_growth_24h: count,
    ranked_growth_7d: count,
    ranked_breakout_24h: count,
    as_of_from: chTime.nullable(),
    as_of_to: chTime.nullable(),
  }),
  sql: `SELECT count() AS rows, countIf(isNull(metrics_at) OR as_of < {hour:DateTime64(3, 'UTC')}) AS stale, countIf(isNull(metrics_at)) AS legacy, countIf(recent_bins > 0) AS seen,
  countIf(velocity_24h IS NOT NULL) AS ranked_velocity_24h, countIf(velocity_7d IS NOT NULL) AS ranked_velocity_7d,
  countIf(growth_24h_pct IS NOT NULL) AS ranked_growth_24h, countIf(growth_7d_pct IS NOT NULL) AS ranked_growth_7d,
  countIf(z_score IS NOT NULL) AS ranked_breakout_24h,
  min(metrics_at) AS as_of_from, max(metrics_at) AS as_of_to
FROM ${T.summary} FINAL
WHERE platform = {platform:String} AND metric = {metric:String}`,
});
export type SummaryLeaderboardStatus = z.output<typeof summaryLeaderboardStatusQuery.row>;

const lbParams = z.object({ platform: z.string(), metric: z.string(), limit: z.number().int().min(1).max(1000) });
const SummaryLeaderboardRow = z.object({
  tag: z.string(),
  as_of: chTime,
  metrics_at: chTime,
  latest_value: u64.nullable(),
  latest_at: chTime.nullable(),
  window_from: chTime.nullable(),
  window_to: chTime.nullable(),
  delta: z.string().nullable(),
  velocity: numOrNull,
  velocity_low: numOrNull,
  velocity_high: numOrNull,
  coverage: numOrNull,
  previous_velocity: numOrNull,
  growth_pct: numOrNull,
  growth_pct_low: numOrNull,
  growth_pct_high: numOrNull,
  growth_rate_per_day: numOrNull,
  doubling_days: numOrNull,
  doubling_days_low: numOrNull,
  doubling_days_high: numOrNull,
  halving_days: numOrNull,
  z_score: numOrNull,
  z_baseline_days: count,
  breakout: z.boolean().nullable(),
});
export type SummaryLeaderboardRow = z.output<typeof SummaryLeaderboardRow>;

function leaderboardSql(by: SummaryLeaderboardBy, w: SummaryLeaderboardWindow): string {
  const col = rankColumn(by, w);
  // the computed ranking's order: breakout true, then false, then unknown (breakout ranking only), then the value
  // descending, then the tag ascending
  const order = `${by === 'breakout' ? 'multiIf(isNull(breakout), 2, breakout, 0, 1), ' : ''}${col} DESC, tag ASC`;
  return `SELECT tag, as_of, metrics_at, bins_latest_value AS latest_value, bins_latest_at AS latest_at,
  from_${w} AS window_from, to_${w} AS window_to, delta_${w} AS delta,
  velocity_${w} AS velocity, velocity_${w}_low AS velocity_low, velocity_${w}_high AS velocity_high,
  coverage_${w} AS coverage, previous_velocity_${w} AS previous_velocity,
  growth_${w}_pct AS growth_pct, growth_${w}_pct_low AS growth_pct_low, growth_${w}_pct_high AS growth_pct_high,
  growth_rate_per_day, doubling_days, doubling_days_low, doubling_days_high, halving_days, z_score, z_baseline_days, breakout
FROM ${T.summary} FINAL
WHERE platform = {platform:String} AND metric = {metric:String} AND ${col} IS NOT NULL
ORDER BY ${order}
LIMIT {limit:UInt32}`;
}

const lbQueries = new Map<string, NamedQuery<typeof lbParams, typeof SummaryLeaderboardRow>>();
for (const [by, w] of [['velocity', '24h'], ['velocity', '7d'], ['growth', '24h'], ['growth', '7d'], ['breakout', '24h']] as const) {
  lbQueries.set(`${by}:${w}`, defineQuery({ name: `summary_leaderboard_${by}_${w}`, params: lbParams, row: SummaryLeaderboardRow, sql: leaderboardSql(by, w) }));
}

/** The named leaderboard query of one ranking and window; undefined for a pair the summary does not hold. */
export function summaryLeaderboardQuery(by: SummaryLeaderboardBy, w: string): NamedQuery<typeof lbParams, typeof SummaryLeaderboardRow> | undefined {
  return lbQueries.get(`${by}:${w}`);
}

registerQueries(summarySparklinesQuery, summaryCandidatesVersionQuery, summaryLeaderboardStatusQuery, ...lbQueries.values());
registerQueries(summaryFactsQuery, summaryBinsQuery, summaryCandidatesQuery, overviewVersionQuery, overviewTotalsQuery, summaryListingQuery, summaryRowsQuery, ...pageQueries.values());
