/**
 * Velocity (counter increase per hour) on irregularly sampled cumulative counters.
 *
 * Method: linear interpolation of the adjusted (monotone) counter between samples, i.e. a constant rate inside
 * each sampling interval; rebinning onto a grid splits each increment across bins in proportion to time overlap
 * (Gnip-Trend-Detection `rebin.py`; growth-methods.md §5). Never extrapolates outside [first, last] sample.
 * Rounding-aware velocity intervals follow growth-methods.md §5 "Rounding-aware velocity".
 *
 * Counts stay bigint; velocities are floating point (counts per hour).
 */
import type { CounterPoint } from './types.ts';
import { MS_PER_HOUR, bigMax, quickselect } from './math.ts';

/** The interpolated counter at one time, split into an exact integer part and a fraction in [0, 1). */
export interface CounterAt {
  /** Integer part of the interpolated counter (exact). */
  whole: bigint;
  /** Fractional part in [0, 1). */
  frac: number;
  /** Rounding step of the observation(s) the value comes from (max of the two bracketing samples). */
  step: bigint;
}

/** Index of the last sample with t ≤ `t` (binary search); -1 if none. */
export function locate(series: readonly CounterPoint[], t: number): number {
  let lo = 0;
  let hi = series.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (series[mid]!.t <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * Exact linear interpolation of a counter at time `t` (bigint integer part + float fraction).
 * Returns null outside [first sample, last sample] (no extrapolation) and strictly inside a sampling gap (an interval
 * whose end point carries `gap: true`): gaps are never interpolated across.
 */
export function counterAt(series: readonly CounterPoint[], t: number): CounterAt | null {
  const n = series.length;
  if (n === 0 || !Number.isFinite(t)) return null;
  const i = locate(series, t);
  if (i < 0) return null;
  const a = series[i]!;
  if (a.t === t) return { whole: a.value, frac: 0, step: a.step };
  const b = series[i + 1];
  if (b === undefined || b.gap) return null;
  const f = (t - a.t) / (b.t - a.t);
  const x = Number(b.value - a.value) * f;
  const fl = Math.floor(x);
  return { whole: a.value + BigInt(fl), frac: x - fl, step: bigMax(a.step, b.step) };
}

/**
 * Linearly interpolated counter value at time `t` as a float (constant rate between samples).
 * Null outside [first sample, last sample]. Floating point: exact only below 2^53; use `counterAt` for exact parts.
 */
export function interpolateAt(series: readonly CounterPoint[], t: number): number | null {
  const c = counterAt(series, t);
  return c === null ? null : Number(c.whole) + c.frac;
}

/** Change of the interpolated counter between two times. */
export interface CounterDelta {
  /** C(to) − C(from) as a float (counts). */
  delta: number;
  /** The same, rounded to the nearest integer, computed exactly on the integer parts. */
  deltaInt: bigint;
  /** Rounding step at the `from` edge. */
  stepFrom: bigint;
  /** Rounding step at the `to` edge. */
  stepTo: bigint;
}

/** C(to) − C(from) by linear interpolation; null if either edge lies outside the sampled range. */
export function deltaBetween(series: readonly CounterPoint[], from: number, to: number): CounterDelta | null {
  const a = counterAt(series, from);
  const b = counterAt(series, to);
  if (a === null || b === null) return null;
  const dw = b.whole - a.whole;
  const df = b.frac - a.frac;
  return { delta: Number(dw) + df, deltaInt: dw + BigInt(Math.round(df)), stepFrom: a.step, stepTo: b.step };
}

/** One bin of a rebinned counter. */
export interface Bin {
  /** Bin start, epoch ms (inclusive). */
  start: number;
  /** Bin end, epoch ms (exclusive). */
  end: number;
  /** Counter increase inside the bin (float), null when the bin is not fully inside the sampled range. */
  increment: number | null;
}

/**
 * Rebin an irregularly sampled counter onto the regular grid from, from+step, … (⌊(to−from)/step⌋ full bins):
 * increment per bin = C(end) − C(start) with C linearly interpolated, which is the same as splitting every
 * sampled increment across bins in proportion to time overlap (Gnip `rebin.py`). Bins not fully covered by the
 * samples get `increment: null` (no extrapolation).
 *
 * @throws RangeError for a non-positive step or more than 1,000,000 bins
 */
export function rebin(series: readonly CounterPoint[], from: number, to: number, stepMs: number): Bin[] {
  if (!(stepMs > 0)) throw new RangeError('rebin: stepMs must be > 0');
  const nb = Math.max(0, Math.floor((to - from) / stepMs));
  if (nb > 1_000_000) throw new RangeError('rebin: too many bins');
  const out: Bin[] = [];
  let prev = counterAt(series, from);
  for (let k = 0; k < nb; k++) {
    const start = from + k * stepMs;
    const end = start + stepMs;
    const cur = counterAt(series, end);
    const increment = prev !== null && cur !== null ? Number(cur.whole - prev.whole) + (cur.frac - prev.frac) : null;
    out.push({ start, end, increment });
    prev = cur;
  }
  return out;
}

/**
 * `rebin` for a series whose times are finite and strictly increasing and whose values are integers in [0, 2^53 − 1)
 * (every counter below nine quadrillion), else null: the same increments bit for bit, computed in doubles instead of
 * bigints and with one forward sweep instead of a binary search per bin edge (figure 7j: the change points' and the
 * lifecycle's velocity grid). Why the same: with such values every bigint `counterAt` and `rebin` compute — b − a, the
 * edge's whole part a + ⌊x⌋ (between the two values, give or take one) and the difference of two edges' whole parts —
 * is an integer below 2^53 in magnitude, which a double holds exactly, so Number() of the bigint result equals the double
 * result; the fractions are the same double expressions; and in a strictly increasing series the sweep stops at the
 * sample `locate` finds (the last one at or before the edge). tests/unit/analytics/velocity.test.ts compares the two.
 */
export function rebinSafe(series: readonly CounterPoint[], from: number, to: number, stepMs: number): Bin[] | null {
  if (!(stepMs > 0)) return null;
  const n = series.length;
  const nb = Math.max(0, Math.floor((to - from) / stepMs));
  if (nb > 1_000_000) return null;
  const v = new Float64Array(n);
  let prevT = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const p = series[i]!;
    if (!Number.isFinite(p.t) || !(p.t > prevT) || p.value < 0n || p.value >= SAFE_LIMIT) return null;
    prevT = p.t;
    v[i] = Number(p.value);
  }
  let j = -1; // the last sample at or before the edge (`locate`), moved forward as the edges grow
  const at = (t: number): number => {
    while (j + 1 < n && series[j + 1]!.t <= t) j++;
    return j;
  };
  // the edge's whole part and fraction, as `counterAt` computes them; NaN whole part: null (outside, or in a gap)
  let whole = Number.NaN;
  let frac = 0;
  const edge = (t: number): void => {
    whole = Number.NaN;
    frac = 0;
    if (n === 0 || !Number.isFinite(t)) return;
    const i = at(t);
    if (i < 0) return;
    const a = series[i]!;
    if (a.t === t) {
      whole = v[i]!;
      return;
    }
    const b = series[i + 1];
    if (b === undefined || b.gap) return;
    const f = (t - a.t) / (b.t - a.t);
    const x = (v[i + 1]! - v[i]!) * f;
    const fl = Math.floor(x);
    whole = v[i]! + fl;
    frac = x - fl;
  };
  const out: Bin[] = [];
  edge(from);
  let prevWhole = whole;
  let prevFrac = frac;
  for (let k = 0; k < nb; k++) {
    const start = from + k * stepMs;
    const end = start + stepMs;
    edge(end);
    const increment = prevWhole === prevWhole && whole === whole ? whole - prevWhole + (frac - prevFrac) : null;
    out.push({ start, end, increment });
    prevWhole = whole;
    prevFrac = frac;
  }
  return out;
}
const SAFE_LIMIT = 2n ** 53n - 1n;

/** Options of `windowVelocity`. */
export interface WindowOptions {
  /** Window end, epoch ms. */
  to: number;
  /** Nominal window length W (ms): the window is [to − W, to]. */
  windowMs: number;
  /** Widen the window back in time while the change is below `minSteps` rounding steps. Default true. */
  widen?: boolean;
  /** Minimum informative change in rounding steps (default 2). */
  minSteps?: number;
}

/** Velocity over a window, with its rounding interval. */
export interface WindowVelocity {
  /** Start actually used (epoch ms); earlier than `nominalFrom` when widened. */
  from: number;
  /** Window end (epoch ms). */
  to: number;
  /** to − W. */
  nominalFrom: number;
  /** Whether the window was widened for rounding. */
  widened: boolean;
  /** Counter change over [from, to] (float). */
  delta: number;
  /** Counter change rounded to an integer (exact integer parts). */
  deltaInt: bigint;
  /** max(step at from, step at to): the rounding step governing the widening rule. */
  step: bigint;
  /** Half-width of the uncertainty of `delta`: (step_from + step_to)/2, i.e. ±step/2 at each edge. */
  uncertainty: number;
  /** delta / hours. */
  velocityPerHour: number;
  /** (delta − uncertainty) / hours (negative for a shrinking counter). */
  velocityPerHourLow: number;
  /** (delta + uncertainty) / hours. */
  velocityPerHourHigh: number;
}

/**
 * Velocity per hour over the window [to − W, to] of a monotone counter (linear interpolation at the edges).
 *
 * Rounding-aware (growth-methods.md §5): with rounding step q (max of the edge steps) a change is informative only
 * once Δ ≥ 2q, so while Δ < minSteps·q the start moves back to earlier samples until Δ ≥ minSteps·q or the data
 * run out; `from` reports the start actually used. The interval is [(Δ − u)/Δt, (Δ + u)/Δt] with u = (q_from +
 * q_to)/2 (each rounded value is within ±q/2 of the truth), the lower end clamped at 0. For exact data low = high =
 * point.
 *
 * Returns null when [to − W, to] is not inside the sampled range (never extrapolates before the first or after the
 * last sample). Floating-point result.
 */
export function windowVelocity(series: readonly CounterPoint[], opts: WindowOptions): WindowVelocity | null {
  const { to, windowMs } = opts;
  const widen = opts.widen ?? true;
  const minSteps = opts.minSteps ?? 2;
  const n = series.length;
  if (n < 2 || !(windowMs > 0)) return null;
  const nominalFrom = to - windowMs;
  if (nominalFrom < series[0]!.t || to > series[n - 1]!.t) return null;

  let from = nominalFrom;
  let d = deltaBetween(series, from, to);
  if (d === null) return null;
  let widened = false;
  if (widen) {
    let idx = locate(series, from);
    for (;;) {
      const q = bigMax(d.stepFrom, d.stepTo);
      if (q === 0n || Math.abs(d.delta) >= minSteps * Number(q)) break;
      if (series[idx]!.t === from) idx--;
      if (idx < 0) break;
      from = series[idx]!.t;
      widened = true;
      const next = deltaBetween(series, from, to);
      if (next === null) break;
      d = next;
    }
  }
  const hours = (to - from) / MS_PER_HOUR;
  const u = Number(d.stepFrom + d.stepTo) / 2;
  return {
    from,
    to,
    nominalFrom,
    widened,
    delta: d.delta,
    deltaInt: d.deltaInt,
    step: bigMax(d.stepFrom, d.stepTo),
    uncertainty: u,
    velocityPerHour: d.delta / hours,
    velocityPerHourLow: (d.delta - u) / hours,
    velocityPerHourHigh: (d.delta + u) / hours,
  };
}

/** Grid widths (ms) tried, in order, when a rate series must be coarsened. */
export const RATE_BIN_LADDER_MS: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168, 336, 720].map(
  (h) => h * MS_PER_HOUR,
);

