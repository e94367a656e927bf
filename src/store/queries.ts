/**
 * The named queries of tagpulse. Each reads only what it needs: single-tag queries filter on the sort-key prefix
 * (platform, tag, metric), overview queries read rollups.
 */
import * as z from 'zod';
import { defineQuery } from './query.ts';
import { T } from './migrations.ts';
import { SOURCE_RANK_SQL } from './identity.ts';
import { fromChTime } from './time.ts';
import { ObservationRow, boolish, chTime, chTimeParam, chTimeParamOr, u64 } from './columns.ts';

/**
 * The whole range of DateTime64(3) (ClickHouse's observed_at), which is also the range of years the one time parser
 * lets in (util/time.ts, 1900–2299): a read with no bound given reads every stored row. (These were 1970-01-01 and the
 * first instant of 2299-12-31, so a stored reading before 1970 or on the last day of 2299 was left out of series,
 * reports, compare and exports with no bound.) Reads with no bound at all use queries without the time predicate
 * (`series_all`, `report_input`, `reading_columns_all`): the same rows, and ClickHouse plans the read without
 * analysing a range (tests/integration/store/whole-time-range.test.ts proves the rows equal).
 */
export const MIN_TIME = '1900-01-01T00:00:00.000Z';
export const MAX_TIME = '2299-12-31T23:59:59.999Z';

export { ObservationRow } from './columns.ts';

/** Every stored column of an observation except its key, as `ObservationRow` reads them. */
const OBSERVATION_COLUMNS = 'observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision';
const SERIES_PARAMS = z.object({ platform: z.string(), tag: z.string(), metric: z.string(), from: chTimeParamOr(MIN_TIME), to: chTimeParamOr(MAX_TIME) });

/** The rows of one tag's series in [from, to], deduplicated (FINAL), by primary-key range: `series` and `report_input`. */
const SERIES_KEY_FROM = `FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag = {tag:String} AND metric = {metric:String}`;
const SERIES_FROM = `${SERIES_KEY_FROM}
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}`;

/** One tag's series, deduplicated (FINAL), read by primary-key range. */
export const seriesQuery = defineQuery({
  name: 'series',
  params: SERIES_PARAMS,
  row: ObservationRow,
  sql: `SELECT ${OBSERVATION_COLUMNS}
${SERIES_FROM}
ORDER BY observed_at`,
});
/** `series` with no bound given: no time predicate (MIN_TIME and MAX_TIME span every storable time), the same rows. */
export const seriesAllQuery = defineQuery({
  name: 'series_all',
  params: SERIES_PARAMS,
  row: ObservationRow,
  sql: `SELECT ${OBSERVATION_COLUMNS}
${SERIES_KEY_FROM}
ORDER BY observed_at`,
});

/**
 * The same rows as `series` for a bounded range, cheaper on a long series: the sort key is the identity (key_at), not
 * observed_at, so a FINAL read of a time range cannot prune by the key. The inner read (no FINAL) finds, through the
 * minmax index on observed_at, the identities with a version in the range; the outer FINAL read takes only those keys
 * (primary-key ranges) and keeps a key only if its latest version is in the range — the same rows as `series`. A one-day
 * range of a 200,000-row tag reads ~900 rows instead of its whole partition (~96,000). Used when `from` is given.
 */
export const seriesRangeQuery = defineQuery({
  name: 'series_range',
  params: SERIES_PARAMS,
  row: ObservationRow,
  sql: `SELECT ${OBSERVATION_COLUMNS}
FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag = {tag:String} AND metric = {metric:String}
  AND (key_at, origin) IN (
    SELECT key_at, origin FROM ${T.observations}
    WHERE platform = {platform:String} AND tag = {tag:String} AND metric = {metric:String}
      AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
  )
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
ORDER BY observed_at`,
});

