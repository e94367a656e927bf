/**
 * Growth metrics: period-over-period velocity growth, robust (Theil–Sen) exponential growth rates and
 * doubling/halving times, acceleration, robust z-score and the breakout flag.
 *
 * Method reference: growth-methods.md §4.3 (Theil–Sen), §4.4 (z-scores), §7 (metrics); docs/analytics.md §3.
 */
import type { CounterPoint } from './types.ts';
import { MS_PER_DAY, MS_PER_HOUR, evenIndices, median, medianInPlace, quickselect } from './math.ts';
import { deltaBetween, rateSeries, windowVelocity } from './velocity.ts';
import type { WindowVelocity } from './velocity.ts';

/** Scale factor making the MAD a consistent estimator of σ for normal data (1/Φ⁻¹(3/4)). */
export const MAD_SCALE = 1.4826;
/** Scale factor making the mean absolute deviation consistent for σ under normality (√(π/2)). */
export const MEAN_AD_SCALE = 1.253314;

/** Growth parameters (cited in every report's `method.parameters`). */
export const GROWTH_DEFAULTS = {
  /** Look-back of the Theil–Sen growth-rate fits. */
  growthLookbackMs: 7 * MS_PER_DAY,
  /** A growth rate needs its points to span at least this long (minutes of data say nothing about days). */
  growthMinSpanMs: 6 * MS_PER_HOUR,
  /** Base bin of the velocity series used for ln(velocity) fits (coarsened for rounding/length). */
  velocityBinMs: MS_PER_HOUR,
  /** Maximum number of bins of the velocity series. */
  velocityMaxBins: 2000,
  /** Theil–Sen: above this many points the input is subsampled deterministically (evenly spaced). */
  theilSenMaxPoints: 2000,
  /** Window of the two velocities whose finite difference is the acceleration. */
  accelerationWindowMs: 24 * MS_PER_HOUR,
  /** Robust z: baseline length in days (daily velocities before the latest 24 h). */
  zBaselineDays: 14,
  /** Robust z: minimum number of covered baseline days. */
  zMinBaselineDays: 7,
  /**
   * Robust z: relative noise floor of the scale (fraction of |median|): day-to-day changes below 1 % of the typical
   * velocity are noise, whatever a near-constant baseline's MAD says.
   */
  zRelativeEpsilon: 0.01,
  /** Robust z: absolute floor of the scale (counts per hour). */
  zAbsoluteEpsilon: 1e-9,
} as const;

/**
 * Breakout definition (tagpulse's own, not Google Trends'): the latest 24 h velocity is
 *  (a) an outlier against the 14-day baseline of daily velocities: robust z ≥ minZScore, AND
 *  (b) growing fast: 24 h velocity ≥ (1 + minVelocityGrowthPct/100) × the previous 24 h velocity, AND
 *  (c) observable: the 24 h change exceeds minChangeInSteps rounding steps (for exact data: is > 0).
 */
export const BREAKOUT_DEFINITION = {
  minZScore: 3.5,
  minVelocityGrowthPct: 50,
  minChangeInSteps: 2,
  text:
    'breakout = robust z of the latest 24h velocity vs the 14-day baseline of daily velocities >= 3.5 ' +
    'AND 24h velocity growth vs the previous 24h >= +50% AND the 24h change > 2 rounding steps',
} as const;

/** Theil–Sen fit y ≈ intercept + slope·x. */
export interface TheilSenFit {
  slope: number;
  intercept: number;
  /** Number of points used (after subsampling). */
  n: number;
}

/**
 * Theil–Sen estimator (Theil 1950, Proc. KNAW 53; Sen 1968, JASA 63(324):1379–1389): slope = median of the pairwise
 * slopes (y_j − y_i)/(x_j − x_i) over pairs with x_i ≠ x_j; intercept = median(y_i − slope·x_i). Breakdown point
 * ≈ 29.3 %. Works directly on irregular x. O(m²) pairs with m = min(n, maxPoints): above `maxPoints` the points
 * are subsampled deterministically at evenly spaced indices (after sorting by x).
 *
 * Returns null with fewer than two distinct x values. Non-finite pairs are ignored.
 */
