/** Loading one tag's series from the store, as analytics input. */
import type { Store } from '../store/store.ts';
import { seriesQuery, seriesAllQuery, seriesRangeQuery, seriesJsonQuery, seriesAllJsonQuery, seriesRangeJsonQuery, readingsManyQuery, readingsManyRangeQuery, readingColumnsQuery, readingColumnsAllQuery, readingColumnsRangeQuery, reportInputQuery, reportInputToQuery, MIN_TIME, MAX_TIME, type ObservationRow, type ReadingManyRow } from '../store/queries.ts';
import type { SeriesPoint } from '../analytics/types.ts';
import { choosePerInstant, preferredReading, type ReadingRow } from './readings.ts';
import { trackedCadenceMs } from './tracking.ts';

export interface SeriesKey {
  platform: string;
  tag: string;
  metric: string;
}

/** One tag's stored rows (FINAL), in time order; a range with a start reads only that range's keys (series_range); none, every row (series_all). */
export async function loadSeries(store: Store, key: SeriesKey, range: { from?: string; to?: string } = {}): Promise<ObservationRow[]> {
  const params = { ...key, from: range.from ?? MIN_TIME, to: range.to ?? MAX_TIME };
  return store.run(range.from ? seriesRangeQuery : range.to ? seriesQuery : seriesAllQuery, params);
}

/**
 * The rows of `loadSeries` (same query as a subquery: same rows, same order) as the UTF-8 text of one JSON array, written
 * by ClickHouse (`series_json`): each element is the object `loadSeries` gives for that row, key for key, so
 * `JSON.parse` of it deep-equals `loadSeries` (tests/integration/api/series-json.test.ts, random rows). The series
 * route sends these bytes as they are: parsing a long series into objects, checking each, and writing them out again
 * cost more than the query (issue 15, figure 7g). Only for answers that pass rows through unchanged; code that
 * computes on rows uses `loadSeries`.
 */
export async function loadSeriesJson(store: Store, key: SeriesKey, range: { from?: string; to?: string } = {}): Promise<Buffer> {
  const params = { ...key, from: range.from ?? MIN_TIME, to: range.to ?? MAX_TIME };
  return store.exportBytes(range.from ? seriesRangeJsonQuery : range.to ? seriesJsonQuery : seriesAllJsonQuery, params, 'JSONEachRow');
}

/** A stored row with the fields a report uses (`toPoints`, `findConflicts`), each as `loadSeries` gives it. */
export type ReportReading = Pick<ObservationRow, 'observed_at' | 'value' | 'step' | 'precision' | 'source' | 'method' | 'provenance'> & {
  /** `Date.parse(observed_at)`, read from the query as a number (ReadingRow `t`). */
  t: number;
};

/** A single-tag report's input: its rows and the tag's tracked cadence. */
export interface ReportData {
  /** The rows `loadSeries` gives for the key and range, in time order (rows at one instant: see `report_input`). */
  rows: ReportReading[];
  /** `trackedCadenceMs` of the tag (services/tracking.ts): its last cadence, undefined when never tracked. */
  cadenceMs: number | undefined;
}

/**
 * One tag's report input in one query (`report_input`): the rows of `loadSeries` without a range start (the FROM and
 * WHERE of `series`) with only the fields the report uses, read as columns, and the tag's tracked cadence from the same
 * round trip. No row, no cadence in the answer: it is read by `tracked_tag` then, unless `cadenceOfEmpty` is false
 * (a report of no rows has no gaps, so no cadence can change it: analytics/report.ts `cadenceCanChange`). The property
 * test in tests/integration/analytics/report-input.test.ts proves the same rows, the same `toPoints` and the same
 * `findConflicts` as `loadSeries` on random rows, and the cadence of `trackedCadenceMs`.
 */
export async function loadReportInput(store: Store, key: SeriesKey, range: { to?: string } = {}, opts: { cadenceOfEmpty?: boolean } = {}): Promise<ReportData> {
  const [c] = range.to ? await store.run(reportInputToQuery, { ...key, from: MIN_TIME, to: range.to }) : await store.run(reportInputQuery, key);
  const n = c?.t.length ?? 0;
  // no row carries the cadence: read it by itself (a tag tracked but without rows in the range)
  if (!c || n === 0) {
    if (opts.cadenceOfEmpty === false) return { rows: [], cadenceMs: undefined };
    return { rows: [], cadenceMs: await trackedCadenceMs(store, key.platform, key.tag) };
  }
  const rows: ReportReading[] = new Array(n);
  for (let i = 0; i < n; i++) {
    rows[i] = { observed_at: c.observed_at[i]!, value: c.value[i]!, step: c.step[i]!, precision: c.precision[i]!, source: c.source[i]!, method: c.method[i]!, provenance: c.provenance[i]!, t: c.t[i]! };
  }
  const cadence = c.cadence[0];
  return { rows, cadenceMs: cadence === null || cadence === undefined ? undefined : Number(cadence) };
}