/** ClickHouse DateTime64(3, 'UTC') text written as the ISO text `chTime` maps it to ('2026-01-02 03:04:05.006' → '2026-01-02T03:04:05.006Z'). */
const isoText = (column: string) => `concat(replaceOne(toString(${column}), ' ', 'T'), 'Z') AS ${column}`;
/**
 * The rows of `series` / `series_range` (the very query as a subquery: same rows, same order) written by ClickHouse as
 * the JSON array the API sends: each row the object `ObservationRow` parses from them, in its key order (times ISO
 * text, UInt64 as exact decimal strings, exact as true/false). Read with `exportBytes(…, 'JSONEachRow')`
 * (services/series.ts `loadSeriesJson`), so /api/tags/…/series sends ClickHouse's bytes without parsing 735 rows into
 * objects and writing them out again. tests/integration/api/series-json.test.ts proves the same answer on random rows.
 */
const seriesJsonSql = (inner: string) => `SELECT ${isoText('observed_at')}, toString(value) AS value, exact, toString(step) AS step, precision, source, method, collector_version,
  ${isoText('slot')}, ${isoText('fetched_at')}, provenance, note, time_precision
FROM (
${inner}
)
SETTINGS output_format_json_array_of_rows = 1, output_format_json_escape_forward_slashes = 0`;
export const seriesJsonQuery = defineQuery({ name: 'series_json', params: SERIES_PARAMS, row: ObservationRow, sql: seriesJsonSql(seriesQuery.sql) });
export const seriesRangeJsonQuery = defineQuery({ name: 'series_range_json', params: SERIES_PARAMS, row: ObservationRow, sql: seriesJsonSql(seriesRangeQuery.sql) });
export const seriesAllJsonQuery = defineQuery({ name: 'series_all_json', params: SERIES_PARAMS, row: ObservationRow, sql: seriesJsonSql(seriesAllQuery.sql) });

/** Parameters of the several-tag reads: one platform and metric, the tags, a time range. */
const SeriesManyParams = z.object({
  platform: z.string(),
  tags: z.array(z.string()).min(1),
  metric: z.string(),
  from: chTimeParamOr(MIN_TIME),
  to: chTimeParamOr(MAX_TIME),
});

/**
 * The rows of several tags' reads, one definition for readings_many and reading_columns: the tags' rows in [from, to]
 * (`MANY_WHERE`) or, for a range with a start, every row of an identity (key_at, origin) that has a row in it, still
 * within [from, to] (`MANY_RANGE_WHERE`, the range rule of `series_range`).
 */
const MANY_KEY_WHERE = `platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = {metric:String}`;
const MANY_WHERE = `${MANY_KEY_WHERE}
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}`;
const MANY_RANGE_WHERE = `${MANY_KEY_WHERE}
  AND (tag, key_at, origin) IN (
    SELECT tag, key_at, origin FROM ${T.observations}
    WHERE platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = {metric:String}
      AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}
  )
  AND observed_at >= {from:DateTime64(3, 'UTC')} AND observed_at <= {to:DateTime64(3, 'UTC')}`;

/**
 * The readings of several tags for compare, in one FINAL query over the tags' sort-key ranges (not one per tag): for
 * each tag the rows `series` / `series_range` give (the same FINAL read, the same range rule), with only the columns the analytics' choice of one reading per instant needs (time, value, step,
 * precision, source, method; provenance for imports only, where it breaks ties), instead of all 13 stored columns.
 */
const ReadingManyRow = z.object({ tag: z.string(), observed_at: chTime, value: u64, step: u64, precision: z.enum(['exact', 'rounded', 'lower_bound']), source: z.string(), method: z.string(), provenance: z.string() });
const READING_COLUMNS = `tag, observed_at, value, step, precision, source, method, if(method = 'import', provenance, '') AS provenance`;
export const readingsManyQuery = defineQuery({
  name: 'readings_many',
  params: SeriesManyParams,
  row: ReadingManyRow,
  sql: `SELECT ${READING_COLUMNS}
FROM ${T.observations} FINAL
WHERE ${MANY_WHERE}
ORDER BY tag, observed_at`,
});
export const readingsManyRangeQuery = defineQuery({
  name: 'readings_many_range',
  params: SeriesManyParams,
  row: ReadingManyRow,
  sql: `SELECT ${READING_COLUMNS}
FROM ${T.observations} FINAL
WHERE ${MANY_RANGE_WHERE}
ORDER BY tag, observed_at`,
});
export type ReadingManyRow = z.output<typeof ReadingManyRow>;