export function theilSen(
  xs: readonly number[],
  ys: readonly number[],
  opts: { maxPoints?: number } = {},
): TheilSenFit | null {
  const n = Math.min(xs.length, ys.length);
  const pts: [number, number][] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) pts.push([xs[i]!, ys[i]!]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const use = evenIndices(pts.length, Math.max(2, opts.maxPoints ?? GROWTH_DEFAULTS.theilSenMaxPoints)).map(
    (i) => pts[i]!,
  );
  const m = use.length;
  const slopes = new Float64Array((m * (m - 1)) / 2);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const [xi, yi] = use[i]!;
    for (let j = i + 1; j < m; j++) {
      const [xj, yj] = use[j]!;
      if (xj !== xi) slopes[k++] = (yj - yi) / (xj - xi);
    }
  }
  if (k === 0) return null;
  const slope = medianInPlace(slopes.subarray(0, k));
  const intercept = median(use.map(([x, y]) => y - slope * x));
  return { slope, intercept, n: m };
}

/** Two-sided standard normal quantile for the usual confidence levels (0.90, 0.95, 0.99). */
export function normalQuantile2(confidence: number): number {
  if (confidence >= 0.99) return 2.575829;
  if (confidence >= 0.95) return 1.959964;
  return 1.644854;
}

/** A Theil–Sen fit with Sen's confidence interval on the slope. */
export interface TheilSenCI extends TheilSenFit {
  slopeLow: number;
  slopeHigh: number;
  /** Lag-1 autocorrelation of the residuals used to widen the interval (0 when negative). */
  rho: number;
}

/**
 * Theil–Sen slope with Sen's (1968) distribution-free confidence interval: with N pairwise slopes sorted and
 * C = z_{α/2}·√(n(n−1)(2n+5)/18) (the null variance of Kendall's S), the interval runs from the slope of rank
 * (N − C)/2 to the slope of rank (N + C)/2 + 1. Residuals of a time series are autocorrelated, which makes Sen's
 * interval too narrow, so C is inflated by √((1+ρ)/(1−ρ)) for the lag-1 autocorrelation ρ ∈ [0, 0.9] of the
 * residuals (AR(1) variance inflation), and n is capped by `maxIndependent` (the number of real samples behind
 * interpolated points). Null with fewer than 3 points.
 */
