/**
 * Named queries of the analytics features: the leaderboard (rollups only), exports with provenance, and the alert
 * delivery log. Every value is a bound {name:Type} parameter; table names are fixed in the text.
 */
import { z } from 'zod';
import { defineQuery } from './query.ts';
import { registerQueries } from './registry.ts';
import { T } from './migrations.ts';
import { ObservationRow, boolish, chTime, chTimeParam, u64 } from './columns.ts';

const flag = boolish;

// ---------------------------------------------------------------------------------------------------------------
// Leaderboard
// ---------------------------------------------------------------------------------------------------------------

/**
 * Ranking of every tag of one (platform, metric) from a rollup, never from raw rows.
 *
 * Anchor: all windows end at `at`. Rollup rows (one per bucket and part) are put in window group
 * k = ⌊(at − last_at) / W⌋, i.e. group k holds the buckets whose last sample lies in (at − (k+1)W, at − kW]; the
 * merged argMax of a group is therefore the counter at the latest sample at or before at − kW (at bucket
 * resolution). Consecutive groups give velocities dv[k] = (C_k − C_{k+1}) / (t_k − t_{k+1}) in counts per hour,
 * dividing by the actual time between the two samples, so a sparser or misaligned sampling widens the window instead
 * of biasing the rate. A drop (a downward revision) counts as no growth, as in the analytics' adjusted series.
 *
 *  - velocity = dv[1]; growth % = (dv[1] / dv[2] − 1)·100 (null when dv[2] is 0 or unknown);
 *  - z-score (breakout mode, W = 24 h) = robust z of dv[1] against dv[2..baselineDays+1] with the analytics' MAD,
 *    mean-absolute-deviation and epsilon fallbacks; breakout = z ≥ minZ AND growth ≥ minGrowth AND delta > 0.
 *
 * The analytics constants (scales, epsilons, thresholds) are bound parameters so they stay defined in one place.
 */
const leaderboardSql = (table: string) => `SELECT tag, latest_value, latest_at, window_from, delta, velocity_per_hour, prev_velocity_per_hour,
  growth_pct, z_score, baseline_days, breakout, tags_seen, tags_ranked
FROM (
  SELECT tag,
    arrayMap(i -> arrayFirstIndex(x -> x.1 = i, g), range({maxK:UInt8} + 1)) AS idx,
    arrayMap(k -> if(idx[k + 1] > 0 AND idx[k + 2] > 0,
        toFloat64(if(g[idx[k + 1]].3 >= g[idx[k + 2]].3, g[idx[k + 1]].3 - g[idx[k + 2]].3, 0))
          / (dateDiff('millisecond', g[idx[k + 2]].2, g[idx[k + 1]].2) / 3600000),
        NULL), range({maxK:UInt8})) AS dv,
    if(idx[1] > 0, g[idx[1]].3, NULL) AS latest_value,
    if(idx[1] > 0, g[idx[1]].2, NULL) AS latest_at,
    if(idx[1] > 0 AND idx[2] > 0, g[idx[2]].2, NULL) AS window_from,
    if(idx[1] > 0 AND idx[2] > 0, if(g[idx[1]].3 >= g[idx[2]].3, g[idx[1]].3 - g[idx[2]].3, 0), NULL) AS delta,
    dv[1] AS velocity_per_hour,
    dv[2] AS prev_velocity_per_hour,
    if(prev_velocity_per_hour > 0, (velocity_per_hour / prev_velocity_per_hour - 1) * 100, NULL) AS growth_pct,
    arrayMap(x -> assumeNotNull(x), arrayFilter(x -> x IS NOT NULL, arraySlice(dv, 2, {baselineDays:UInt8}))) AS base,
    length(base) AS baseline_days,
    arrayReduce('quantileExactInclusive(0.5)', base) AS base_median,
    arrayMap(x -> abs(x - base_median), base) AS base_dev,
    {madScale:Float64} * arrayReduce('quantileExactInclusive(0.5)', base_dev) AS mad_sigma,
    {meanAdScale:Float64} * arrayAvg(base_dev) AS mean_ad_sigma,
    multiIf(mad_sigma > 0, mad_sigma, mean_ad_sigma > 0, mean_ad_sigma,
      greatest({relativeEpsilon:Float64} * abs(base_median), {absoluteEpsilon:Float64})) AS z_scale,
    if(baseline_days >= {minBaselineDays:UInt8} AND velocity_per_hour IS NOT NULL, (velocity_per_hour - base_median) / z_scale, NULL) AS z_score,
    if(z_score IS NULL OR growth_pct IS NULL, NULL,
      z_score >= {minZScore:Float64} AND growth_pct >= {minGrowthPct:Float64} AND delta > 0) AS breakout,
    multiIf({by:String} = 'growth', growth_pct, {by:String} = 'breakout', z_score, velocity_per_hour) AS rank_value,
    count() OVER () AS tags_seen,
    countIf(rank_value IS NOT NULL) OVER () AS tags_ranked
  FROM (
    SELECT tag, groupArray((k, k_at, k_value)) AS g
    FROM (
      SELECT tag, intDiv(dateDiff('millisecond', last_at, {at:DateTime64(3, 'UTC')}), {windowMs:UInt64}) AS k,
        max(last_at) AS k_at, argMaxMerge(last_value) AS k_value
      FROM ${table}
      WHERE platform = {platform:String} AND metric = {metric:String}
        AND bucket >= {since:DateTime64(3, 'UTC')} AND bucket <= {at:DateTime64(3, 'UTC')} AND last_at <= {at:DateTime64(3, 'UTC')}
      GROUP BY tag, k
      HAVING k <= {maxK:UInt8}
    )
    GROUP BY tag
  )
)
WHERE rank_value IS NOT NULL
ORDER BY if({by:String} = 'breakout', breakout, 0) DESC NULLS LAST, rank_value DESC, tag
LIMIT {limit:UInt32}`;

