/**
 * Named queries of the dashboard. Each one reads only what a page needs: the overview reads the last days of all
 * tracked tags already reduced to one point per hour by ClickHouse, a tag page reads one tag's sort-key range reduced
 * to at most ~1,000 buckets, and the operations view reads aggregates. The chart queries do not use FINAL on the big
 * table: the reading of an instant is picked with argMax over (observed_at, source preference, value, ingested_at), and
 * counts use uniqExact, so a duplicate that ReplacingMergeTree has not merged yet changes nothing, and two sources at one
 * instant give the value the services choose (services/readings.ts). The data-quality tables read with FINAL.
 */
import * as z from 'zod';
import { defineQuery } from './query.ts';
import { FailureRow } from './queries.ts';
import { registerQueries } from './registry.ts';
import { T } from './migrations.ts';
import { SOURCE_RANK_SQL } from './identity.ts';
import { fromChTime, toChTime } from './time.ts';
import { hourBinColumns, isoInput } from './columns.ts';

const chTime = z.string().transform(fromChTime);
const isoParam = isoInput.transform((s) => toChTime(s));
const count = z.union([z.string(), z.number()]).transform(Number);
const u64 = z.union([z.string(), z.number()]).transform(String);
const tagKeys = { platforms: z.array(z.string()), tags: z.array(z.string()) };
const TAG_KEYS_SQL = '(platform, tag) IN (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)})))';

/**
  * Hourly bins for many tags: the first and the last reading of each UTC hour (lower bounds and zeros left out), with
  * their rounding steps — the same bins the hourly rollup keeps (argMin/argMax per bucket), so the overview's metrics
  * are the analytics' one definition (analytics/metrics.ts) and can later come from the rollup unchanged. Two sources
  * at one instant: the preferred one, as services/readings.ts chooses. Arrays, one row per tag: thousands of bins cost
  * far less to transfer and validate that way.
 */
export const hourlyPointsQuery = defineQuery({
  name: 'dashboard_hourly_points',
  params: z.object({ ...tagKeys, metric: z.string(), from: isoParam, to: isoParam }),
  row: z.object({
    platform: z.string(),
    tag: z.string(),
    ...hourBinColumns,
  }),
  sql: `SELECT platform, tag,
  groupArray(toFloat64(toUnixTimestamp(h)) * 1000) AS starts,
  groupArray(toFloat64(toUnixTimestamp64Milli(ft))) AS first_times, groupArray(toString(fv)) AS first_values, groupArray(toString(fs)) AS first_steps,
  groupArray(toFloat64(toUnixTimestamp64Milli(lt))) AS last_times, groupArray(toString(lv)) AS last_values, groupArray(toString(ls)) AS last_steps
FROM (
  SELECT platform, tag, toStartOfHour(observed_at, 'UTC') AS h,
    min(observed_at) AS ft,
    argMin(value, (observed_at, -pref, bitNot(tie), -toUnixTimestamp64Milli(ingested_at))) AS fv,
    argMin(step, (observed_at, -pref, bitNot(tie), -toUnixTimestamp64Milli(ingested_at))) AS fs,
    max(observed_at) AS lt,
    argMax(value, (observed_at, pref, tie, ingested_at)) AS lv,
    argMax(step, (observed_at, pref, tie, ingested_at)) AS ls
  FROM (
    SELECT platform, tag, observed_at, value, step, precision, ingested_at, ${SOURCE_RANK_SQL} AS pref, value AS tie
    FROM ${T.observations}
    WHERE ${TAG_KEYS_SQL} AND metric = {metric:String} AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
      AND precision != 'lower_bound' AND value > 0
  )
  GROUP BY platform, tag, h
  ORDER BY platform, tag, h
)
GROUP BY platform, tag`,
});