/**
 * Threshold-crossing knots of a (partly) rounded counter, for rate estimation.
 *
 * A rounded value v with step q means the truth lies in [v − q/2, v + q/2). When the displayed value rises from the
 * sample at t_{i−1} to a larger value at t_i, the truth crossed v_i − q_i/2 inside (t_{i−1}, t_i]; the knot is placed
 * at the interval midpoint with value v_i − q_i/2 (for a fall: v_i + q_i/2). Samples that repeat the previous value
 * carry no rate information and are skipped, and so is the first rounded sample and any rounded sample after one of
 * another precision (a display figure next to an exact count says nothing about when a threshold was crossed). Exact
 * samples are kept as they are. A knot whose interval is a gap keeps `gap: true`. Interpolating linearly through the
 * knots removes the staircase that display rounding puts into a linearly interpolated counter. Series without
 * rounding are returned unchanged.
 */
export function rateKnots(series: readonly CounterPoint[]): CounterPoint[] {
  if (series.every((p) => p.step === 0n)) return series.slice();
  const out: CounterPoint[] = [];
  let pendingGap = false;
  for (let i = 0; i < series.length; i++) {
    const p = series[i]!;
    if (p.gap) pendingGap = true;
    let knot: CounterPoint | undefined;
    if (p.step === 0n) knot = p;
    else {
      const prev = series[i - 1];
      // a display change means a threshold crossing only between two figures rounded the same way
      if (prev !== undefined && prev.step === p.step && p.value !== prev.value) {
        const value = p.value > prev.value ? p.value - p.step / 2n : p.value + p.step / 2n;
        knot = { t: (prev.t + p.t) / 2, value, step: p.step };
      }
    }
    if (knot === undefined) continue;
    const last = out[out.length - 1];
    if (last !== undefined && knot.t <= last.t) continue;
    // nothing is interpolated between two knots with a sampling gap between them
    out.push(pendingGap && last !== undefined ? { ...knot, gap: true } : { t: knot.t, value: knot.value, step: knot.step });
    pendingGap = false;
  }
  return out;
}

