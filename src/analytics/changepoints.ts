/**
 * Change-point detection in growth regimes with PELT.
 *
 * Method: PELT (Killick, Fearnhead & Eckley 2012, JASA 107(500):1590–1598, doi:10.1080/01621459.2012.737745)
 * applied to y = ln(velocity per hour) on a regular grid (hourly; coarser for long or rounded series), with a
 * normal segment cost (−2·log-likelihood with a robustly estimated, known σ) and a BIC penalty
 * β = (p + 1)·ln n per change (growth-methods.md §4.5; docs/analytics.md §4). Two costs:
 *  - 'mean' — the normal mean-shift cost: regimes of constant log-velocity;
 *  - 'meanSlope' (default) — a normal cost around a straight line per segment: regimes of constant exponential
 *    growth of the velocity (the non-continuous cousin of CPOP, Fearnhead, Maidstone & Letchford 2019). Steady
 *    exponential growth/decay is one regime instead of a staircase of mean shifts, and jumps are still found.
 */
import type { CounterPoint } from './types.ts';
import { MS_PER_HOUR, median, medianInPlace, sortedInsert, sortedRemove, toIso } from './math.ts';
import { rateSeries, type RateSeriesMemo } from './velocity.ts';

/** Segment cost families. 'mean': normal mean shift; 'meanSlope': normal mean-and-slope (growth-rate) change. */
export type SegmentCostKind = 'mean' | 'meanSlope';

/** Change-point parameters (cited in every report's `method.parameters`). */
export const CHANGEPOINT_DEFAULTS = {
  cost: 'meanSlope' as SegmentCostKind,
  /**
   * β = penaltyMultiplier · (p + 1) · ln(n), p = parameters per segment (1 for 'mean', 2 for 'meanSlope'), +1 for
   * the change location: multiplier 1 is the BIC (Schwarz) penalty. Calibrated to 2 (twice BIC) by simulation
   * (tests/truth/changepoints.test.ts): BIC alone flags ~20 % of steady exponential series (it ignores that the
   * location is searched over n places); 2× keeps that ≤ 5 % while a 1,000 → 5,000/h step is still found within
   * ±1 bin in every seed at 2–30 % noise.
   */
  penaltyMultiplier: 2,
  /** Minimum segment length in bins. */
  minSegmentBins: 6,
  /** Cap on the series length: the bin is coarsened (1 h → 2 h → … → 1 d → …) until ≤ maxBins. */
  maxBins: 1000,
  /** Base bin width. */
  baseBinMs: MS_PER_HOUR,
  /** Floor of the noise σ of ln(velocity) (a 5 % relative noise floor) so noise-free input stays well posed. σ itself
   * is estimated from first differences (`diffNoiseSigma`). */
  sigmaFloor: 0.05,
  /** Window (bins) of the running median of `estimateNoiseSigma` (kept for reference; the default σ is `diffNoiseSigma`). */
  sigmaWindowBins: 25,
};

/** Cost of the segment y[a..b) (half-open indices). */
export type SegmentCost = (a: number, b: number) => number;

/**
 * Normal mean-shift segment cost with known σ: C(y_{a:b}) = Σ (y_i − ȳ)² / σ² (−2·log-likelihood up to a
 * constant). O(1) per call after O(n) cumulative sums (data centred first to limit cancellation).
 */
export function normalMeanCost(y: readonly number[], sigma: number): SegmentCost {
  const n = y.length;
  const c = n > 0 ? y.reduce((s, v) => s + v, 0) / n : 0;
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = y[i]! - c;
    s1[i + 1] = s1[i]! + v;
    s2[i + 1] = s2[i]! + v * v;
  }
  const inv = 1 / (sigma * sigma);
  return (a, b) => {
    const m = b - a;
    if (m <= 0) return 0;
    const t1 = s1[b]! - s1[a]!;
    const rss = s2[b]! - s2[a]! - (t1 * t1) / m;
    return Math.max(0, rss) * inv;
  };
}

/**
 * Prefix sums of the centred index x and the centred values v (x, x², v, v², x·v) that the mean-and-slope cost reads:
 * one place for `normalMeanSlopeCost` and `peltMeanSlope`, so their costs stay equal bit for bit.
 */