export const LeaderboardParams = z.object({
  platform: z.string(),
  metric: z.string(),
  at: chTimeParam,
  /** First bucket to read (ISO): the start of the bucket holding at − (maxK + 1)·W. */
  since: chTimeParam,
  windowMs: z.number().int().positive(),
  /** Number of window groups: 2 for velocity/growth, baselineDays + 1 for breakout. */
  maxK: z.number().int().min(2).max(60),
  by: z.enum(['velocity', 'growth', 'breakout']),
  limit: z.number().int().min(1).max(10_000),
  baselineDays: z.number().int().min(1).max(60),
  minBaselineDays: z.number().int().min(1).max(60),
  madScale: z.number(),
  meanAdScale: z.number(),
  relativeEpsilon: z.number(),
  absoluteEpsilon: z.number(),
  minZScore: z.number(),
  minGrowthPct: z.number(),
});

const nullableNumber = z.number().nullable();
export const LeaderboardRow = z.object({
  tag: z.string(),
  latest_value: u64.nullable(),
  latest_at: chTime.nullable(),
  window_from: chTime.nullable(),
  delta: u64.nullable(),
  velocity_per_hour: nullableNumber,
  prev_velocity_per_hour: nullableNumber,
  growth_pct: nullableNumber,
  z_score: nullableNumber,
  baseline_days: z.coerce.number(),
  breakout: flag.nullable(),
  tags_seen: z.coerce.number(),
  tags_ranked: z.coerce.number(),
});
export type LeaderboardRow = z.output<typeof LeaderboardRow>;

export const leaderboardHourlyQuery = defineQuery({ name: 'leaderboard_hourly', params: LeaderboardParams, row: LeaderboardRow, sql: leaderboardSql(T.hourly) });
export const leaderboardDailyQuery = defineQuery({ name: 'leaderboard_daily', params: LeaderboardParams, row: LeaderboardRow, sql: leaderboardSql(T.daily) });

// ---------------------------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------------------------

/**
 * Filter shared by the export and its citation summary. `snapshot` pins what was stored at export time (rows
 * ingested later are left out), so the export and its summary describe the same rows and can be reproduced.
 * Empty arrays mean "all tags" / "all metrics".
 */
const EXPORT_FILTER = `platform = {platform:String}
  AND (empty({tags:Array(String)}) OR tag IN {tags:Array(String)})
  AND (empty({metrics:Array(String)}) OR metric IN {metrics:Array(String)})
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
  AND ingested_at <= {snapshot:DateTime64(3, 'UTC')}`;

/**
 * URL credentials are scrubbed from provenance: user:password@ and token-like query parameters. Collectors never
 * record secrets, this is the second line of defence for exports that leave the instance.
 */
const SCRUBBED_PROVENANCE = `replaceRegexpAll(replaceRegexpAll(provenance, '://[^/@\\\\s]+@', '://[redacted]@'),
    '([?&](?:access_token|token|key|api_key|apikey|sig|signature|client_secret|secret|password)=)[^&#\\\\s]*', '\\\\1[redacted]') AS provenance`;

export const ExportParams = z.object({
  platform: z.string(),
  tags: z.array(z.string()),
  metrics: z.array(z.string()),
  from: chTimeParam,
  to: chTimeParam,
  snapshot: chTimeParam,
});

/** Raw observations with every provenance column, in a stable order. */
export const exportObservationsQuery = defineQuery({
  name: 'export_observations',
  params: ExportParams,
  row: ObservationRow.extend({ platform: z.string(), tag: z.string(), metric: z.string() }),
  sql: `SELECT platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at,
  ${SCRUBBED_PROVENANCE}, note, time_precision
FROM ${T.observations} FINAL
WHERE ${EXPORT_FILTER}
ORDER BY platform, tag, metric, observed_at`,
});
export type ExportObservationRow = z.output<typeof exportObservationsQuery.row>;

