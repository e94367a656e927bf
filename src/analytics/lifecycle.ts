/**
 * Lifecycle (diffusion) fits: logistic and Gompertz curves fitted to the increments of the adjusted counter, with
 * peak time (inflection = peak velocity) and saturation level, reported only once the peak has been observed.
 *
 * Method reference: growth-methods.md §4.6; docs/analytics.md §5.
 *  - Logistic:  C(t) = c + K / (1 + e^{−r(t−m)}), peak velocity at t = m (C = c + K/2), v_max = rK/4.
 *  - Gompertz:  C(t) = c + K·exp(−e^{−r(t−m)}), peak velocity at t = m (C = c + K/e), v_max = rK/e.
 *    (the usual K·exp(−b·e^{−rt}) with b = e^{rm}).
 * Fit on increments over a regular grid (not on levels, whose residuals are strongly autocorrelated): least
 * squares in (r, m) with K profiled out in closed form (variable projection), a grid search for starting values and
 * Levenberg–Marquardt refinement (Levenberg 1944; Marquardt 1963). Model choice by AIC (equal parameter counts, so
 * equivalent to SSE). Intervals by residual bootstrap with a seeded PRNG (Efron & Tibshirani 1993, ch. 9).
 * Everything is labelled provisional.
 */
import type { CounterPoint } from './types.ts';
import { MS_PER_DAY, MS_PER_HOUR, mulberry32, quantileSorted, median, roundToBigInt, toIso } from './math.ts';
import { rateSeries, type RateSeriesMemo } from './velocity.ts';

/** Curve families. */
export type LifecycleModel = 'logistic' | 'gompertz';

/** A provisional lifecycle estimate. */
export interface Lifecycle {
  model: LifecycleModel;
  /** ISO time of the peak velocity (inflection). */
  peakAt: string;
  peakAtLow: string;
  peakAtHigh: string;
  /** Saturation level c + K (decimal string). */
  saturation: string;
  saturationLow: string;
  saturationHigh: string;
  provisional: true;
  label: 'provisional';
}

/** Lifecycle parameters (cited in every report's `method.parameters`). */
export const LIFECYCLE_DEFAULTS = {
  /** Base bin of the increment series (coarsened for rounding/length, see `rateSeries`). */
  baseBinMs: MS_PER_HOUR,
  /** Maximum number of bins fitted. */
  maxBins: 400,
  /** Minimum number of covered bins for a fit. */
  minBins: 12,
  /** Width (bins) of the centred moving average used to decide whether the peak was observed. */
  smoothingBins: 5,
  /** The smoothed velocity must be ≥ this fraction below its maximum at both ends of the data. */
  peakDropFraction: 0.25,
  /** Bootstrap replicates for the intervals. */
  bootstrapReplicates: 100,
  /** Seed of the bootstrap PRNG (mulberry32). */
  bootstrapSeed: 20240910,
  /** Two-sided level of the percentile intervals. */
  confidence: 0.95,
  /** Levenberg–Marquardt iteration cap (main fit; bootstrap refits start at the optimum and use a third of it). */
  maxIterations: 100,
  /** Minimum R² of the fitted increments (share of their variance explained by the curve). */
  minR2: 0.5,
  /** Minimum width of the peak, 1/r, in bins: a narrower "peak" is a jump, not a lifecycle. */
  minPeakWidthBins: 2,
};

/** Options of `fitLifecycle`. */
export type LifecycleOptions = Partial<typeof LIFECYCLE_DEFAULTS> & {
  /** Rounding rule of the grid (see `rateSeries`), default 2. */
  minSteps?: number;
  /** The series' rate grids shared with another caller (`RateSeriesMemo` of this series; the same values without it). */
  rates?: RateSeriesMemo;
};

/** Increments on grid bins, time in days since `t0`, values scaled by `scale`. */
export interface FitData {
  t0: number;
  scale: number;
  a: Float64Array;
  b: Float64Array;
  y: Float64Array;
}