export function theilSenCI(
  xs: readonly number[],
  ys: readonly number[],
  opts: { confidence?: number; maxIndependent?: number } = {},
): TheilSenCI | null {
  const pts: [number, number][] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) pts.push([xs[i]!, ys[i]!]);
  pts.sort((a, b) => a[0] - b[0]);
  const m = pts.length;
  if (m < 3) return null;
  // the slopes go to a scratch buffer kept between calls (a fresh 14,196-slope buffer for a 7-day hourly fit cost about
  // as much as computing the slopes, figures 7h/7j); nothing of it outlives this call (`at` is used only below). Fits
  // of more than SLOPE_SCRATCH_MAX slopes get a buffer of their own, so the process keeps at most 2 MB
  const need = (m * (m - 1)) / 2;
  if (need <= SLOPE_SCRATCH_MAX && slopeScratch.length < need) slopeScratch = new Float64Array(Math.min(SLOPE_SCRATCH_MAX, Math.max(need, 2 * slopeScratch.length)));
  const slopes = need <= SLOPE_SCRATCH_MAX ? slopeScratch : new Float64Array(need);
  let k = 0;
  // the pairs' slopes from typed copies of the sorted points (the same values, the same expressions: the m²/2 inner
  // iterations no longer read two-element arrays, which a cold process runs several times slower)
  const px = new Float64Array(m);
  const py = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    px[i] = pts[i]![0];
    py[i] = pts[i]![1];
  }
  for (let i = 0; i < m; i++) {
    const xi = px[i]!;
    const yi = py[i]!;
    for (let j = i + 1; j < m; j++) if (px[j]! !== xi) slopes[k++] = (py[j]! - yi) / (px[j]! - xi);
  }
  if (k === 0) return null;
  const all = slopes.subarray(0, k);
  // the order statistics by selection (`selectedRank`) once this process has run a few fits (its JIT is warm), and
  // while a slope could be NaN (only when an x difference overflows) by the builtin sort, as before: both give the
  // sorted array's values, bit for bit
  theilSenCalls++;
  const at = theilSenCalls > SORT_FIRST_CALLS && Number.isFinite(px[m - 1]! - px[0]!) ? selectedRank(all) : sortedRank(all.sort());
  const slope = k % 2 === 1 ? at(k >> 1) : (at((k >> 1) - 1) + at(k >> 1)) / 2;
  const intercept = median(pts.map(([x, y]) => y - slope * x));
  const resid = pts.map(([x, y]) => y - intercept - slope * x);
  let num = 0;
  let den = 0;
  for (let i = 0; i < resid.length; i++) {
    den += resid[i]! * resid[i]!;
    if (i > 0) num += resid[i]! * resid[i - 1]!;
  }
  const rho = den > 0 ? Math.min(0.9, Math.max(0, num / den)) : 0;
  const n = Math.min(m, Math.max(3, opts.maxIndependent ?? m));
  const c = normalQuantile2(opts.confidence ?? 0.95) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18) * Math.sqrt((1 + rho) / (1 - rho)) * (k / ((n * (n - 1)) / 2));
  const lo = Math.max(0, Math.floor((k - c) / 2) - 1);
  const hi = Math.min(k - 1, Math.ceil((k + c) / 2));
  return { slope, intercept, n: m, slopeLow: Math.min(slope, at(lo)), slopeHigh: Math.max(slope, at(hi)), rho };
}

let slopeScratch = new Float64Array(0);
const SLOPE_SCRATCH_MAX = 1 << 18;

/** The value of rank r of an ascending `TypedArray.prototype.sort`ed array. */
const sortedRank = (sorted: Float64Array) => (r: number): number => sorted[r]!;

/**
 * `theilSenCI` calls that sort every slope before it selects: the builtin sort is compiled ahead of time, while the
 * selection loop runs in the interpreter until the JIT has seen it, so in a fresh process (`tagpulse report`, figure
 * 6b) the first fits sort (~2 ms cold per fit instead of ~5), and a warm server selects (~0.1 ms instead of ~0.7 per
 * fit, figure 7h). The answer is the same either way.
 */
export const SORT_FIRST_CALLS = 16;
let theilSenCalls = 0;

/**
 * The value of rank r of `slopes` (no NaN) in the order `TypedArray.prototype.sort` gives them (−0 before +0), by
 * selection instead of a full sort: the four ranks the interval needs in O(k) each rather than O(k log k) (k =
 * m(m−1)/2 pairs; the sort was ~40 % of a warm report's computation, issue 15 figure 7h). `quickselect` orders by `<`,
 * under which −0 and +0 are one value, so a zero of rank r is −0 exactly when r falls among the −0s, which the sort
 * puts right after the negative slopes (counted on the first zero asked for). Every rank is a value of the array, so
 * the results are the sorted array's, bit for bit (tests/unit/analytics/theilsen-equivalence.test.ts, against the
 * sorting version). With few slopes in place (`placedRank`: each rank after the first is selected only between the
 * ranks already placed, figure 7h), with many inside a bracket (`bracketedRank`, figures 7h/7j).
 */
function selectedRank(slopes: Float64Array): (r: number) => number {
  return slopes.length >= BRACKET_MIN_SLOPES ? bracketedRank(slopes) : placedRank(slopes);
}

/** From this many slopes on (m ≥ 65 points; a 7-day hourly fit has 14,196) `bracketedRank` selects, below `placedRank`. */
export const BRACKET_MIN_SLOPES = 2048;
/** Sample size and half-width (in sample ranks) of `bracketedRank`'s bracket. */
const BRACKET_SAMPLE = 512;
const BRACKET_HALF_WIDTH = 32;