/** A regular rate series (velocity per hour per bin). */
export interface RateSeries {
  /** Bin width (ms). */
  binMs: number;
  /** Fully covered bins only. */
  bins: { start: number; end: number; increment: number; velocityPerHour: number }[];
}

/**
 * Velocity series on a regular grid aligned to multiples of the bin width since the epoch (so 1–24 h bins align
 * with UTC midnight), covering [from, to]. The width is the first entry of `RATE_BIN_LADDER_MS` that is ≥
 * `baseBinMs`, gives at most `maxBins` bins, and — for rounded data — an average increment per bin ≥ minSteps × the
 * median rounding step (so that bins are informative; growth-methods.md §5). If no width satisfies the rounding
 * rule the widest one leaving ≥ 3 bins is used. Bins not fully covered by samples are dropped. Rounded series are
 * first reduced to threshold-crossing knots (`rateKnots`).
 */
export function rateSeries(
  counter: readonly CounterPoint[],
  from: number,
  to: number,
  opts: { baseBinMs: number; maxBins: number; minSteps?: number },
  memo?: RateSeriesMemo,
): RateSeries | null {
  const shared = memo !== undefined && memo.counter === counter ? memo : undefined;
  const g = shared ? shared.grid(from, to, opts) : rateGrid(counter, from, to, opts);
  if (g === null) return null;
  const width = rateWidth(g, opts.maxBins);
  if (width === null) return null;
  return shared ? shared.bins(g, width) : rateBins(g, width);
}