/**
 * Compare's input for several tags in one query, as columns: the rows of `readings_many` / `readings_many_range` (the
 * same FINAL read, range rule, columns and (tag, time) order), the tag as its position in the `tags` parameter (from 1;
 * a number, not the tag's text on every row), the time as epoch ms, the precision as a code (1 exact, 2 rounded,
 * 3 lower bound; the check gives the names back), answered as one row whose fields are the result's columns
 * (`columns: true`: JSONColumnsWithMetadata, one array per column). services/series.ts
 * `loadChosenMany` takes one reading per instant from them with the TypeScript rule itself (services/readings.ts
 * `preferredReading`) and counts the rows. Issue 15, figure 7d: the earlier chosen_many restated that rule in SQL
 * (window counts, ORDER BY … LIMIT 1 BY, the origin key converted to UTF-16 through ICU, arrays per tag), and
 * ClickHouse spent about as long planning it as reading the rows. This plain read plans like the baseline's; writing and
 * parsing 5,700 rows × 8 columns costs about what that planning did (measured: the two load at parity, ~0.9 of the
 * baseline), but the choice now has one definition, in TypeScript, and needs no ICU on a server. Reading columns needs
 * no object, and no check, per row. tests/integration/analytics/compare-chosen.test.ts proves loadChosenMany equal to
 * `toPoints` of readings_many on random rows.
 */
/** The precisions in the order of reading_columns' precision codes (1, 2, 3; 0 would be a precision unknown here). */
const PRECISION_NAMES = ['exact', 'rounded', 'lower_bound'] as const;
/**
 * Array columns checked in one plain loop each: the same acceptance as z.array of the element schema (an array, every
 * element of that type), without zod's per-element work or a call per element on compare's ~5,700-element columns.
 */
const columnOf = <T>(what: string, isArray: (a: unknown[]) => boolean) =>
  z.custom<T[]>((a) => Array.isArray(a) && isArray(a), { message: `expected an array of ${what}` });
const PRECISIONS: ReadonlySet<unknown> = new Set(PRECISION_NAMES);
const strings = columnOf<string>('strings', (a) => {
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') return false;
  return true;
});
const ReadingColumns = z
  .object({
    tag_index: columnOf<number>('tag positions (whole numbers from 1)', (a) => {
      for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number' || !Number.isInteger(a[i]) || (a[i] as number) < 1) return false;
      return true;
    }),
    t: columnOf<number>('finite numbers', (a) => {
      for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number' || !Number.isFinite(a[i])) return false;
      return true;
    }),
    value: strings,
    step: strings,
    precision: columnOf<number>(`precision codes 1–3 (${PRECISION_NAMES.join(', ')})`, (a) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== 1 && a[i] !== 2 && a[i] !== 3) return false;
      return true;
    }).transform((a) => a.map((code) => PRECISION_NAMES[code - 1]!)),
    source: strings,
    method: strings,
    provenance: strings,
  })
  .refine((c) => Object.values(c).every((a) => a.length === c.t.length), { message: 'columns of different lengths' });
const readingColumnsSql = (where: string) => `SELECT toUInt32(indexOf({tags:Array(String)}, tag)) AS tag_index, toFloat64(toUnixTimestamp64Milli(observed_at)) AS t,
  toString(value) AS value, toString(step) AS step,
  toUInt8(indexOf([${PRECISION_NAMES.map((p) => `'${p}'`).join(', ')}], precision)) AS precision, source, method, if(method = 'import', provenance, '') AS provenance
FROM ${T.observations} FINAL
WHERE ${where}
ORDER BY tag, observed_at`;
export const readingColumnsQuery = defineQuery({
  name: 'reading_columns',
  params: SeriesManyParams,
  row: ReadingColumns,
  columns: true,
  sql: readingColumnsSql(MANY_WHERE),
});
/** `reading_columns` with no bound given: no time predicate (MIN_TIME and MAX_TIME span every storable time), same rows. */
export const readingColumnsAllQuery = defineQuery({
  name: 'reading_columns_all',
  params: SeriesManyParams,
  row: ReadingColumns,
  columns: true,
  sql: readingColumnsSql(MANY_KEY_WHERE),
});
export const readingColumnsRangeQuery = defineQuery({
  name: 'reading_columns_range',
  params: SeriesManyParams,
  row: ReadingColumns,
  columns: true,
  sql: readingColumnsSql(MANY_RANGE_WHERE),
});
export type ReadingColumns = z.output<typeof ReadingColumns>;