/** A reading as `loadReadingsMany` gives it: the columns the choice per instant needs. */
export type Reading = Omit<ReadingManyRow, 'tag'>;

/**
 * Several tags' readings in one query, narrow: for each tag the rows `loadSeries` gives (same FINAL read, same range
 * rule, same order) with only the columns `toPoints` and compare need (time, value, step, precision, source, method,
 * and the provenance of imports). The property test in tests/integration/analytics/read-path.test.ts proves the same rows.
 */
export async function loadReadingsMany(store: Store, key: { platform: string; metric: string; tags: readonly string[] }, range: { from?: string; to?: string } = {}): Promise<Map<string, Reading[]>> {
  const out = new Map<string, Reading[]>(key.tags.map((t) => [t, []]));
  if (!key.tags.length) return out;
  const params = { platform: key.platform, metric: key.metric, tags: [...key.tags], from: range.from ?? MIN_TIME, to: range.to ?? MAX_TIME };
  for (const { tag, ...row } of await store.run(range.from ? readingsManyRangeQuery : readingsManyQuery, params)) out.get(tag)?.push(row);
  return out;
}

/**
 * Analytics input: one point per instant. Where two sources give a value for the same instant, the preferred one is
 * used (choosePerInstant, services/readings.ts) and the report lists the conflict (findConflicts).
 */
export function toPoints(rows: (ReadingRow & { precision: SeriesPoint['precision'] })[]): SeriesPoint[] {
  return choosePerInstant(rows).map((r) => ({ t: r.t ?? Date.parse(r.observed_at), value: BigInt(r.value), precision: r.precision, step: BigInt(r.step), source: r.source }));
}

/** One tag's compare input as `loadChosenMany` gives it. */
export interface ChosenSeries {
  /** Stored rows in the range (every reading, before the choice per instant). */
  observations: number;
  /** Of those, exact counts. */
  exactRows: number;
  /** `toPoints` of the tag's readings: one point per instant, the preferred reading, in time order. */
  points: SeriesPoint[];
}

/**
 * Several tags' analytics input in one query (`reading_columns`: the rows `loadReadingsMany` gives, as columns): for
 * each tag, exactly `toPoints(rows)`, `rows.length` and the number of exact rows. The rows come in (tag, time) order,
 * so one pass finds each instant's readings and takes the preferred one by the rule `toPoints` uses
 * (`preferredReading`), building objects only for instants with several readings (tests/integration/analytics/
 * compare-chosen.test.ts proves the equality on random rows). Every asked tag is in the map.
 */
export async function loadChosenMany(store: Store, key: { platform: string; metric: string; tags: readonly string[] }, range: { from?: string; to?: string } = {}): Promise<Map<string, ChosenSeries>> {
  const out = new Map<string, ChosenSeries>(key.tags.map((t) => [t, { observations: 0, exactRows: 0, points: [] }]));
  if (!key.tags.length) return out;
  const params = { platform: key.platform, metric: key.metric, tags: [...key.tags], from: range.from ?? MIN_TIME, to: range.to ?? MAX_TIME };
  const [c] = await store.run(range.from ? readingColumnsRangeQuery : range.to ? readingColumnsQuery : readingColumnsAllQuery, params);
  if (!c) return out;
  const n = c.t.length;
  for (let i = 0; i < n; ) {
    // one tag's rows: [i, end) (the tag by its position in params.tags)
    const position = c.tag_index[i]!;
    const tag = params.tags[position - 1];
    let end = i + 1;
    while (end < n && c.tag_index[end] === position) end++;
    const points: SeriesPoint[] = [];
    let exactRows = 0;
    for (let j = i; j < end; ) {
      // one instant's readings: [j, k)
      const t = c.t[j]!;
      let k = j + 1;
      while (k < end && c.t[k] === t) k++;
      let chosen = j;
      if (k - j > 1) {
        const readings = [];
        for (let r = j; r < k; r++) readings.push({ r, value: c.value[r]!, precision: c.precision[r]!, step: c.step[r]!, source: c.source[r]!, method: c.method[r]!, provenance: c.provenance[r]! });
        chosen = preferredReading(readings).r;
      }
      for (let r = j; r < k; r++) if (c.precision[r] === 'exact') exactRows++;
      const step = c.step[chosen]!;
      // most readings are exact (step 0): the same bigint without parsing the text
      points.push({ t, value: BigInt(c.value[chosen]!), precision: c.precision[chosen]!, step: step === '0' ? 0n : BigInt(step), source: c.source[chosen]! });
      j = k;
    }
    if (tag !== undefined && out.has(tag)) out.set(tag, { observations: end - i, exactRows, points });
    i = end;
  }
  return out;
}