/** Per-source summary of the same rows, for the citation (counts by precision, time range, collector versions). */
export const exportSourcesQuery = defineQuery({
  name: 'export_sources',
  params: ExportParams,
  row: z.object({
    source: z.string(),
    method: z.string(),
    rows: z.coerce.number(),
    exact: z.coerce.number(),
    rounded: z.coerce.number(),
    lower_bound: z.coerce.number(),
    first_at: chTime,
    last_at: chTime,
    collector_versions: z.array(z.string()),
    tags: z.array(z.string()),
    metrics: z.array(z.string()),
  }),
  sql: `SELECT source, method, count() AS rows, countIf(precision = 'exact') AS exact, countIf(precision = 'rounded') AS rounded,
  countIf(precision = 'lower_bound') AS lower_bound, min(observed_at) AS first_at, max(observed_at) AS last_at,
  arraySort(groupUniqArray(collector_version)) AS collector_versions, arraySort(groupUniqArray(tag)) AS tags,
  arraySort(groupUniqArray(metric)) AS metrics
FROM ${T.observations} FINAL
WHERE ${EXPORT_FILTER}
GROUP BY source, method
ORDER BY rows DESC, source, method`,
});

/** Column structure of the cleaned export (the adjusted series of cleanSeries, one row per usable sample). */
export const CLEANED_STRUCTURE =
  "platform String, tag String, metric String, observed_at DateTime64(3, 'UTC'), value UInt64, raw_value UInt64, adjusted Bool, step UInt64, precision String, source String, method String, collector_version String, provenance String, analytics_version String";

/**
 * The cleaned series is computed in TypeScript (cleanSeries) and handed back to ClickHouse as JSONEachRow text so
 * that ClickHouse writes the output format (CSV, JSONEachRow, Parquet) exactly as for raw exports. `format()`
 * refuses empty data, so an empty export passes one row with an empty tag (never a valid tag), filtered out here.
 */
export const exportCleanedQuery = defineQuery({
  name: 'export_cleaned',
  params: z.object({ data: z.string() }),
  row: z.record(z.string(), z.unknown()),
  sql: `SELECT * FROM format(JSONEachRow, '${CLEANED_STRUCTURE.replace(/'/g, "\\'")}', {data:String})
WHERE tag != ''
ORDER BY platform, tag, metric, observed_at`,
});
/** The JSONEachRow data of an empty cleaned export (see exportCleanedQuery). */
export const EMPTY_CLEANED_DATA = '{"tag":""}';

// ---------------------------------------------------------------------------------------------------------------
// Alert deliveries
// ---------------------------------------------------------------------------------------------------------------

export const AlertDeliveryRow = z.object({
  rule: z.string(),
  platform: z.string(),
  tag: z.string(),
  metric: z.string(),
  window_key: z.string(),
  fired_at: chTime,
  payload: z.string(),
  delivered: flag,
  attempts: z.coerce.number(),
});
export type AlertDeliveryRow = z.output<typeof AlertDeliveryRow>;

/** The latest episode of each (rule, series) among the given series. */
export const alertLatestQuery = defineQuery({
  name: 'alert_latest',
  params: z.object({ rules: z.array(z.string()), platforms: z.array(z.string()), tags: z.array(z.string()), metrics: z.array(z.string()) }),
  row: AlertDeliveryRow,
  sql: `SELECT rule, platform, tag, metric, window_key, fired_at, payload, delivered, attempts
FROM ${T.alerts} FINAL
WHERE rule IN {rules:Array(String)}
  AND (platform, tag, metric) IN (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)}, {metrics:Array(String)})))
ORDER BY fired_at DESC, window_key DESC
LIMIT 1 BY rule, platform, tag, metric`,
});

/** Deliveries that have not reached the webhook yet and may still be retried. */
export const alertPendingQuery = defineQuery({
  name: 'alert_pending',
  params: z.object({ since: chTimeParam, maxAttempts: z.number().int().min(1), limit: z.number().int().min(1).max(10_000).default(100) }),
  row: AlertDeliveryRow,
  sql: `SELECT rule, platform, tag, metric, window_key, fired_at, payload, delivered, attempts
FROM ${T.alerts} FINAL
WHERE NOT delivered AND attempts < {maxAttempts:UInt16} AND fired_at >= {since:DateTime64(3, 'UTC')}
ORDER BY fired_at
LIMIT {limit:UInt32}`,
});

/** Recent deliveries, newest first (tagpulse alerts list). */
export const alertRecentQuery = defineQuery({
  name: 'alert_recent',
  params: z.object({ since: chTimeParam, limit: z.number().int().min(1).max(10_000).default(50) }),
  row: AlertDeliveryRow,
  sql: `SELECT rule, platform, tag, metric, window_key, fired_at, payload, delivered, attempts
FROM ${T.alerts} FINAL
WHERE fired_at >= {since:DateTime64(3, 'UTC')}
ORDER BY fired_at DESC
LIMIT {limit:UInt32}`,
});

registerQueries(
  leaderboardHourlyQuery,
  leaderboardDailyQuery,
  exportObservationsQuery,
  exportSourcesQuery,
  exportCleanedQuery,
  alertLatestQuery,
  alertPendingQuery,
  alertRecentQuery,
);