/** Normalised cumulative shape g(t) ∈ [0, 1] of a model with rate r (per day) and inflection m (days). */
export function shape(model: LifecycleModel, r: number, m: number, t: number): number {
  const z = -r * (t - m);
  return model === 'logistic' ? 1 / (1 + Math.exp(z)) : Math.exp(-Math.exp(z));
}

export interface ProfiledFit {
  /** ln r */
  lr: number;
  m: number;
  /** K in scaled units */
  k: number;
  sse: number;
}

/**
 * SATURATION: where the curves equal their limits exactly in double precision, so `profile` needs no Math.exp there.
 *  - z < −38: e^z < 3.2e−17 < 2^−54, so 1 + e^z rounds to 1 (logistic g = 1/1 = 1) and e^{−e^z} = 1 − e^z rounds to 1
 *    (Gompertz g = 1); both hold from z ≈ −37.4 on, so −38 leaves a margin.
 *  - Gompertz z > 6.62: e^z > 749 and e^{−749} is below half the smallest subnormal (e^{−744.4}), so g = 0.
 *  - logistic z > 710: e^z overflows to Infinity (e^709.78 is the largest double), so g = 1/(1 + ∞) = 0.
 * tests/unit/analytics/lifecycle-equivalence.test.ts pins these against the expressions on both sides of each bound.
 */
export const SAT_ONE_BELOW = -38;
export const GOMPERTZ_ZERO_ABOVE = 6.62;
export const LOGISTIC_ZERO_ABOVE = 710;

/** Scratch of `profile` (h_i), grown as needed: a profile runs thousands of times per fit (grid, LM, bootstrap). */
let profileScratch = new Float64Array(0);

/**
 * Closed-form K and SSE for fixed (ln r, m): K = Σ y·h / Σ h² with h_i = g(b_i) − g(a_i). g is `shape` written out
 * (the same expressions, so the same values) with the model chosen once per call instead of once per edge.
 */
function profile(model: LifecycleModel, d: FitData, lr: number, m: number, resid?: Float64Array): ProfiledFit {
  const r = Math.exp(lr);
  const n = d.y.length;
  if (profileScratch.length < n) profileScratch = new Float64Array(n);
  const h = profileScratch;
  const logistic = model === 'logistic';
  // Saturated edges skip Math.exp; the constants are the values the expressions give there, bit for bit (an exp
  // within 1 ulp makes 1 + e^z round to 1 and e^{−e^z} round to 1 or underflow to 0; SATURATION explains the bounds).
  const g = (t: number): number => {
    const z = -r * (t - m);
    if (z < SAT_ONE_BELOW) return 1;
    if (logistic) return z > LOGISTIC_ZERO_ABOVE ? 0 : 1 / (1 + Math.exp(z));
    return z > GOMPERTZ_ZERO_ABOVE ? 0 : Math.exp(-Math.exp(z));
  };
  let shh = 0;
  let syh = 0;
  // contiguous bins share edges (b_i = a_{i+1}): evaluate g once per edge
  let gPrevEnd = Number.NaN;
  let prevEnd = Number.NaN;
  for (let i = 0; i < n; i++) {
    const ga = d.a[i] === prevEnd ? gPrevEnd : g(d.a[i]!);
    const gb = g(d.b[i]!);
    prevEnd = d.b[i]!;
    gPrevEnd = gb;
    const hi = gb - ga;
    h[i] = hi;
    shh += hi * hi;
    syh += d.y[i]! * hi;
  }
  const k = shh > 0 ? syh / shh : 0;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const e = d.y[i]! - k * h[i]!;
    if (resid) resid[i] = e;
    sse += e * e;
  }
  return { lr, m, k, sse: Number.isFinite(sse) ? sse : Infinity };
}