/**
 * `selectedRank` by a bracket (after Floyd & Rivest 1975, CACM 18(3):165–172): a fixed, evenly spaced sample of the
 * slopes gives two values a ≤ b around the rank asked for (the sample's ranks r/k·512 ∓ 32, by quickselect); one pass
 * counts the slopes below a and gathers those in [a, b] (about an eighth of them); when the rank falls among the
 * gathered ones it is selected there, else (rarely: the sample misjudged where it lies) from a copy of all the slopes.
 * Either way the answer is the value of that rank in the `<` order of the whole array — every slope below a ranks below
 * every gathered one, every slope above b above — so it is the sorted array's value, −0 and +0 told apart as in
 * `placedRank` (counted over the whole array). The slopes are not reordered. A report's two 7-day fits (14,196 and
 * 3,486 slopes) took ~0.31 ms CPU with `placedRank`'s in-place quickselect of the whole array and ~0.18 ms with this
 * (issue 15, figures 7h/7j). The gathered slopes go to a scratch buffer shared by all calls (a new one per fit cost as
 * much as the pass); `gatheredOwner` tells whether it still holds this closure's last bracket. Exported for
 * tests/unit/analytics/theilsen-equivalence.test.ts.
 */
export function bracketedRank(slopes: Float64Array): (r: number) => number {
  const k = slopes.length;
  const sample = new Float64Array(BRACKET_SAMPLE);
  for (let i = 0; i < BRACKET_SAMPLE; i++) sample[i] = slopes[Math.floor(((i + 0.5) * k) / BRACKET_SAMPLE)]!;
  // the shared scratch up to SLOPE_SCRATCH_MAX slopes (so the process keeps at most 2 MB of it), a buffer of its own above
  const own = k > SLOPE_SCRATCH_MAX ? new Float64Array(k) : null;
  const me = {};
  // the last bracket: the slopes below it and how many were gathered in it (the two middle ranks share one)
  let below = 0;
  let count = -1;
  let negatives = -1;
  let negZeros = 0;
  return (r: number): number => {
    let v: number;
    if (count >= 0 && (own !== null || gatheredOwner === me) && r >= below && r < below + count) v = quickselect((own ?? gatheredScratch).subarray(0, count), r - below);
    else {
      const pos = ((r + 0.5) * BRACKET_SAMPLE) / k;
      const ia = Math.floor(pos) - BRACKET_HALF_WIDTH;
      const ib = Math.ceil(pos) + BRACKET_HALF_WIDTH;
      const a = ia < 0 ? -Infinity : quickselect(sample, ia);
      const b = ib >= BRACKET_SAMPLE ? Infinity : quickselect(sample, ib);
      // the pass overwrites the scratch: the last bracket is gone, whether or not this one holds rank r
      count = -1;
      let gathered = own;
      if (gathered === null) {
        if (gatheredScratch.length < k) gatheredScratch = new Float64Array(k);
        gatheredOwner = me;
        gathered = gatheredScratch;
      }
      const c = gatherBracket(slopes, a, b, gathered);
      const lo = bracketBelow;
      if (r >= lo && r < lo + c) {
        below = lo;
        count = c;
        v = quickselect(gathered.subarray(0, c), r - lo);
      } else v = quickselect(Float64Array.from(slopes), r);
    }
    if (v !== 0) return v;
    if (negatives < 0) {
      negatives = 0;
      for (let i = 0; i < k; i++) {
        const x = slopes[i]!;
        if (x < 0) negatives++;
        else if (x === 0 && 1 / x < 0) negZeros++;
      }
    }
    return r < negatives + negZeros ? -0 : 0;
  };
}
let gatheredScratch = new Float64Array(0);
let gatheredOwner: object | null = null;