function meanSlopeSums(y: readonly number[]): { sx: Float64Array; sxx: Float64Array; sy: Float64Array; syy: Float64Array; sxy: Float64Array } {
  const n = y.length;
  const cy = n > 0 ? y.reduce((s, v) => s + v, 0) / n : 0;
  const cx = (n - 1) / 2;
  const sx = new Float64Array(n + 1);
  const sxx = new Float64Array(n + 1);
  const sy = new Float64Array(n + 1);
  const syy = new Float64Array(n + 1);
  const sxy = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const x = i - cx;
    const v = y[i]! - cy;
    sx[i + 1] = sx[i]! + x;
    sxx[i + 1] = sxx[i]! + x * x;
    sy[i + 1] = sy[i]! + v;
    syy[i + 1] = syy[i]! + v * v;
    sxy[i + 1] = sxy[i]! + x * v;
  }
  return { sx, sxx, sy, syy, sxy };
}

/**
 * Normal cost for a linear trend inside each segment (level and slope change): residual sum of squares of the
 * least-squares line of y on the index, divided by σ². Detects changes of the growth rate of ln v.
 */
export function normalMeanSlopeCost(y: readonly number[], sigma: number): SegmentCost {
  const { sx, sxx, sy, syy, sxy } = meanSlopeSums(y);
  const inv = 1 / (sigma * sigma);
  return (a, b) => {
    const m = b - a;
    if (m <= 0) return 0;
    const X = sx[b]! - sx[a]!;
    const Y = sy[b]! - sy[a]!;
    const Sxx = sxx[b]! - sxx[a]! - (X * X) / m;
    const Syy = syy[b]! - syy[a]! - (Y * Y) / m;
    const Sxy = sxy[b]! - sxy[a]! - (X * Y) / m;
    const rss = Sxx > 0 ? Syy - (Sxy * Sxy) / Sxx : Syy;
    return Math.max(0, rss) * inv;
  };
}

/**
 * Robust noise σ of y: 1.4826·MAD of the residuals from a centred running median of `window` points (window
 * truncated at the ends), floored at `floor`. The running median follows level shifts and smooth trends, so the
 * residuals measure short-term variability only — including the within-day (diurnal) cycle when the window spans a
 * day, and noise that is correlated between neighbouring bins (which difference-based estimators underestimate).
 */
export function estimateNoiseSigma(y: readonly number[], window: number, floor: number): number {
  const n = y.length;
  if (n < 3) return floor;
  const resid = runningMedianResiduals(y, window);
  // the median of the residuals once (it was recomputed for every residual: O(n²) on a 720-bin series)
  const center = median(resid);
  const sigma = 1.4826 * median(resid.map((r) => Math.abs(r - center)));
  // long-run variance inflation for positively autocorrelated residuals (AR(1) approximation)
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += resid[i]! * resid[i]!;
    if (i > 0) num += resid[i]! * resid[i - 1]!;
  }
  const rho = den > 0 ? Math.min(0.9, Math.max(0, num / den)) : 0;
  const s = sigma * Math.sqrt((1 + rho) / (1 - rho));
  return Math.max(floor, Number.isFinite(s) ? s : floor);
}

/**
 * Robust noise σ from differences at `lag`: 1.4826·MAD(y_i − y_{i−lag})/√2 (the MAD around the median difference, so
 * a steady trend does not count as noise; a few level shifts move the median of the differences very little). For
 * independent noise this is consistent for σ; the running-median estimator (`estimateNoiseSigma`) came out 12–30 %
 * low because the running median partly follows the noise. Bins finer than the sampling share one interpolated
 * rate, so the lag is chosen to span a sampling interval. Floored at `floor`.
 */
export function diffNoiseSigma(y: readonly number[], floor: number, lag = 1): number {
  if (y.length < lag + 2) return floor;
  const d: number[] = [];
  for (let i = lag; i < y.length; i++) d.push(y[i]! - y[i - lag]!);
  const med = median(d);
  const s = (1.4826 * median(d.map((x) => Math.abs(x - med)))) / Math.SQRT2;
  return Math.max(floor, Number.isFinite(s) ? s : floor);
}

/** Residuals y_i − median(y_{i−h..i+h}) from a centred running median (window truncated at the ends). */
export function runningMedianResiduals(y: readonly number[], window: number): number[] {
  const n = y.length;
  const h = Math.max(1, Math.floor(window / 2));
  if (sortableWithoutTies(y)) return runningMedianResidualsSorted(y, h);
  const out: number[] = [];
  // one scratch buffer: each window is copied in the order `median(y.slice(…))` would copy it, so the quickselect
  // sees the same input and gives the same value, without two allocations per bin
  const buf = new Float64Array(Math.min(n, 2 * h + 1));
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - h);
    const b = Math.min(n, i + h + 1);
    for (let j = a; j < b; j++) buf[j - a] = y[j]!;
    out.push(y[i]! - medianInPlace(buf.subarray(0, b - a)));
  }
  return out;
}