/**
 * Levenberg–Marquardt on (ln r, m) of the profiled residuals, numeric Jacobian. An accepted step's residuals are the
 * next iteration's r0 (the same `profile` at the same (ln r, m), so the same values): they are kept, not recomputed.
 */
function levenbergMarquardt(model: LifecycleModel, d: FitData, start: ProfiledFit, maxIter: number): ProfiledFit {
  const n = d.y.length;
  let cur = start;
  let lambda = 1e-3;
  let r0 = new Float64Array(n);
  const r1 = new Float64Array(n);
  const r2 = new Float64Array(n);
  let rc = new Float64Array(n);
  let haveR0 = false;
  for (let it = 0; it < maxIter; it++) {
    if (!haveR0) profile(model, d, cur.lr, cur.m, r0);
    haveR0 = false;
    const h1 = 1e-6 * Math.max(1, Math.abs(cur.lr));
    const h2 = 1e-6 * Math.max(1, Math.abs(cur.m));
    profile(model, d, cur.lr + h1, cur.m, r1);
    profile(model, d, cur.lr, cur.m + h2, r2);
    // J = ∂residual/∂θ ; normal equations (JᵀJ + λ·diag) δ = −Jᵀr
    let a11 = 0;
    let a12 = 0;
    let a22 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const j1 = (r1[i]! - r0[i]!) / h1;
      const j2 = (r2[i]! - r0[i]!) / h2;
      a11 += j1 * j1;
      a12 += j1 * j2;
      a22 += j2 * j2;
      g1 += j1 * r0[i]!;
      g2 += j2 * r0[i]!;
    }
    let improved = false;
    while (lambda < 1e12) {
      const b11 = a11 * (1 + lambda) + 1e-300;
      const b22 = a22 * (1 + lambda) + 1e-300;
      const det = b11 * b22 - a12 * a12;
      if (!(Math.abs(det) > 0)) {
        lambda *= 10;
        continue;
      }
      const d1 = (-g1 * b22 + g2 * a12) / det;
      const d2 = (-g2 * b11 + g1 * a12) / det;
      const cand = profile(model, d, cur.lr + d1, cur.m + d2, rc);
      if (cand.sse < cur.sse) {
        const rel = (cur.sse - cand.sse) / Math.max(cur.sse, 1e-300);
        cur = cand;
        const swap = r0;
        r0 = rc;
        rc = swap;
        haveR0 = true;
        lambda = Math.max(1e-12, lambda / 10);
        improved = rel > 1e-12;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return cur;
}

/** Scratch of `profileBoth` (h_i of each curve), grown as needed. */
let bothScratchL = new Float64Array(0);
let bothScratchG = new Float64Array(0);

/**
 * `profile` of both curves at one (ln r, m), sharing what they share: the same z = −r(t − m) at every edge, and its
 * e^z, which the logistic curve (1/(1 + e^z)) and the Gompertz curve (e^{−e^z}) both take. Each curve's h, K and SSE are
 * the expressions of `profile` in its order, so each result is the one `profile` gives, bit for bit: the grid's 2 × 651
 * profiles of ~370 edges were ~97 % of a lifecycle fit (issue 15, figure 7j), and this evaluates 2 instead of 3
 * exponentials per edge. tests/unit/analytics/lifecycle-equivalence.test.ts pins the fits against the code before.
 */
function profileBoth(d: FitData, lr: number, m: number): [ProfiledFit, ProfiledFit] {
  const r = Math.exp(lr);
  const n = d.y.length;
  if (bothScratchL.length < n) {
    bothScratchL = new Float64Array(n);
    bothScratchG = new Float64Array(n);
  }
  const hL = bothScratchL;
  const hG = bothScratchG;
  let shhL = 0;
  let syhL = 0;
  let shhG = 0;
  let syhG = 0;
  // contiguous bins share edges (b_i = a_{i+1}): each curve once per edge, as in `profile`
  let gPrevL = Number.NaN;
  let gPrevG = Number.NaN;
  let prevEnd = Number.NaN;
  for (let i = 0; i < n; i++) {
    let gaL: number;
    let gaG: number;
    if (d.a[i] === prevEnd) {
      gaL = gPrevL;
      gaG = gPrevG;
    } else {
      const z = -r * (d.a[i]! - m);
      if (z < SAT_ONE_BELOW) {
        gaL = 1;
        gaG = 1;
      } else if (z > LOGISTIC_ZERO_ABOVE) {
        gaL = 0;
        gaG = 0;
      } else {
        const e = Math.exp(z);
        gaL = 1 / (1 + e);
        gaG = z > GOMPERTZ_ZERO_ABOVE ? 0 : Math.exp(-e);
      }
    }
    let gbL: number;
    let gbG: number;
    const z = -r * (d.b[i]! - m);
    if (z < SAT_ONE_BELOW) {
      gbL = 1;
      gbG = 1;
    } else if (z > LOGISTIC_ZERO_ABOVE) {
      gbL = 0;
      gbG = 0;
    } else {
      const e = Math.exp(z);
      gbL = 1 / (1 + e);
      gbG = z > GOMPERTZ_ZERO_ABOVE ? 0 : Math.exp(-e);
    }
    prevEnd = d.b[i]!;
    gPrevL = gbL;
    gPrevG = gbG;
    const hiL = gbL - gaL;
    const hiG = gbG - gaG;
    hL[i] = hiL;
    hG[i] = hiG;
    shhL += hiL * hiL;
    syhL += d.y[i]! * hiL;
    shhG += hiG * hiG;
    syhG += d.y[i]! * hiG;
  }
  const kL = shhL > 0 ? syhL / shhL : 0;
  const kG = shhG > 0 ? syhG / shhG : 0;
  let sseL = 0;
  let sseG = 0;
  for (let i = 0; i < n; i++) {
    const eL = d.y[i]! - kL * hL[i]!;
    sseL += eL * eL;
    const eG = d.y[i]! - kG * hG[i]!;
    sseG += eG * eG;
  }
  return [
    { lr, m, k: kL, sse: Number.isFinite(sseL) ? sseL : Infinity },
    { lr, m, k: kG, sse: Number.isFinite(sseG) ? sseG : Infinity },
  ];
}

/**
 * Grid search over (ln r, m) for both curves' starting values: for each, the best grid point with K > 0 (exported for
 * tests/unit/analytics/lifecycle-equivalence.test.ts, which checks it against a grid of `shape` expressions).
 */
export function gridStarts(d: FitData): Record<LifecycleModel, ProfiledFit> {
  const n = d.y.length;
  const tStart = d.a[0]!;
  const tEnd = d.b[n - 1]!;
  const span = Math.max(tEnd - tStart, 1e-6);
  const w = Math.max(d.b[0]! - d.a[0]!, 1e-6);
  const lrLo = Math.log(1 / span);
  const lrHi = Math.log(4 / w);
  let logistic: ProfiledFit = { lr: 0, m: 0, k: 0, sse: Infinity };
  let gompertz: ProfiledFit = { lr: 0, m: 0, k: 0, sse: Infinity };
  const NR = 21;
  const NM = 31;
  for (let i = 0; i < NR; i++) {
    const lr = lrLo + ((lrHi - lrLo) * i) / (NR - 1);
    for (let j = 0; j < NM; j++) {
      const m = tStart + (span * j) / (NM - 1);
      const [fL, fG] = profileBoth(d, lr, m);
      if (fL.k > 0 && fL.sse < logistic.sse) logistic = fL;
      if (fG.k > 0 && fG.sse < gompertz.sse) gompertz = fG;
    }
  }
  return { logistic, gompertz };
}

/**
 * A lower bound on the SSE of every curve `profile` can fit to `d` with K > 0, in real arithmetic (figure 7j: on the
 * bench's noisy tags it rejects the fit before the grid search, which was ~10 ms of the first report after a change).
 *
 * Why it holds. Both curves have a unimodal density g′ for every r > 0 (logistic: r·e^z/(1 + e^z)², a bell around m;
 * Gompertz: r·e^z·e^{−e^z}, z = −r(t − m), rising up to t = m and falling after). A bin's increment is
 * h_i = g(b_i) − g(a_i) = w_i·u_i with w_i = b_i − a_i and u_i the mean of g′ over [a_i, b_i]. For disjoint bins in time
 * order the means u_i of a unimodal function form a unimodal sequence: bins left of the mode see it rise, bins right
 * of it see it fall, and a bin holding the mode averages values above the lower of its two ends, each of which bounds
 * the neighbour on its side. So K·h = w·v with v unimodal (K > 0 keeps it unimodal), and
 * SSE = Σ (y_i − w_i·v_i)² = Σ w_i²·(y_i/w_i − v_i)² is at least the weighted unimodal regression of y/w (weights w²):
 * the best increasing fit of a prefix plus the best decreasing fit of the rest, over every split, each found by
 * pool-adjacent-violators kept online, O(n) per direction.
 *
 * Returns 0 (the trivial bound) unless the bins are in time order, disjoint and of positive finite width.
 * Rounding: the block sums lose at most ~n·2⁻⁵² of Σy², and `UNIMODAL_ROUNDING` (1e−9·Σy²) is subtracted for it.
 */
export function curveSseLowerBound(d: FitData): number {
  const n = d.y.length;
  if (n === 0) return 0;
  const x = new Float64Array(n);
  const wt = new Float64Array(n);
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const w = d.b[i]! - d.a[i]!;
    if (!(w > 0) || !Number.isFinite(w) || (i > 0 && !(d.a[i]! >= d.b[i - 1]!))) return 0;
    const yi = d.y[i]!;
    if (!Number.isFinite(yi)) return 0;
    x[i] = yi / w;
    wt[i] = w * w;
    sumSq += yi * yi;
  }
  // err[j]: least squares of the best non-decreasing fit of the first j values (forward) or the last j (backward,
  // read in reverse: non-decreasing towards the start is non-increasing in time)
  const online = (forward: boolean): Float64Array => {
    const err = new Float64Array(n + 1);
    const W = new Float64Array(n);
    const S = new Float64Array(n);
    const Q = new Float64Array(n);
    let top = 0;
    let total = 0;
    for (let j = 0; j < n; j++) {
      const i = forward ? j : n - 1 - j;
      let w = wt[i]!;
      let s = w * x[i]!;
      let q = s * x[i]!;
      while (top > 0 && S[top - 1]! * w >= s * W[top - 1]!) {
        top--;
        total -= Q[top]! - (S[top]! * S[top]!) / W[top]!;
        w += W[top]!;
        s += S[top]!;
        q += Q[top]!;
      }
      W[top] = w;
      S[top] = s;
      Q[top] = q;
      top++;
      total += q - (s * s) / w;
      err[j + 1] = total;
    }
    return err;
  };
  const up = online(true);
  const down = online(false);
  let best = Infinity;
  for (let j = 0; j <= n; j++) {
    const e = up[j]! + down[n - j]!;
    if (e < best) best = e;
  }
  const bound = best - UNIMODAL_ROUNDING * sumSq;
  return bound > 0 ? bound : 0;
}

/** Share of Σy² subtracted from `curveSseLowerBound` for the rounding of its sums. */
export const UNIMODAL_ROUNDING = 1e-9;
/**
 * How far below `minR2` the R² bound must lie before the fit is skipped. The bound is exact in real arithmetic; the
 * fits' SSE is computed in floating point, where a curve's increments carry rounding of ~1e−16 each. For a curve that
 * is not flat across the data that moves R² by far less than 1e−6; the margin keeps a skip away from the threshold
 * also for nearly flat curves. A skip only ever drops a provisional estimate (null), never changes a number.
 */
export const R2_BOUND_MARGIN = 0.01;

/** LM from the grid's best point (none with K > 0: that point as it is). */
function fitModel(model: LifecycleModel, d: FitData, best: ProfiledFit, maxIter: number): ProfiledFit {
  if (!Number.isFinite(best.sse)) return best;
  return levenbergMarquardt(model, d, best, maxIter);
}

/** Centred moving average (window truncated at the ends). */
function movingAverage(v: readonly number[], width: number): number[] {
  const h = Math.max(0, Math.floor(width / 2));
  return v.map((_, i) => {
    let s = 0;
    let k = 0;
    for (let j = Math.max(0, i - h); j <= Math.min(v.length - 1, i + h); j++) {
      s += v[j]!;
      k++;
    }
    return s / k;
  });
}

/**
 * Whether the peak velocity has been observed: the centred moving average of the binned velocity has its maximum
 * strictly inside the data and is at least `dropFraction` below that maximum at both the first and the last bin
 * (it clearly rose, peaked and fell).
 */
export function peakObserved(velocities: readonly number[], smoothingBins: number, dropFraction: number): boolean {
  if (velocities.length < 3) return false;
  const s = movingAverage(velocities, smoothingBins);
  let p = 0;
  for (let i = 1; i < s.length; i++) if (s[i]! > s[p]!) p = i;
  const vmax = s[p]!;
  if (!(vmax > 0) || p === 0 || p === s.length - 1) return false;
  const lim = (1 - dropFraction) * vmax;
  return s[0]! <= lim && s[s.length - 1]! <= lim;
}

/**
 * Fit logistic and Gompertz curves to the adjusted counter and return the provisional lifecycle estimate, or null
 * unless the peak velocity (inflection) has been observed (`peakObserved`) and the chosen fit is acceptable: K > 0,
 * the inflection inside the data, a peak at least `minPeakWidthBins` bins wide (1/r) and R² ≥ `minR2` on the
 * increments.
 *
 * peakAt = fitted m; saturation = c + K where c = median(C_i − K·g(t_i)) over the samples (the level the counter
 * had before this wave). Intervals: residual bootstrap (`bootstrapReplicates`, seeded mulberry32), percentile
 * (1−confidence)/2 … (1+confidence)/2, widened if necessary to contain the point estimate. Floating-point fit;
 * saturation strings are rounded to integers.
 */
export function fitLifecycle(series: readonly CounterPoint[], opts: LifecycleOptions = {}): Lifecycle | null {
  const o = { ...LIFECYCLE_DEFAULTS, ...opts };
  const n0 = series.length;
  if (n0 < 3) return null;
  const rs = rateSeries(series, series[0]!.t, series[n0 - 1]!.t, {
    baseBinMs: o.baseBinMs,
    maxBins: o.maxBins,
    minSteps: opts.minSteps,
  }, opts.rates);
  if (rs === null || rs.bins.length < o.minBins) return null;
  if (!peakObserved(rs.bins.map((b) => b.velocityPerHour), o.smoothingBins, o.peakDropFraction)) return null;

  const bins = rs.bins;
  const t0 = bins[0]!.start;
  const scale = bins.reduce((s, b) => s + b.increment, 0);
  if (!(scale > 0)) return null;
  const d: FitData = {
    t0,
    scale,
    a: Float64Array.from(bins, (b) => (b.start - t0) / MS_PER_DAY),
    b: Float64Array.from(bins, (b) => (b.end - t0) / MS_PER_DAY),
    y: Float64Array.from(bins, (b) => b.increment / scale),
  };
  const n = d.y.length;
  // no curve can reach minR2 (R² ≤ 1 − bound/SST, `curveSseLowerBound`): the fit below would be rejected, skip it
  const yMean0 = d.y.reduce((s, v) => s + v, 0) / n;
  const sst0 = d.y.reduce((s, v) => s + (v - yMean0) * (v - yMean0), 0);
  if (sst0 > 0 && 1 - curveSseLowerBound(d) / sst0 + R2_BOUND_MARGIN < o.minR2) return null;
  const starts = gridStarts(d);
  const fits = (['logistic', 'gompertz'] as const).map((model) => {
    const f = fitModel(model, d, starts[model], o.maxIterations);
    const aic = n * Math.log(Math.max(f.sse, 1e-300) / n) + 2 * 3;
    return { model, f, aic };
  });
  const chosen = fits.reduce((best, c) => (c.aic < best.aic ? c : best));
  const { model, f } = chosen;
  if (!(f.k > 0) || !Number.isFinite(f.sse)) return null;
  if (f.m < d.a[0]! || f.m > d.b[n - 1]!) return null;
  const binDays = rs.binMs / MS_PER_DAY;
  if (1 / Math.exp(f.lr) < o.minPeakWidthBins * binDays) return null;
  const yMean = d.y.reduce((s, v) => s + v, 0) / n;
  const sst = d.y.reduce((s, v) => s + (v - yMean) * (v - yMean), 0);
  if (!(sst > 0) || 1 - f.sse / sst < o.minR2) return null;

  // offset c from the levels (relative to the first level, to stay within float precision)
  const base = series[0]!.value;
  const levels = series.map((p) => ({ t: (p.t - t0) / MS_PER_DAY, c: Number(p.value - base) }));
  const saturationOf = (fit: ProfiledFit): number => {
    const r = Math.exp(fit.lr);
    const K = fit.k * scale;
    const c = median(levels.map((l) => l.c - K * shape(model, r, fit.m, l.t)));
    return c + K;
  };
  const satHat = saturationOf(f);

  // residual bootstrap
  const resid = new Float64Array(n);
  profile(model, d, f.lr, f.m, resid);
  const rm = resid.reduce((s, v) => s + v, 0) / n;
  const r = Math.exp(f.lr);
  const fitted = Float64Array.from({ length: n }, (_, i) => f.k * (shape(model, r, f.m, d.b[i]!) - shape(model, r, f.m, d.a[i]!)));
  const rand = mulberry32(o.bootstrapSeed);
  const peaks: number[] = [];
  const sats: number[] = [];
  for (let rep = 0; rep < o.bootstrapReplicates; rep++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = fitted[i]! + (resid[Math.floor(rand() * n)]! - rm);
    const db: FitData = { ...d, y };
    const start = profile(model, db, f.lr, f.m);
    const fb = levenbergMarquardt(model, db, start, Math.max(5, Math.ceil(o.maxIterations / 3)));
    if (!(fb.k > 0) || !Number.isFinite(fb.sse)) continue;
    peaks.push(fb.m);
    sats.push(saturationOf(fb));
  }
  peaks.sort((x, y) => x - y);
  sats.sort((x, y) => x - y);
  const pl = (1 - o.confidence) / 2;
  const ph = 1 - pl;
  const peakLow = Math.min(f.m, peaks.length ? quantileSorted(peaks, pl) : f.m);
  const peakHigh = Math.max(f.m, peaks.length ? quantileSorted(peaks, ph) : f.m);
  const satLow = Math.min(satHat, sats.length ? quantileSorted(sats, pl) : satHat);
  const satHigh = Math.max(satHat, sats.length ? quantileSorted(sats, ph) : satHat);
  const dayToIso = (x: number): string => toIso(Math.round(t0 + x * MS_PER_DAY));
  const countStr = (x: number): string => {
    const v = base + roundToBigInt(x);
    return (v < 0n ? 0n : v).toString();
  };
  return {
    model,
    peakAt: dayToIso(f.m),
    peakAtLow: dayToIso(peakLow),
    peakAtHigh: dayToIso(peakHigh),
    saturation: countStr(satHat),
    saturationLow: countStr(satLow),
    saturationHigh: countStr(satHigh),
    provisional: true,
    label: 'provisional',
  };
}
