/**
 * Named queries of the analytics features: the leaderboard (rollups only), exports with provenance, and the alert
 * delivery log. Every value is a bound {name:Type} parameter; table names are fixed in the text.
 */
import * as z from 'zod';
import { defineQuery } from './query.ts';
import { registerQueries } from './registry.ts';
import { T } from './migrations.ts';
import { ObservationRow, boolish, chTime, chTimeParam, hourBinColumns, u64 } from './columns.ts';

const flag = boolish;

// ---------------------------------------------------------------------------------------------------------------
// Leaderboard
// ---------------------------------------------------------------------------------------------------------------

/**
 * Hourly bins of every tag of one (platform, metric) from the hourly rollup, never from raw rows: per bucket the first
 * and the last reading (argMin/argMax states merged across parts), their times and their rounding steps (first_step /
 * last_step: argMin/argMax over the same tuple, so each step belongs to the same reading as its value), as arrays per
 * tag. The metrics are
 * then computed by the analytics' one definition (analytics/metrics.ts `computeMetrics`), the same code the report,
 * the overview and alerts run on the same bins — there is no second definition in SQL to keep in step.
 *
 * Buckets from `since` up to the bucket holding `at`; the last bucket's readings after `at` cannot be cut out of an
 * aggregate, which is why the metrics use only the first reading of the hour holding `at` (and only when it is ≤ at).
 *
 * How it reads (issue 15: the earlier form, a GROUP BY (tag, bucket) with four -Merge states, then groupArray over an
 * ORDER BY subquery, took several times the plain rollup read): FINAL merges each (tag, bucket)'s states in the
 * table's sort order — the same merge argMinMerge/argMaxMerge do, since a (tag, bucket) key lies in one partition — and
 * finalizeAggregation reads the merged state; one GROUP BY tag collects the bins, and arraySort on tuples led by the
 * bucket puts them in time order (an ORDER BY in a subquery does not bind groupArray's order). The bins are the same:
 * tests/integration/analytics/read-path.test.ts compares both forms on random data. The two split_* settings keep
 * FINAL from reading overlapping parts' ranges twice (with them on, 3,000 tags in 5 parts read 191k rows of a
 * 150k-row rollup, and took longer).
 */
export const leaderboardHourlyQuery = defineQuery({
  name: 'leaderboard_hourly_bins',
  params: z.object({
    platform: z.string(),
    metric: z.string(),
    at: chTimeParam,
    /** First bucket to read (ISO). */
    since: chTimeParam,
  }),
  row: z.object({
    tag: z.string(),
    ...hourBinColumns,
  }),
  sql: `SELECT tag,
  arrayMap(b -> toFloat64(toUnixTimestamp(b.1)) * 1000, bins) AS starts,
  arrayMap(b -> toFloat64(toUnixTimestamp64Milli(b.2)), bins) AS first_times, arrayMap(b -> b.3, bins) AS first_values, arrayMap(b -> b.4, bins) AS first_steps,
  arrayMap(b -> toFloat64(toUnixTimestamp64Milli(b.5)), bins) AS last_times, arrayMap(b -> b.6, bins) AS last_values, arrayMap(b -> b.7, bins) AS last_steps
FROM (
  SELECT tag, arraySort(groupArray((bucket, first_at, finalizeAggregation(first_value), finalizeAggregation(first_step),
    last_at, finalizeAggregation(last_value), finalizeAggregation(last_step)))) AS bins
  FROM ${T.hourly} FINAL
  WHERE platform = {platform:String} AND metric = {metric:String}
    AND bucket >= {since:DateTime64(3, 'UTC')} AND bucket <= {at:DateTime64(3, 'UTC')}
  GROUP BY tag
)
ORDER BY tag
SETTINGS split_parts_ranges_into_intersecting_and_non_intersecting_final = 0, split_intersecting_parts_ranges_into_layers_final = 0`,
});
export type LeaderboardBinsRow = z.output<typeof leaderboardHourlyQuery.row>;

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

/** Column structure of the cleaned export (the readings the metrics use, cleaned: services/export.ts cleanRows). */
export const CLEANED_STRUCTURE =
  "platform String, tag String, metric String, observed_at DateTime64(3, 'UTC'), value UInt64, raw_value UInt64, adjusted Bool, gap_before Bool, step UInt64, precision String, source String, method String, collector_version String, provenance String, analytics_version String";

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
  exportObservationsQuery,
  exportSourcesQuery,
  exportCleanedQuery,
  alertLatestQuery,
  alertPendingQuery,
  alertRecentQuery,
);
