/**
 * Several sources at one instant: which value an analysis uses, and when the sources contradict each other.
 *
 * Sources never overwrite each other in the store (identity includes the origin, src/schema/identity.ts), so one
 * (platform, tag, metric, observed_at) can hold a collected reading and an imported one. Analytics need one value per
 * instant; it is chosen here, deterministically, and never silently: a contradiction is reported as a conflict.
 *
 *  - Choice: the highest source preference (sourceRank: exact collected > exact import > rounded collected > rounded
 *    import > lower bound), then the greater value, then the lexically greatest (origin, source), then the smaller
 *    step (the narrower interval), then the lexically greatest provenance. The order is total over the fields it
 *    compares: two readings it ties on are equal in every one of them, so the choice never depends on row order — the
 *    report (rows by time) and compare (columns by tag and time) read the same instant's readings in different orders
 *    and choose the same one (a full tie on rank, value and origin used to be decided by that order: issue 10).
 *    The rollups and the tag chart order by (rank, value) in SQL (SOURCE_RANK_SQL).
 *  - Conflict: readings at the same instant that no single true count can satisfy — their intervals (exact: the value;
 *    rounded: value ± step/2; lower bound: value and up) do not all overlap. An exact count inside a rounded figure's
 *    interval, or two equal values, agree.
 */
import { sourceRank } from '../schema/identity.ts';

/** The columns a choice and a conflict need (a subset of ObservationRow). */
export interface ReadingRow {
  observed_at: string;
  /**
   * `Date.parse(observed_at)`, when the reader has the time as a number too (services/series.ts `loadReportInput`):
   * the grouping by instant and `toPoints` use it instead of parsing the text again (2,200 parses of a 735-row report).
   */
  t?: number;
  value: string;
  precision: string;
  step: string;
  source: string;
  method: string;
  fetched_at?: string;
  provenance?: string;
}

export interface ConflictValue {
  value: string;
  precision: string;
  step: string;
  source: string;
  method: string;
  provenance: string;
  /** The value analyses use for this instant. */
  chosen: boolean;
}

export interface Conflict {
  at: string;
  metric: string;
  values: ConflictValue[];
}

/** The fields the choice compares (a ReadingRow without its time). */
export type ChoiceFields = Pick<ReadingRow, 'value' | 'precision' | 'step' | 'source' | 'method' | 'provenance'>;

const originKey = (r: ChoiceFields) => `${r.method === 'import' ? `import:${r.provenance ?? ''}` : r.method}\u0000${r.source}`;

/** Negative when a is preferred over b. */
export function compareReadings(a: ChoiceFields, b: ChoiceFields): number {
  const rank = sourceRank(b) - sourceRank(a);
  if (rank) return rank;
  const va = BigInt(a.value);
  const vb = BigInt(b.value);
  if (va !== vb) return va > vb ? -1 : 1;
  const ka = originKey(a);
  const kb = originKey(b);
  if (ka !== kb) return ka < kb ? 1 : -1;
  const sa = BigInt(a.step);
  const sb = BigInt(b.step);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const pa = a.provenance ?? '';
  const pb = b.provenance ?? '';
  return pa === pb ? 0 : pa < pb ? 1 : -1;
}

/**
 * Rows grouped by instant (ms), in time order; within an instant in their input order. Rows already in time order (as
 * the store's reads give them: a report's rows, figure 7h) are grouped as they come, adjacent equal instants together:
 * the same groups in the same order as the map below, without the map, its sort and its arrays. Any row out of order
 * (or an unparsable time) falls back to the map.
 */
function byInstant<R extends ReadingRow>(rows: R[]): R[][] {
  const out: R[][] = [];
  let prev = -Infinity;
  let group: R[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const t = r.t ?? Date.parse(r.observed_at);
    if (t === prev) group.push(r);
    else if (t > prev) {
      group = [r];
      out.push(group);
      prev = t;
    } else return byInstantUnordered(rows);
  }
  return out;
}

/** `byInstant` for rows in any order. */
function byInstantUnordered<R extends ReadingRow>(rows: R[]): R[][] {
  const groups = new Map<number, R[]>();
  for (const r of rows) {
    const t = r.t ?? Date.parse(r.observed_at);
    const g = groups.get(t);
    if (g) g.push(r);
    else groups.set(t, [r]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/** The preferred reading of one instant's readings (the first by `compareReadings`; for equal ones, the earlier). */
export function preferredReading<R extends ChoiceFields>(g: readonly R[]): R {
  return g.length === 1 ? g[0]! : [...g].sort(compareReadings)[0]!;
}

/** One row per instant, the preferred one, in time order. */
export function choosePerInstant<R extends ReadingRow>(rows: R[]): R[] {
  return byInstant(rows).map((g) => preferredReading(g));
}

/** [low, high] of the true count a reading allows (high null: unbounded). */
function interval(r: ReadingRow): [bigint, bigint | null] {
  const v = BigInt(r.value);
  if (r.precision === 'lower_bound') return [v, null];
  if (r.precision === 'rounded') {
    const half = BigInt(r.step) / 2n;
    return [v > half ? v - half : 0n, v + half];
  }
  return [v, v];
}

/** True when no single count lies in every reading's interval. */
export function contradict(rows: ReadingRow[]): boolean {
  let low = 0n;
  let high: bigint | null = null;
  for (const r of rows) {
    const [l, h] = interval(r);
    if (l > low) low = l;
    if (h !== null && (high === null || h < high)) high = h;
  }
  return high !== null && low > high;
}

/** Conflicts among rows of one metric (or of several, each row naming its metric). */
export function findConflicts<R extends ReadingRow & { metric?: string }>(rows: R[], metric?: string): Conflict[] {
  const out: Conflict[] = [];
  const metrics = new Map<string, R[]>();
  for (const r of rows) {
    const m = r.metric ?? metric ?? '';
    const g = metrics.get(m);
    if (g) g.push(r);
    else metrics.set(m, [r]);
  }
  for (const [m, of] of metrics) {
    for (const g of byInstant(of)) {
      if (g.length < 2 || !contradict(g)) continue;
      const sorted = [...g].sort(compareReadings);
      out.push({
        at: new Date(Date.parse(g[0]!.observed_at)).toISOString(),
        metric: m,
        values: sorted.map((r, i) => ({ value: r.value, precision: r.precision, step: r.step, source: r.source, method: r.method, provenance: r.provenance ?? '', chosen: i === 0 })),
      });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.metric.localeCompare(b.metric));
}