/** Failures per tag since a time: how many, and the latest one (kind, time, message). */
export const failureSummaryQuery = defineQuery({
  name: 'dashboard_failure_summary',
  params: z.object({ since: isoParam }),
  row: z.object({ platform: z.string(), tag: z.string(), failures: count, last_kind: z.string(), last_at: chTime, last_message: z.string() }),
  sql: `SELECT platform, tag, uniqExact(occurred_at, kind, attempt) AS failures,
  argMax(kind, occurred_at) AS last_kind, max(occurred_at) AS last_at, argMax(message, occurred_at) AS last_message
FROM ${T.failures}
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY platform, tag`,
});

/** Extent of one tag's series: lets the tag page pick a bucket width before reading it. */
export const seriesExtentQuery = defineQuery({
  name: 'dashboard_series_extent',
  params: z.object({ platform: z.string(), tag: z.string(), metric: z.string(), from: isoParam, to: isoParam }),
  row: z.object({ first_at: chTime.nullable(), last_at: chTime.nullable(), samples: count }),
  sql: `SELECT if(count() = 0, NULL, min(observed_at)) AS first_at, if(count() = 0, NULL, max(observed_at)) AS last_at, uniqExact(observed_at) AS samples
FROM ${T.observations}
WHERE platform = {platform:String} AND tag = {tag:String} AND metric = {metric:String}
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}`,
});

/**
 * One tag's series reduced to the last reading per bucket of bucketMs (a bucket of 1 ms keeps every sample). Two sources
 * at one instant: the preferred one (SOURCE_RANK_SQL, then the greater value: the order services/readings.ts chooses by).
 */
export const bucketedSeriesQuery = defineQuery({
  name: 'dashboard_bucketed_series',
  params: z.object({ platform: z.string(), tag: z.string(), metric: z.string(), from: isoParam, to: isoParam, bucketMs: z.number().int().min(1) }),
  row: z.object({ t: chTime, value: u64, step: u64, precision: z.enum(['exact', 'rounded', 'lower_bound']), samples: count }),
  sql: `SELECT max(observed_at) AS t,
  argMax(value, (observed_at, pref, tie, ingested_at)) AS value,
  argMax(step, (observed_at, pref, tie, ingested_at)) AS step,
  argMax(precision, (observed_at, pref, tie, ingested_at)) AS precision,
  uniqExact(observed_at) AS samples
FROM (
  SELECT observed_at, value, step, precision, ingested_at, ${SOURCE_RANK_SQL} AS pref, value AS tie
  FROM ${T.observations}
  WHERE platform = {platform:String} AND tag = {tag:String} AND metric = {metric:String}
    AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
)
GROUP BY intDiv(toUnixTimestamp64Milli(observed_at), {bucketMs:UInt64})
ORDER BY t`,
});

/** Where one tag's readings came from, and how precise they were, over a time range. */
export const sourcesQuery = defineQuery({
  name: 'dashboard_sources',
  params: z.object({ platform: z.string(), tag: z.string(), from: isoParam, to: isoParam }),
  row: z.object({ metric: z.string(), source: z.string(), method: z.string(), precision: z.string(), samples: count, first_at: chTime, last_at: chTime }),
  sql: `SELECT metric, source, method, precision, uniqExact(observed_at) AS samples, min(observed_at) AS first_at, max(observed_at) AS last_at
FROM ${T.observations}
WHERE platform = {platform:String} AND tag = {tag:String}
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
GROUP BY metric, source, method, precision
ORDER BY metric, samples DESC`,
});

/** One tag's failures by kind over a time range. */
export const tagFailureKindsQuery = defineQuery({
  name: 'dashboard_tag_failure_kinds',
  params: z.object({ platform: z.string(), tag: z.string(), from: isoParam, to: isoParam }),
  row: z.object({ kind: z.string(), failures: count, last_at: chTime }),
  sql: `SELECT kind, uniqExact(occurred_at, attempt) AS failures, max(occurred_at) AS last_at
FROM ${T.failures}
WHERE platform = {platform:String} AND tag = {tag:String}
  AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at <= {to:DateTime64(3, 'UTC')}
GROUP BY kind
ORDER BY failures DESC`,
});