/** Row count and identity count (metric, key_at, origin: src/schema/identity.ts) without FINAL: tests and duplicate checks. */
export const rawCountQuery = defineQuery({
  name: 'raw_count',
  params: z.object({ platform: z.string(), tag: z.string() }),
  row: z.object({ rows: u64, keys: u64 }),
  sql: `SELECT count() AS rows, uniqExact(metric, key_at, origin) AS keys
FROM ${T.observations} WHERE platform = {platform:String} AND tag = {tag:String}`,
});

export const TrackedRow = z.object({ platform: z.string(), tag: z.string(), every_ms: u64.transform(Number), added_at: chTime, active: boolish });

export const trackedQuery = defineQuery({
  name: 'tracked',
  params: z.object({ includeInactive: z.coerce.number().int().min(0).max(1).default(0) }),
  row: TrackedRow,
  sql: `SELECT platform, tag, every_ms, added_at, active
FROM ${T.tracked} FINAL
WHERE active OR {includeInactive:UInt8} = 1
ORDER BY platform, tag`,
});

/** One tag's tracked row, by its sort key: `tracked_tag` and report_input's cadence read it with this FROM and WHERE. */
const TRACKED_TAG_FROM = `FROM ${T.tracked} FINAL
WHERE platform = {platform:String} AND tag = {tag:String}`;

/** One tag's tracked row (active or not), by its sort key: a one-tag read (the report's cadence) need not list every tag. */
export const trackedTagQuery = defineQuery({
  name: 'tracked_tag',
  params: z.object({ platform: z.string(), tag: z.string() }),
  row: TrackedRow,
  sql: `SELECT platform, tag, every_ms, added_at, active
${TRACKED_TAG_FROM}`,
});

/**
 * A single-tag report's input in one round trip (services/series.ts `loadReportInput`): the rows of `series` (its FROM
 * and WHERE, `SERIES_FROM`: the same FINAL read, the same rows) with the fields the report uses (services/series.ts
 * `toPoints`, services/readings.ts `findConflicts`), each as `ObservationRow` parses it (times through `fromChTime`, as
 * `chTime`, and once more as epoch ms, `t`, so no reader parses the text again; UInt64 as exact decimal strings), and
 * the tag's tracked cadence (`tracked_tag`'s `every_ms` as a scalar, null when never tracked: the same value on every
 * row). Rows are in time order; rows at one instant in the order of their whole tuple, where `series` leaves them in
 * no defined order. Answered as columns (`columns: true`: JSONColumnsWithMetadata, one array per column, checked once):
 * a flat read plans and runs like the baseline's; an earlier form built the columns in SQL (arraySort of groupArray of
 * tuples, one row of arrays) and paid ~4 ms of a ~14 ms read for it (issue 15, figures 7h/7j). An empty answer has no
 * row to carry the cadence: `loadReportInput` reads it then by `tracked_tag`.
 * tests/integration/analytics/report-input.test.ts proves the same rows, points, conflicts and cadence as `loadSeries`
 * and `trackedCadenceMs` on random rows.
 */
const ReportInputRow = z
  .object({
    observed_at: strings.transform((a) => a.map(fromChTime)),
    // the same times as epoch milliseconds (Date.parse of `observed_at`'s ISO text; tests/integration/analytics/report-input.test.ts)
    t: columnOf<number>('finite numbers', (a) => {
      for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number' || !Number.isFinite(a[i])) return false;
      return true;
    }),
    // UInt64 quoted (output_format_json_quote_64bit_integers): a bare number could have lost digits, so it is refused
    value: strings,
    step: strings,
    precision: columnOf<'exact' | 'rounded' | 'lower_bound'>('exact | rounded | lower_bound', (a) => {
      for (let i = 0; i < a.length; i++) if (!PRECISIONS.has(a[i])) return false;
      return true;
    }),
    source: strings,
    method: strings,
    provenance: strings,
    // the tag's cadence (UInt64, quoted) on every row, null when never tracked
    cadence: columnOf<string | number | null>('UInt64 or null', (a) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== null && typeof a[i] !== 'string' && typeof a[i] !== 'number') return false;
      return true;
    }),
  })
  .refine((c) => Object.values(c).every((a) => a.length === c.t.length), { message: 'columns of different lengths' });