/** What `rateSeries` derives before it picks the width: everything that does not depend on `maxBins`. */
interface RateGrid {
  series: CounterPoint[];
  lo: number;
  hi: number;
  span: number;
  delta: number;
  q: number;
  minSteps: number;
  finest: number;
}

function rateGrid(counter: readonly CounterPoint[], from: number, to: number, opts: { baseBinMs: number; minSteps?: number }): RateGrid | null {
  const series = rateKnots(counter);
  const n = series.length;
  if (n < 2) return null;
  const lo = Math.max(from, series[0]!.t);
  const hi = Math.min(to, series[n - 1]!.t);
  if (!(hi > lo)) return null;
  const total = deltaBetween(series, lo, hi);
  if (total === null) return null;
  // the value at index ⌊len/2⌋ of the sorted steps and sampling intervals, by selection (`quickselect`: the same value,
  // as every value is an order statistic; steps are ≥ +0 and intervals > 0, so no −0 to tell apart, and neither is NaN)
  const inRange = new Float64Array(n);
  let ni = 0;
  for (let i = 0; i < n; i++) {
    const p = series[i]!;
    if (p.t >= lo && p.t <= hi) inRange[ni++] = Number(p.step);
  }
  const q = ni > 0 ? quickselect(inRange.subarray(0, ni), ni >> 1) : 0;
  const minSteps = opts.minSteps ?? 2;
  const span = hi - lo;
  // A bin finer than the sampling interval only repeats the interpolated rate of one interval (a staircase that
  // change-point detection would read as regime changes): bins are at least the median sampling interval.
  const gaps = new Float64Array(n);
  let ng = 0;
  for (let i = 1; i < n; i++) if (series[i]!.t > lo && series[i - 1]!.t < hi) gaps[ng++] = series[i]!.t - series[i - 1]!.t;
  const medianGapMs = ng > 0 ? quickselect(gaps.subarray(0, ng), ng >> 1) : 0;
  const finest = Math.max(opts.baseBinMs, RATE_BIN_LADDER_MS.find((w) => w >= medianGapMs) ?? opts.baseBinMs);
  return { series, lo, hi, span, delta: total.delta, q, minSteps, finest };
}