/**
 * Whether `<` orders the values of `y` so that equal values have equal bits: no NaN (which `<` cannot place) and no −0
 * (which `<` cannot tell from +0). Then an order statistic of any window is one number, whichever way it is found.
 */
function sortableWithoutTies(y: readonly number[]): boolean {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v !== v || (v === 0 && 1 / v < 0)) return false;
  }
  return true;
}

/**
 * `runningMedianResiduals` for values without NaN and −0 (`sortableWithoutTies`; y = ln v never has either): the
 * window y[i−h..i+h] kept sorted from one i to the next (one value leaves, one enters: a binary search and a few moves
 * each) instead of copied and quickselected for every i (figure 7j). Its median is the middle value, or the mean of the
 * two middle ones (lower one first) for an even count, which is what `medianInPlace` computes from the same values (its
 * quickselect finds the upper middle, the lower one is the largest value before it): order statistics of the window,
 * one number each, so the same residuals bit for bit (tests/unit/analytics/changepoints-equivalence.test.ts).
 */
function runningMedianResidualsSorted(y: readonly number[], h: number): number[] {
  const n = y.length;
  const out = new Array<number>(n);
  const s = new Float64Array(Math.min(n, 2 * h + 1));
  let c = 0;
  const insert = (x: number) => {
    sortedInsert(s, c, x);
    c++;
  };
  const remove = (x: number) => {
    sortedRemove(s, c, x);
    c--;
  };
  // the window of i = 0: y[0..min(n, h + 1))
  for (let j = 0; j < Math.min(n, h + 1); j++) insert(y[j]!);
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      if (i - h - 1 >= 0) remove(y[i - h - 1]!);
      if (i + h < n) insert(y[i + h]!);
    }
    const med = c % 2 === 1 ? s[c >> 1]! : (s[(c >> 1) - 1]! + s[c >> 1]!) / 2;
    out[i] = y[i]! - med;
  }
  return out;
}

/** The change points of the optimal segmentation, read back from each end's best last change (`last`). */
function changePointsOf(last: Int32Array, n: number): number[] {
  const cps: number[] = [];
  let t = n;
  while (t > 0) {
    const tau = last[t]!;
    if (tau <= 0) break;
    cps.push(tau);
    t = tau;
  }
  return cps.reverse();
}

/**
 * PELT: exact minimiser of Σ_segments [C(segment) + β] with pruning (Killick et al. 2012):
 * F(t) = min_{τ ∈ R_t} [F(τ) + C(y_{τ:t}) + β], R_{t+1} = {τ ∈ R_t : F(τ) + C(y_{τ:t}) ≤ F(t)} ∪ {t}
 * (pruning constant K = 0, valid for costs with C(a,b) + C(b,c) ≤ C(a,c) such as the normal costs here).
 * Segments are at least `minSegment` long. With `skip` = 1 the first bin of every new segment is left out of the
 * costs: a change rarely falls on a bin edge, so the bin that straddles it holds a mix of both regimes; costed, that
 * one bin makes a clean step look like a ramp of several short segments.
 *
 * @returns sorted start indices of the 2nd, 3rd, … segments (empty when there is no change)
 */
export function pelt(n: number, cost: SegmentCost, penalty: number, minSegment = 1, skip = 0): number[] {
  const minSeg = Math.max(1, Math.floor(minSegment));
  if (n < 2 * minSeg + skip) return [];
  const F = new Float64Array(n + 1).fill(Infinity);
  const last = new Int32Array(n + 1).fill(-1);
  F[0] = -penalty;
  // R (the candidate set) in an array kept in place, and each candidate's value at t beside it (costed[r] = 0: not
  // costed at this t, so kept): the same candidates in the same order as a filtered list, without a Map and a new
  // list per t
  const R = new Int32Array(n + 1);
  const vals = new Float64Array(n + 1);
  const costed = new Uint8Array(n + 1);
  let size = 1;
  R[0] = 0;
  for (let t = minSeg; t <= n; t++) {
    let best = Infinity;
    let arg = -1;
    for (let r = 0; r < size; r++) {
      const tau = R[r]!;
      const s0 = tau === 0 ? 0 : tau + skip;
      if (t - s0 < minSeg || !Number.isFinite(F[tau]!)) {
        costed[r] = 0;
        continue;
      }
      const v = F[tau]! + cost(s0, t);
      vals[r] = v;
      costed[r] = 1;
      if (v + penalty < best) {
        best = v + penalty;
        arg = tau;
      }
    }
    F[t] = best;
    last[t] = arg;
    let kept = 0;
    for (let r = 0; r < size; r++) {
      if (!costed[r] || vals[r]! <= best) R[kept++] = R[r]!;
    }
    size = kept;
    // t becomes a candidate once a valid segmentation ends there
    if (Number.isFinite(best)) R[size++] = t;
  }
  return changePointsOf(last, n);
}