/** Gather the slopes in [a, b] into `out` (returns how many) and count those below a (into `bracketBelow`). */
function gatherBracket(slopes: Float64Array, a: number, b: number, out: Float64Array): number {
  let lo = 0;
  let c = 0;
  const k = slopes.length;
  for (let i = 0; i < k; i++) {
    const x = slopes[i]!;
    if (x < a) lo++;
    else if (x <= b) out[c++] = x;
  }
  bracketBelow = lo;
  return c;
}
let bracketBelow = 0;

/** `selectedRank` by quickselect in place, each rank after the first between the ranks already placed. */
function placedRank(slopes: Float64Array): (r: number) => number {
  let negatives = -1;
  let negZeros = 0;
  // ranks already selected: each sits at its place with the smaller values before it and the larger after it
  // (`quickselect`), so the next rank is looked for only between its nearest selected neighbours
  const placed: number[] = [];
  return (r: number): number => {
    let from = 0;
    let to = slopes.length - 1;
    for (const p of placed) {
      if (p < r && p + 1 > from) from = p + 1;
      else if (p > r && p - 1 < to) to = p - 1;
      else if (p === r) from = to = r;
    }
    const v = quickselect(slopes, r, from, to);
    placed.push(r);
    if (v !== 0) return v;
    if (negatives < 0) {
      negatives = 0;
      for (let i = 0; i < slopes.length; i++) {
        const s = slopes[i]!;
        if (s < 0) negatives++;
        else if (s === 0 && 1 / s < 0) negZeros++;
      }
    }
    return r < negatives + negZeros ? -0 : 0;
  };
}

/** Period-over-period growth in percent: (v_now / v_prev − 1)·100; null if either is unknown or v_prev = 0. */
export function growthPct(vNow: number | null | undefined, vPrev: number | null | undefined): number | null {
  if (vNow === null || vNow === undefined || vPrev === null || vPrev === undefined) return null;
  if (vPrev === 0 || !Number.isFinite(vNow) || !Number.isFinite(vPrev)) return null;
  return (vNow / vPrev - 1) * 100;
}

/** Exponential growth rate k (per day) and the derived doubling/halving times ln2/|k|. */
export interface GrowthRate {
  /** k per day (continuous rate; e^k − 1 is the daily growth factor − 1). */
  ratePerDay: number;
  /** ln 2 / k when k > 0, else null. */
  doublingDays: number | null;
  /** ln 2 / (−k) when k < 0, else null. */
  halvingDays: number | null;
  /** Points used. */
  n: number;
}

function toGrowthRate(fit: TheilSenFit | null): GrowthRate | null {
  if (fit === null || !Number.isFinite(fit.slope)) return null;
  const k = fit.slope;
  return {
    ratePerDay: k,
    doublingDays: k > 0 ? Math.LN2 / k : null,
    halvingDays: k < 0 ? Math.LN2 / -k : null,
    n: fit.n,
  };
}

/**
 * Exponential growth rate of the counter: Theil–Sen slope of ln C(t) against t in days over the samples in
 * [to − lookback, to]; doubling time ln2/k (null when k ≤ 0). Requires ≥ 3 samples with C > 0.
 */
export function counterGrowthRate(
  series: readonly CounterPoint[],
  opts: { to: number; lookbackMs?: number; maxPoints?: number; minSpanMs?: number },
): GrowthRate | null {
  const from = opts.to - (opts.lookbackMs ?? GROWTH_DEFAULTS.growthLookbackMs);
  const pts = series.filter((p) => p.t >= from && p.t <= opts.to && p.value > 0n);
  if (pts.length < 3) return null;
  if (pts[pts.length - 1]!.t - pts[0]!.t < (opts.minSpanMs ?? GROWTH_DEFAULTS.growthMinSpanMs)) return null;
  const t0 = pts[0]!.t;
  const xs = pts.map((p) => (p.t - t0) / MS_PER_DAY);
  const ys = pts.map((p) => Math.log(Number(p.value)));
  return toGrowthRate(theilSen(xs, ys, { maxPoints: opts.maxPoints }));
}