/** The bin width `rateSeries` uses for at most `maxBins` bins, or null when no width gives so few. */
function rateWidth(g: RateGrid, maxBins: number): number | null {
  const candidates = RATE_BIN_LADDER_MS.filter((w) => w >= g.finest && g.span / w <= maxBins);
  if (candidates.length === 0) return null;
  for (const w of candidates) {
    if (g.q === 0 || (g.delta * w) / g.span >= g.minSteps * g.q) return w;
  }
  const ok = candidates.filter((w) => g.span / w >= 3);
  return ok.length > 0 ? ok[ok.length - 1]! : candidates[0]!;
}

function rateBins(g: RateGrid, width: number): RateSeries {
  const start = Math.ceil(g.lo / width) * width;
  const end = Math.floor(g.hi / width) * width;
  if (!(end > start)) return { binMs: width, bins: [] };
  const hours = width / MS_PER_HOUR;
  const bins = (rebinSafe(g.series, start, end, width) ?? rebin(g.series, start, end, width))
    .filter((b): b is Bin & { increment: number } => b.increment !== null)
    .map((b) => ({ start: b.start, end: b.end, increment: b.increment, velocityPerHour: b.increment / hours }));
  return { binMs: width, bins };
}

/**
 * `rateSeries` of one counter shared by several callers (a report's change points and lifecycle fit, figure 7j): the
 * part before the width is chosen is computed once per (from, to, baseBinMs, minSteps), the bins once per width. Both
 * callers' options usually give the same width (the change points allow 1,000 bins, the lifecycle 400; a month of
 * hourly samples is 2-hourly in both), and then the second call costs nothing. The same values as without it: the
 * same functions on the same input. The bins are shared, so callers must not change them (none does). Bound to one
 * counter array; `rateSeries` ignores a memo of another one.
 */
export class RateSeriesMemo {
  readonly #grids = new Map<string, RateGrid | null>();
  readonly #bins = new Map<RateGrid, Map<number, RateSeries>>();
  constructor(readonly counter: readonly CounterPoint[]) {}
  grid(from: number, to: number, opts: { baseBinMs: number; minSteps?: number }): RateGrid | null {
    const key = `${from}|${to}|${opts.baseBinMs}|${opts.minSteps ?? 2}`;
    let g = this.#grids.get(key);
    if (g === undefined) {
      g = rateGrid(this.counter, from, to, opts);
      this.#grids.set(key, g);
    }
    return g;
  }
  bins(g: RateGrid, width: number): RateSeries {
    let byWidth = this.#bins.get(g);
    if (!byWidth) this.#bins.set(g, (byWidth = new Map()));
    let rs = byWidth.get(width);
    if (!rs) byWidth.set(width, (rs = rateBins(g, width)));
    return { binMs: rs.binMs, bins: rs.bins };
  }
}
