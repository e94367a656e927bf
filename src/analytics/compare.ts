/**
 * Cross-tag comparison on a common time grid: absolute (linear), log10, or indexed (= 100 at a chosen time).
 *
 * Method: each series is reduced to hourly bins and cleaned exactly as for the metrics (`binCounter`: the same
 * readings, revisions, glitches and gaps as the report's velocities), and its adjusted counter is linearly
 * interpolated onto the grid (`interpolateAt`); never across a gap, never outside a series' sampled range.
 * growth-methods.md §7 ("Comparison").
 */
import type { CounterPoint, SeriesPoint } from './types.ts';
import { toIso } from './math.ts';
import { interpolateAt } from './velocity.ts';
import { binClean, binHourly } from './metrics.ts';

/** Scales of `compareSeries`. */
export type CompareScale = 'linear' | 'log' | 'indexed';

/** Options of `compareSeries`. */
export interface CompareOptions {
  /** Index base time (epoch ms) for scale 'indexed'; default: the first time at which every series has data. */
  indexAt?: number;
  scale: CompareScale;
  /** Grid step (ms); grid times are multiples of stepMs since the epoch. */
  stepMs: number;
  /** Grid start (epoch ms); default: the earliest sample of any series. */
  from?: number;
  /** Grid end (epoch ms); default: the latest sample of any series. */
  to?: number;
  /** Safety cap on the number of rows (default 100,000). */
  maxRows?: number;
  /**
   * Cleaned counters of earlier calls, reused for series whose points are unchanged (the same values without it), each
   * series kept under `memoScope` + its key (e.g. the platform and metric the keys are tags of).
   */
  memo?: AdjustedCounterMemo;
  memoScope?: string;
}

/** The cleaned counter `compareSeries` aligns: the cleaning of binCounter without its rate knots, which it does not use. */
function adjustedCounter(points: readonly SeriesPoint[]): CounterPoint[] {
  return binClean(binHourly(points), Number.POSITIVE_INFINITY).adjusted;
}

/** Whether two point lists are equal field by field (every field the cleaning reads). */
function samePoints(a: readonly SeriesPoint[], b: readonly SeriesPoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.t !== y.t || x.value !== y.value || x.step !== y.step || x.precision !== y.precision || x.source !== y.source) return false;
  }
  return true;
}

/**
 * The cleaned counter of each compared series, kept per key with the points it was computed from. A comparison asked
 * again on unchanged data (the compare page switching its scale, a refresh) then skips the hourly binning and the
 * cleaning (~0.7 ms of a 700-point series, most of `compareSeries`): the new points are compared with the kept ones
 * field by field, and any difference computes afresh. The same values as without it (the same function on equal
 * input; tests/unit/analytics/compare-memo.test.ts). At most `maxKeys` series, the least recently used leaving first.
 * The kept cleaned counters are shared between calls: nothing may change them (interpolateAt only reads).
 */
export class AdjustedCounterMemo {
  readonly #entries = new Map<string, { points: readonly SeriesPoint[]; adjusted: CounterPoint[] }>();
  constructor(readonly maxKeys = 256) {}
  adjusted(key: string, points: readonly SeriesPoint[]): CounterPoint[] {
    const hit = this.#entries.get(key);
    if (hit) this.#entries.delete(key);
    // the points are copied (the fields compared), so a caller changing its own points later cannot make a stale hit
    const entry = hit && samePoints(hit.points, points) ? hit : { points: points.map(({ t, value, step, precision, source }) => ({ t, value, step, precision, source })), adjusted: adjustedCounter(points) };
    this.#entries.set(key, entry);
    if (this.#entries.size > this.maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
    return entry.adjusted;
  }
  /** The kept cleaned counter of a key, if any (without counting as a use). */
  peek(key: string): CounterPoint[] | undefined {
    return this.#entries.get(key)?.adjusted;
  }
  get size(): number {
    return this.#entries.size;
  }
}

/** One aligned row. */
export interface CompareRow {
  /** ISO grid time. */
  t: string;
  /** Value per series key; null where the series has no data (or log/index undefined). */
  values: Record<string, number | null>;
}

/** Output of `compareSeries`. */
export interface CompareResult {
  scale: CompareScale;
  stepMs: number;
  /** ISO index base time (scale 'indexed'), else null. */
  indexAt: string | null;
  keys: string[];
  rows: CompareRow[];
}

/**
 * Align several counter series on a common grid.
 *  - linear: C(t), the adjusted counter interpolated linearly (floating point; exact below 2^53);
 *  - log: log10 C(t) (null when C ≤ 0);
 *  - indexed: 100 × C(t) / C(indexAt), both interpolated (null when C(indexAt) is unknown or 0).
 *
 * @throws Error on duplicate keys, RangeError on a non-positive step or too many rows
 */
export function compareSeries(
  series: readonly { key: string; points: readonly SeriesPoint[] }[],
  opts: CompareOptions,
): CompareResult {
  if (!(opts.stepMs > 0)) throw new RangeError('compareSeries: stepMs must be > 0');
  const keys = series.map((s) => s.key);
  if (new Set(keys).size !== keys.length) throw new Error('compareSeries: duplicate keys');
  const adjusted = series.map((s) => (opts.memo ? opts.memo.adjusted(`${opts.memoScope ?? ''}\0${s.key}`, s.points) : adjustedCounter(s.points)));
  const firsts = adjusted.filter((a) => a.length > 0).map((a) => a[0]!.t);
  const lasts = adjusted.filter((a) => a.length > 0).map((a) => a[a.length - 1]!.t);
  const empty: CompareResult = { scale: opts.scale, stepMs: opts.stepMs, indexAt: null, keys, rows: [] };
  if (firsts.length === 0 && (opts.from === undefined || opts.to === undefined)) return empty;
  const from = opts.from ?? Math.min(...firsts);
  const to = opts.to ?? Math.max(...lasts);
  const start = Math.ceil(from / opts.stepMs) * opts.stepMs;
  const nRows = to >= start ? Math.floor((to - start) / opts.stepMs) + 1 : 0;
  if (nRows > (opts.maxRows ?? 100_000)) throw new RangeError('compareSeries: too many rows');

  let indexAt: number | null = null;
  let bases: (number | null)[] = adjusted.map(() => null);
  if (opts.scale === 'indexed') {
    indexAt = opts.indexAt ?? (firsts.length === adjusted.length ? Math.max(...firsts) : null);
    if (indexAt !== null) {
      const at = indexAt;
      bases = adjusted.map((a) => interpolateAt(a, at));
    }
  }

  const rows: CompareRow[] = [];
  for (let k = 0; k < nRows; k++) {
    const t = start + k * opts.stepMs;
    const values: Record<string, number | null> = {};
    adjusted.forEach((a, i) => {
      const c = interpolateAt(a, t);
      let v: number | null = c;
      if (c !== null && opts.scale === 'log') v = c > 0 ? Math.log10(c) : null;
      if (c !== null && opts.scale === 'indexed') {
        const b = bases[i] ?? null;
        v = b !== null && b > 0 ? (100 * c) / b : null;
      }
      values[keys[i]!] = v;
    });
    rows.push({ t: toIso(t), values });
  }
  return { scale: opts.scale, stepMs: opts.stepMs, indexAt: indexAt === null ? null : toIso(indexAt), keys, rows };
}