/**
 * `pelt(n, normalMeanSlopeCost(y, sigma), penalty, minSegment, skip)` with the cost written into the loop: the same
 * prefix sums, the same expressions in the same order (so the same values, bit for bit), and the same candidate
 * order, so the same change points. On a series without changes PELT's pruning never fires (splitting always lowers
 * the cost, so no candidate is ever worse than F(t)) and every (τ, t) pair is costed: ~60,000 costs for the bench's
 * 359 bins, where the call through the closure and the reloads of the end sums were most of the time (figure 7j).
 * tests/unit/analytics/changepoints-equivalence.test.ts checks it against `pelt` with the closure, and its optimal costs
 * F(t) (written to `costsOut` when given, for that test) against the same recursion with the closure, bit for bit.
 */
export function peltMeanSlope(y: readonly number[], sigma: number, penalty: number, minSegment = 1, skip = 0, costsOut?: Float64Array): number[] {
  const n = y.length;
  const minSeg = Math.max(1, Math.floor(minSegment));
  if (n < 2 * minSeg + skip) return [];
  // the prefix sums of normalMeanSlopeCost
  const { sx, sxx, sy, syy, sxy } = meanSlopeSums(y);
  const inv = 1 / (sigma * sigma);
  // the loop of `pelt`, with the "not costed at this t" flag folded into the value: −Infinity, which no costed value
  // can be (F(τ) is finite when costed and the cost is +0, positive or NaN), and which `vals[r] <= best` keeps, as the
  // flag kept it (best is never NaN: it only takes values that compared below another); one array store fewer per pair
  const F = new Float64Array(n + 1).fill(Infinity);
  const last = new Int32Array(n + 1).fill(-1);
  F[0] = -penalty;
  const R = new Int32Array(n + 1);
  const vals = new Float64Array(n + 1);
  let size = 1;
  R[0] = 0;
  for (let t = minSeg; t <= n; t++) {
    let best = Infinity;
    let arg = -1;
    const sxB = sx[t]!;
    const sxxB = sxx[t]!;
    const syB = sy[t]!;
    const syyB = syy[t]!;
    const sxyB = sxy[t]!;
    for (let r = 0; r < size; r++) {
      const tau = R[r]!;
      const s0 = tau === 0 ? 0 : tau + skip;
      const fTau = F[tau]!;
      // normalMeanSlopeCost(s0, t); m ≥ minSeg ≥ 1 here, so its m ≤ 0 case cannot occur
      const m = t - s0;
      if (m < minSeg || !Number.isFinite(fTau)) {
        vals[r] = -Infinity;
        continue;
      }
      const X = sxB - sx[s0]!;
      const Y = syB - sy[s0]!;
      const Sxx = sxxB - sxx[s0]! - (X * X) / m;
      const Syy = syyB - syy[s0]! - (Y * Y) / m;
      const Sxy = sxyB - sxy[s0]! - (X * Y) / m;
      const rss = Sxx > 0 ? Syy - (Sxy * Sxy) / Sxx : Syy;
      const v = fTau + Math.max(0, rss) * inv;
      vals[r] = v;
      if (v + penalty < best) {
        best = v + penalty;
        arg = tau;
      }
    }
    F[t] = best;
    last[t] = arg;
    let kept = 0;
    for (let r = 0; r < size; r++) {
      if (vals[r]! <= best) R[kept++] = R[r]!;
    }
    size = kept;
    if (Number.isFinite(best)) R[size++] = t;
  }
  if (costsOut) costsOut.set(F.subarray(0, Math.min(costsOut.length, n + 1)));
  return changePointsOf(last, n);
}

/** A detected change of growth regime. */
export interface ChangePoint {
  /** ISO start of the first bin of the new segment. */
  at: string;
  /** Mean velocity per hour of the segment before. */
  before: number;
  /** Mean velocity per hour of the segment after. */
  after: number;
}

/** Options of `detectChangePoints` (see `CHANGEPOINT_DEFAULTS`). */
export type ChangePointOptions = Partial<typeof CHANGEPOINT_DEFAULTS> & {
  from?: number;
  to?: number;
  /** Rounding rule of the grid (see `rateSeries`), default 2. */
  minSteps?: number;
  /** The series' rate grids shared with another caller (`RateSeriesMemo` of this series; the same values without it). */
  rates?: RateSeriesMemo;
};