/**
 * Exponential growth rate of the velocity: Theil–Sen slope of ln v against t (days, bin centres) where v are the
 * hourly rebinned velocities (bins coarsened when rounding makes hourly increments uninformative, see
 * `rateSeries`) over [to − lookback, to], positive velocities only. Doubling time when k > 0, halving time when
 * k < 0. Requires ≥ 3 positive bins.
 */
export function velocityGrowthRate(
  series: readonly CounterPoint[],
  opts: { to: number; lookbackMs?: number; binMs?: number; maxBins?: number; maxPoints?: number; minSteps?: number; minSpanMs?: number },
): GrowthRate | null {
  const from = opts.to - (opts.lookbackMs ?? GROWTH_DEFAULTS.growthLookbackMs);
  const first = series.find((p) => p.t >= from);
  if (!first || opts.to - first.t < (opts.minSpanMs ?? GROWTH_DEFAULTS.growthMinSpanMs)) return null;
  const rs = rateSeries(series, from, opts.to, {
    baseBinMs: opts.binMs ?? GROWTH_DEFAULTS.velocityBinMs,
    maxBins: opts.maxBins ?? GROWTH_DEFAULTS.velocityMaxBins,
    minSteps: opts.minSteps,
  });
  if (rs === null) return null;
  const pos = rs.bins.filter((b) => b.velocityPerHour > 0);
  if (pos.length < 3) return null;
  const t0 = pos[0]!.start;
  const xs = pos.map((b) => (b.start + b.end - 2 * t0) / 2 / MS_PER_DAY);
  const ys = pos.map((b) => Math.log(b.velocityPerHour));
  return toGrowthRate(theilSen(xs, ys, { maxPoints: opts.maxPoints }));
}

/**
 * Acceleration (counts per hour²): finite difference of the last two windowed velocities,
 * (v(now) − v(previous)) / (distance between the two window midpoints in hours). The windows are the given ones
 * (typically the 24 h window ending at the latest sample and the one ending 24 h earlier). Null if either is null.
 */
export function accelerationPerHour2(now: WindowVelocity | null, prev: WindowVelocity | null): number | null {
  if (now === null || prev === null) return null;
  const dtHours = ((now.from + now.to) / 2 - (prev.from + prev.to) / 2) / MS_PER_HOUR;
  if (!(dtHours > 0)) return null;
  return (now.velocityPerHour - prev.velocityPerHour) / dtHours;
}

/** Result of `robustZ`. */
export interface RobustZ {
  z: number;
  median: number;
  /** Unscaled MAD of the baseline. */
  mad: number;
  /** The denominator used (1.4826·MAD, or the documented fallback when MAD = 0). */
  scale: number;
  /** Which rule produced `scale`. */
  scaleRule: 'mad' | 'meanAbsDev' | 'epsilon';
  baselineSize: number;
}

/**
 * Robust z-score (growth-methods.md §4.4): z = (x − median_B) / s with s = max(1.4826·MAD_B, floor).
 *
 * MAD = 0 → 1.253314·meanAbsDev_B (Iglewicz–Hoaglin). The floor is always applied: max(relEps·|median_B| (a relative
 * noise floor: changes below 1 % of the typical velocity are noise), stepFloor (the rounding uncertainty of one
 * velocity), absEps). Without it a near-constant baseline gives |z| in the thousands for a 0.01 % wobble. Null if
 * the baseline has fewer than `minBaseline` finite values.
 */