const reportInputSql = (cadence: string, from: string) => `SELECT observed_at, toFloat64(toUnixTimestamp64Milli(observed_at)) AS t, value, step,
  precision, source, method, provenance, ${cadence} AS cadence
${from}
ORDER BY observed_at, value, step, precision, source, method, provenance`;
/** The dictionary's key of the asked tag (migrations.ts trackedCadenceDictionary: platform and tag as String). */
const CADENCE_KEY = `(toString({platform:String}), toString({tag:String}))`;
// the `every_ms` of `tracked_tag`'s rows (its FROM and WHERE, TRACKED_TAG_FROM), read flat: the same rows as a
// subquery over tracked_tag's SELECT, one nesting level less for ClickHouse to plan (a cold one-shot report,
// figure 6b, paid ~1-4 ms of CPU for it)
const CADENCE_SQL = `(SELECT anyOrNull(every_ms) ${TRACKED_TAG_FROM})`;
// The embedded store: the cadence from its dictionary of tracked cadences (migration 33: every_ms of each tag's
// tracked row as the FINAL read gives it), null when the tag was never tracked. A scalar subquery is a second
// pipeline that ClickHouse plans and runs for every report (~2.5 ms, about a fifth of the read); the lookup is not
// (one per row, ~0.3 ms for 735 rows; dictHas and dictGet were two).
// tests/integration/analytics/report-input.test.ts proves the two give the same cadence after random writes.
const CADENCE_EMBEDDED_SQL = `dictGetOrNull('${T.trackedCadence}', 'every_ms', ${CADENCE_KEY})`;
/** The report of now: every row of the tag (no time predicate: MIN_TIME and MAX_TIME span every storable time). */
export const reportInputQuery = defineQuery({
  name: 'report_input',
  params: z.object({ platform: z.string(), tag: z.string(), metric: z.string() }),
  row: ReportInputRow,
  columns: true,
  sql: reportInputSql(CADENCE_SQL, SERIES_KEY_FROM),
  embeddedSql: reportInputSql(CADENCE_EMBEDDED_SQL, SERIES_KEY_FROM),
});
/** The report as of a time (`at`): the rows of `series` in [MIN_TIME, to]. */
export const reportInputToQuery = defineQuery({
  name: 'report_input_to',
  params: SERIES_PARAMS,
  row: ReportInputRow,
  columns: true,
  sql: reportInputSql(CADENCE_SQL, SERIES_FROM),
  embeddedSql: reportInputSql(CADENCE_EMBEDDED_SQL, SERIES_FROM),
});
export type ReportInputRow = z.output<typeof ReportInputRow>;

/**
 * Latest observation per (platform, tag, metric) for the given tracked keys, from the raw table's sort-key prefix. Two
 * sources at the same latest instant: the preferred one (SOURCE_RANK_SQL, then the greater value, as services/readings.ts).
 */
export const latestQuery = defineQuery({
  name: 'latest',
  params: z.object({ platforms: z.array(z.string()), tags: z.array(z.string()) }),
  row: z.object({ platform: z.string(), tag: z.string(), metric: z.string(), value: u64, exact: boolish, step: u64, precision: z.string(), source: z.string(), latest_at: chTime, samples: u64 }),
  sql: `SELECT platform, tag, metric,
  argMax(value, (observed_at, pref, tie, ingested_at)) AS value, argMax(exact, (observed_at, pref, tie, ingested_at)) AS exact,
  argMax(step, (observed_at, pref, tie, ingested_at)) AS step, argMax(precision, (observed_at, pref, tie, ingested_at)) AS precision,
  argMax(source, (observed_at, pref, tie, ingested_at)) AS source, max(observed_at) AS latest_at,
  uniqExact(key_at, origin) AS samples
FROM (
  SELECT platform, tag, metric, value, exact, step, precision, source, observed_at, ingested_at, key_at, origin, ${SOURCE_RANK_SQL} AS pref, value AS tie
  FROM ${T.observations}
  WHERE (platform, tag) IN (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)})))
)
GROUP BY platform, tag, metric
ORDER BY platform, tag, metric`,
});