/** One tag's latest failures inside a time range (the core query has no upper bound). */
export const tagFailuresQuery = defineQuery({
  name: 'dashboard_tag_failures',
  params: z.object({ platform: z.string(), tag: z.string(), from: isoParam, to: isoParam, limit: z.number().int().min(1).max(500) }),
  row: FailureRow,
  sql: `SELECT platform, tag, kind, status_code, platform_code, message, method, occurred_at, attempt, url FROM ${T.failures} FINAL
WHERE platform = {platform:String} AND tag = {tag:String} AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at <= {to:DateTime64(3, 'UTC')}
ORDER BY occurred_at DESC LIMIT {limit:UInt32}`,
});

/**
 * Readings of one tag at instants where more than one source gave a value (after FINAL: different identities), newest
 * first. Whether they contradict each other is decided in TypeScript by the same function as the report
 * (services/readings.ts findConflicts).
 */
export const sharedInstantsQuery = defineQuery({
  name: 'dashboard_shared_instants',
  params: z.object({ platform: z.string(), tag: z.string(), from: isoParam, to: isoParam, limit: z.number().int().min(1).max(2000) }),
  row: z.object({
    metric: z.string(),
    observed_at: chTime,
    value: u64,
    precision: z.string(),
    step: u64,
    source: z.string(),
    method: z.string(),
    provenance: z.string(),
    fetched_at: chTime,
  }),
  sql: `SELECT metric, observed_at, value, precision, step, source, method, provenance, fetched_at
FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag = {tag:String}
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
  AND (metric, observed_at) IN (
    SELECT metric, observed_at FROM ${T.observations} FINAL
    WHERE platform = {platform:String} AND tag = {tag:String}
      AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
    GROUP BY metric, observed_at HAVING count() > 1
  )
ORDER BY observed_at DESC, metric
LIMIT {limit:UInt32}`,
});

/** The latest readings of one tag with their provenance and note (what a journalist checks before citing). */
export const recentObservationsQuery = defineQuery({
  name: 'dashboard_recent_observations',
  params: z.object({ platform: z.string(), tag: z.string(), from: isoParam, to: isoParam, limit: z.number().int().min(1).max(500) }),
  row: z.object({
    metric: z.string(),
    observed_at: chTime,
    value: u64,
    precision: z.string(),
    step: u64,
    source: z.string(),
    method: z.string(),
    provenance: z.string(),
    note: z.string(),
  }),
  sql: `SELECT metric, observed_at, value, precision, step, source, method, provenance, note
FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag = {tag:String}
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
ORDER BY observed_at DESC, metric
LIMIT {limit:UInt32}`,
});

/** Failures by platform and kind since a time (operations view; with the epoch, the /metrics counters). */
export const failureKindsQuery = defineQuery({
  name: 'dashboard_failure_kinds',
  params: z.object({ since: isoParam }),
  row: z.object({ platform: z.string(), kind: z.string(), failures: count, last_at: chTime }),
  sql: `SELECT platform, kind, uniqExact(tag, occurred_at, attempt) AS failures, max(occurred_at) AS last_at
FROM ${T.failures}
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
GROUP BY platform, kind
ORDER BY platform, failures DESC`,
});

/** Stored readings per platform and metric (/metrics). */
export const observationCountsQuery = defineQuery({
  name: 'dashboard_observation_counts',
  params: z.object({}),
  row: z.object({ platform: z.string(), metric: z.string(), observations: count }),
  sql: `SELECT platform, metric, count() AS observations FROM ${T.observations} GROUP BY platform, metric ORDER BY platform, metric`,
});

/** A stored collection failure as the queries return it. */
export type FailureRecord = z.output<typeof FailureRow>;

registerQueries(sharedInstantsQuery, 
  hourlyPointsQuery,
  failureSummaryQuery,
  seriesExtentQuery,
  bucketedSeriesQuery,
  sourcesQuery,
  tagFailureKindsQuery,
  tagFailuresQuery,
  recentObservationsQuery,
  failureKindsQuery,
  observationCountsQuery,
);