export function robustZ(
  x: number,
  baseline: readonly number[],
  opts: {
    minBaseline?: number;
    relativeEpsilon?: number;
    absoluteEpsilon?: number;
    madScale?: number;
    meanAbsDevScale?: number;
    /** Scale floor from the rounding step (same unit as x): the rounding uncertainty of one velocity. */
    stepFloor?: number;
  } = {},
): RobustZ | null {
  const b = baseline.filter((v) => Number.isFinite(v));
  if (!Number.isFinite(x) || b.length < (opts.minBaseline ?? GROWTH_DEFAULTS.zMinBaselineDays) || b.length === 0)
    return null;
  const med = median(b);
  const dev = b.map((v) => Math.abs(v - med));
  const madRaw = median(dev);
  let scale = (opts.madScale ?? MAD_SCALE) * madRaw;
  let scaleRule: RobustZ['scaleRule'] = 'mad';
  if (!(scale > 0)) {
    scale = (opts.meanAbsDevScale ?? MEAN_AD_SCALE) * (dev.reduce((s, v) => s + v, 0) / dev.length);
    scaleRule = 'meanAbsDev';
  }
  const relFloor = (opts.relativeEpsilon ?? GROWTH_DEFAULTS.zRelativeEpsilon) * Math.abs(med);
  const floor = Math.max(relFloor, opts.stepFloor ?? 0, opts.absoluteEpsilon ?? GROWTH_DEFAULTS.zAbsoluteEpsilon);
  if (!(scale >= floor)) {
    scale = floor;
    scaleRule = 'epsilon';
  }
  return { z: (x - med) / scale, median: med, mad: madRaw, scale, scaleRule, baselineSize: b.length };
}

/**
 * Daily velocities (per hour) of the `days` full 24 h windows preceding the latest one:
 * [to − (k+1)·24h, to − k·24h] for k = 1..days, fixed windows (no widening), skipping uncovered days.
 */
export function dailyVelocityBaseline(series: readonly CounterPoint[], opts: { to: number; days: number }): number[] {
  const out: number[] = [];
  for (let k = 1; k <= opts.days; k++) {
    const d = deltaBetween(series, opts.to - (k + 1) * MS_PER_DAY, opts.to - k * MS_PER_DAY);
    if (d !== null) out.push(d.delta / 24);
  }
  return out;
}

/**
 * Robust z-score of the latest 24 h velocity (fixed window [to − 24h, to]) against the baseline of the previous
 * `baselineDays` daily velocities (see `dailyVelocityBaseline`, `robustZ`). Null if the latest window is not
 * covered or fewer than `minBaselineDays` baseline days are covered.
 */
export function latestZScore(
  series: readonly CounterPoint[],
  opts: {
    to: number;
    baselineDays?: number;
    minBaselineDays?: number;
    relativeEpsilon?: number;
    absoluteEpsilon?: number;
    madScale?: number;
    meanAbsDevScale?: number;
  },
): RobustZ | null {
  const latest = windowVelocity(series, { to: opts.to, windowMs: MS_PER_DAY, widen: false });
  if (latest === null) return null;
  const baseline = dailyVelocityBaseline(series, { to: opts.to, days: opts.baselineDays ?? GROWTH_DEFAULTS.zBaselineDays });
  return robustZ(latest.velocityPerHour, baseline, {
    minBaseline: opts.minBaselineDays ?? GROWTH_DEFAULTS.zMinBaselineDays,
    relativeEpsilon: opts.relativeEpsilon,
    absoluteEpsilon: opts.absoluteEpsilon,
    madScale: opts.madScale,
    meanAbsDevScale: opts.meanAbsDevScale,
  });
}

/** Inputs of the breakout rule. */
export interface BreakoutInput {
  zScore: number | null;
  /** Growth % of the 24 h velocity vs the previous 24 h. */
  growthPct24h: number | null;
  /** The latest 24 h window (its delta and rounding step). */
  window24h: WindowVelocity | null;
}

/**
 * Breakout flag per `BREAKOUT_DEFINITION`: z ≥ 3.5 AND 24 h velocity growth ≥ +50 % AND 24 h change >
 * 2 rounding steps. Null when any input is unknown (undetermined, not "no breakout").
 */
export function isBreakout(
  input: BreakoutInput,
  def: { minZScore: number; minVelocityGrowthPct: number; minChangeInSteps: number } = BREAKOUT_DEFINITION,
): boolean | null {
  const { zScore, growthPct24h, window24h } = input;
  if (zScore === null || growthPct24h === null || window24h === null) return null;
  const stepsOk = window24h.delta > def.minChangeInSteps * Number(window24h.step);
  return zScore >= def.minZScore && growthPct24h >= def.minVelocityGrowthPct && stepsOk;
}