/**
 * Every (platform, tag) with observations, however they arrived (sampled, imported, backfilled), with the methods
 * that wrote them and, for tags known only from press figures, the highest lower bound. Reads four narrow columns of
 * the raw table (the rollups leave lower bounds out, so a tag known only as "more than X" would be missing there).
 */
export const tagsWithDataQuery = defineQuery({
  name: 'tags_with_data',
  params: z.object({}),
  row: z.object({
    platform: z.string(),
    tag: z.string(),
    methods: z.array(z.string()),
    observations: u64,
    first_at: chTime,
    last_at: chTime,
    lower_bound_only: boolish,
    max_lower_bound: u64,
  }),
  sql: `SELECT platform, tag, arraySort(groupUniqArray(method)) AS methods, uniqExact(metric, observed_at) AS observations,
  min(observed_at) AS first_at, max(observed_at) AS last_at,
  countIf(precision != 'lower_bound') = 0 AS lower_bound_only,
  maxIf(value, precision = 'lower_bound') AS max_lower_bound
FROM ${T.observations}
GROUP BY platform, tag
ORDER BY platform, tag`,
});

export const FailureRow = z.object({
  platform: z.string(),
  tag: z.string(),
  kind: z.string(),
  status_code: z.coerce.number(),
  platform_code: z.string(),
  message: z.string(),
  method: z.string(),
  occurred_at: chTime,
  attempt: z.coerce.number(),
  url: z.string(),
  /** Saved raw response (services/raw-evidence.ts); '' when none was kept. */
  raw_ref: z.string().default(''),
});

export const recentFailuresQuery = defineQuery({
  name: 'recent_failures',
  params: z.object({ since: chTimeParam, limit: z.number().int().min(1).max(10_000).default(20) }),
  row: FailureRow,
  sql: `SELECT platform, tag, kind, status_code, platform_code, message, method, occurred_at, attempt, url, raw_ref
FROM ${T.failures} FINAL
WHERE occurred_at >= {since:DateTime64(3, 'UTC')}
ORDER BY occurred_at DESC
LIMIT {limit:UInt32}`,
});

export const failuresForTagQuery = defineQuery({
  name: 'failures_for_tag',
  params: z.object({ platform: z.string(), tag: z.string(), since: chTimeParamOr(MIN_TIME), limit: z.number().int().min(1).max(10_000).default(100) }),
  row: FailureRow,
  sql: `SELECT platform, tag, kind, status_code, platform_code, message, method, occurred_at, attempt, url, raw_ref
FROM ${T.failures} FINAL
WHERE platform = {platform:String} AND tag = {tag:String} AND occurred_at >= {since:DateTime64(3, 'UTC')}
ORDER BY occurred_at DESC
LIMIT {limit:UInt32}`,
});

/** observed_at of stored observations from one method (e.g. wayback) — lets a backfill skip what it already has. */
export const observedTimesQuery = defineQuery({
  name: 'observed_times',
  params: z.object({ platform: z.string(), tag: z.string(), method: z.string() }),
  row: z.object({ observed_at: chTime }),
  sql: `SELECT DISTINCT observed_at FROM ${T.observations}
WHERE platform = {platform:String} AND tag = {tag:String} AND method = {method:String}
ORDER BY observed_at`,
});

/**
 * The imported value each given (platform, tag, metric, observed_at) key holds now: the latest write of that identity
 * (origin 'import', key_at = observed_at — src/schema/identity.ts), whichever file it came from. What a new import
 * would repeat (the same value: skipped) or replace (another value: only with --replace). Only rows whose method is
 * 'import': a collected reading is another origin and never an import's to replace. Without FINAL, the latest write
 * (ingested_at) is taken, as ReplacingMergeTree will keep it.
 */