/**
 * Change points of the growth regime of a monotone counter.
 *
 * Steps: (1) velocity series on a regular grid (`rateSeries`: hourly, coarsened so that n ≤ maxBins and, for
 * rounded data, bins carry ≥ 2 rounding steps — this also bounds the O(n²) worst case of PELT); (2) y = ln v over
 * bins with v > 0; (3) σ = `estimateNoiseSigma` (robust residual scale around a running median, inflated for lag-1
 * autocorrelation, floored); (4) PELT with the chosen normal cost, β = penaltyMultiplier·(p + 1)·ln n and segments of
 * ≥ minSegmentBins; (5) each change reports the arithmetic mean velocity per hour of the bins of the segment before
 * and after (zero-velocity bins included).
 *
 * Why 'meanSlope' is the default: with the plain mean-shift cost a steadily exponential (or logistic) velocity has no
 * constant-mean regime, so PELT returns a staircase of changes (one every few hours); 'mean' remains available.
 */
export function detectChangePoints(series: readonly CounterPoint[], opts: ChangePointOptions = {}): ChangePoint[] {
  const o = { ...CHANGEPOINT_DEFAULTS, ...opts };
  const n0 = series.length;
  if (n0 < 2) return [];
  const rs = rateSeries(series, opts.from ?? series[0]!.t, opts.to ?? series[n0 - 1]!.t, {
    baseBinMs: o.baseBinMs,
    maxBins: o.maxBins,
    minSteps: opts.minSteps,
  }, opts.rates);
  if (rs === null) return [];
  const bins = rs.bins;
  const pos = bins.filter((b) => b.velocityPerHour > 0);
  const y = pos.map((b) => Math.log(b.velocityPerHour));
  const n = y.length;
  if (n < 2 * o.minSegmentBins) return [];
  const slope = o.cost === 'meanSlope';
  // bins finer than the sampling repeat one interpolated rate: difference across a whole sampling interval, and
  // keep the autocorrelation-inflated running-median estimate when it is larger (correlated bins)
  const gapsMs: number[] = [];
  for (let i = 1; i < series.length; i++) if (!series[i]!.gap) gapsMs.push(series[i]!.t - series[i - 1]!.t);
  const lag = Math.max(1, Math.ceil((gapsMs.length ? median(gapsMs) : 0) / rs.binMs));
  const sigma = Math.max(diffNoiseSigma(y, o.sigmaFloor, lag), estimateNoiseSigma(y, o.sigmaWindowBins, o.sigmaFloor));
  const penalty = o.penaltyMultiplier * (slope ? 3 : 2) * Math.log(n);
  const minSegment = Math.max(o.minSegmentBins, slope ? 3 : 1);
  // the mean-and-slope cost written into PELT's loop (peltMeanSlope: the same change points as pelt with the cost)
  const found = slope ? peltMeanSlope(y, sigma, penalty, minSegment, 1) : pelt(n, normalMeanCost(y, sigma), penalty, minSegment, 1);
  // no change point at a gap edge: a change during a gap cannot be located, and the bins beside it are partial
  const gapSpans: [number, number][] = [];
  for (let i = 1; i < series.length; i++) if (series[i]!.gap) gapSpans.push([series[i - 1]!.t, series[i]!.t]);
  const nearGap = (t: number) => gapSpans.some(([a, b]) => t >= a - 2 * rs.binMs && t <= b + 2 * rs.binMs);
  const cps = found.filter((i) => !nearGap(pos[i]!.start));
  if (cps.length === 0) return [];
  // segment boundaries in time
  const bounds = [bins[0]!.start, ...cps.map((i) => pos[i]!.start), bins[bins.length - 1]!.end];
  // the bin that straddles a change holds both regimes: it belongs to neither segment's mean
  const straddling = new Set(cps.map((i) => pos[i]!.start));
  const segMean = (a: number, b: number): number => {
    let s = 0;
    let k = 0;
    for (const bin of bins) {
      if (bin.start >= a && bin.start < b && !straddling.has(bin.start)) {
        s += bin.velocityPerHour;
        k++;
      }
    }
    return k > 0 ? s / k : 0;
  };
  const means: number[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) means.push(segMean(bounds[i]!, bounds[i + 1]!));
  return cps.map((idx, j) => ({ at: toIso(pos[idx]!.start), before: means[j]!, after: means[j + 1]! }));
}