export const importedAtKeysQuery = defineQuery({
  name: 'imported_at_keys',
  params: z.object({ platforms: z.array(z.string()), tags: z.array(z.string()), metrics: z.array(z.string()), times: z.array(chTimeParam) }),
  row: z.object({ platform: z.string(), tag: z.string(), metric: z.string(), observed_at: chTime, provenance: z.string(), value: u64, step: u64, precision: z.string(), source: z.string(), note: z.string(), time_precision: z.string() }),
  sql: `SELECT platform, tag, metric, observed_at, argMax(provenance, ingested_at) AS provenance,
  argMax(value, ingested_at) AS value, argMax(step, ingested_at) AS step, argMax(precision, ingested_at) AS precision,
  argMax(source, ingested_at) AS source, argMax(note, ingested_at) AS note, argMax(time_precision, ingested_at) AS time_precision
FROM ${T.observations}
WHERE (platform, tag, metric, observed_at) IN (
    SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)}, {metrics:Array(String)}, {times:Array(DateTime64(3, 'UTC'))})))
  AND method = 'import'
GROUP BY platform, tag, metric, observed_at`,
});

/**
 * For each given series, the time range of its rows stored by imports (none: the series is absent). Lets an import
 * look up single keys (importedAtKeysQuery) only where an earlier import can be: a fresh import costs one query.
 */
export const importedSeriesQuery = defineQuery({
  name: 'imported_series',
  params: z.object({ platforms: z.array(z.string()), tags: z.array(z.string()), metrics: z.array(z.string()) }),
  row: z.object({ platform: z.string(), tag: z.string(), metric: z.string(), first_at: chTime, last_at: chTime }),
  sql: `SELECT platform, tag, metric, min(observed_at) AS first_at, max(observed_at) AS last_at
FROM ${T.observations}
WHERE (platform, tag, metric) IN (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)}, {metrics:Array(String)})))
  AND method = 'import'
GROUP BY platform, tag, metric`,
});

/**
 * Which of the given identities (platform, tag, metric, key_at, origin — src/schema/identity.ts) observations_v2
 * holds, with the reading it holds (the latest write, as FINAL keeps it): what the loader asks for rows whose insert
 * may have happened in a process that died before marking them (queue/loaded-marks.ts), and for readings that replace
 * a stored one (their rollup buckets are rebuilt only when what the rollups fold in differs). A primary-key lookup.
 */
export const storedIdentitiesQuery = defineQuery({
  name: 'stored_identities',
  params: z.object({ platforms: z.array(z.string()), tags: z.array(z.string()), metrics: z.array(z.string()), keyAts: z.array(chTimeParam), origins: z.array(z.string()) }),
  row: z.object({ platform: z.string(), tag: z.string(), metric: z.string(), key_at: chTime, origin: z.string(), observed_at: chTime, value: u64, step: u64, precision: z.string() }),
  sql: `SELECT platform, tag, metric, key_at, toString(origin) AS origin, argMax(observed_at, ingested_at) AS observed_at,
  argMax(value, ingested_at) AS value, argMax(step, ingested_at) AS step, toString(argMax(precision, ingested_at)) AS precision
FROM ${T.observations}
WHERE (platform, tag, metric, key_at, origin) IN (
    SELECT arrayJoin(arrayZip({platforms:Array(String)}, {tags:Array(String)}, {metrics:Array(String)}, {keyAts:Array(DateTime64(3, 'UTC'))}, {origins:Array(String)})))
GROUP BY platform, tag, metric, key_at, origin`,
});

export const eventsQuery = defineQuery({
  name: 'events',
  params: z.object({}),
  row: z.object({ slug: z.string(), name: z.string(), start_at: chTime, end_at: chTime, tags: z.array(z.string()), note: z.string() }),
  sql: `SELECT slug, name, start_at, end_at, tags, note FROM ${T.events} FINAL WHERE NOT deleted ORDER BY start_at`,
});

import { registerQueries } from './registry.ts';
registerQueries(seriesQuery, seriesAllQuery, seriesRangeQuery, seriesJsonQuery, seriesAllJsonQuery, seriesRangeJsonQuery, readingsManyQuery, readingsManyRangeQuery, readingColumnsQuery, readingColumnsAllQuery, readingColumnsRangeQuery, rawCountQuery, trackedQuery, trackedTagQuery, reportInputQuery, reportInputToQuery, latestQuery, tagsWithDataQuery, recentFailuresQuery, failuresForTagQuery, observedTimesQuery, importedAtKeysQuery, importedSeriesQuery, storedIdentitiesQuery, eventsQuery);
