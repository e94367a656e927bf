/**
 * Cleaning of sampled cumulative counters: ordering, de-duplication, glitch and revision classification,
 * the monotone adjusted series and sampling-gap detection.
 *
 * Method reference: docs/analytics.md §1 and growth-methods.md §5 ("Irregular sampling, counter resets and
 * downward revisions").
 */
import type {
  AdjustedPoint,
  CleanSeries,
  Gap,
  Glitch,
  Precision,
  RevisionEvent,
  SeriesPoint,
} from './types.ts';
import { MS_PER_HOUR, bigMax, lowerBound, median, medianInPlace, sortedInsert, sortedRemove, toIso } from './math.ts';

/** Tunables of `cleanSeries`. */
export interface CleanOptions {
  /** Minimum Δt (ms) for a sampling gap, whatever the spacing. Default 0 (the median rule alone). */
  gapMinMs?: number;
  /** A gap is Δt > gapMedianFactor × median Δt (and > gapMinMs, and > gapMedianFactor × cadenceMs). Default 2. */
  gapMedianFactor?: number;
  /** Sampling cadence of a tracked tag (ms): late samples are not gaps, so the threshold is ≥ factor × cadence. */
  cadenceMs?: number;
  /** A fixed gap threshold (ms) that replaces the median rule (the hourly-bin metrics compute theirs from the bins). */
  gapThresholdMs?: number;
  /** A shift that returns to the previous trend within this many samples… Default 5. */
  glitchMaxRunPoints?: number;
  /** …or within this time (ms) is a transient glitch (dip or spike). Default 24 h. Otherwise it is a revision. */
  glitchMaxRunMs?: number;
  /** A change is a level shift when it departs from the local motion by more than this many times that motion. Default 20. */
  shiftMotionFactor?: number;
  /** …and by more than this fraction of the level. Default 0.005 (0.5 %). */
  shiftMinRelative?: number;
  /** Samples on each side whose rates give the local motion. Default 12. */
  shiftNeighbours?: number;
  /** A drop of more than this fraction of the level in one sampling interval is always a shift. Default 0.1. */
  shiftDropRelative?: number;
}

/** Default cleaning parameters (cited in every report's `method.parameters`). */
export const CLEAN_DEFAULTS = {
  gapMinMs: 0,
  gapMedianFactor: 2,
  glitchMaxRunPoints: 5,
  glitchMaxRunMs: 24 * MS_PER_HOUR,
  shiftMotionFactor: 20,
  shiftMinRelative: 0.005,
  shiftNeighbours: 12,
  shiftDropRelative: 0.1,
} as const;

const PRECISION_RANK: Record<Precision, number> = { exact: 0, rounded: 1, lower_bound: 2 };

/**
 * Preference order for points that share a timestamp (negative = `a` is preferred).
 * Total order, so the choice never depends on input order: exact before rounded before lower_bound, then the
 * larger value, then the smaller step, then the lexicographically smaller source (absent source last).
 */
export function comparePreference(a: SeriesPoint, b: SeriesPoint): number {
  const pr = PRECISION_RANK[a.precision] - PRECISION_RANK[b.precision];
  if (pr !== 0) return pr;
  if (a.value !== b.value) return a.value > b.value ? -1 : 1;
  if (a.step !== b.step) return a.step < b.step ? -1 : 1;
  const sa = a.source;
  const sb = b.source;
  if (sa === sb) return 0;
  if (sa === undefined) return 1;
  if (sb === undefined) return -1;
  return sa < sb ? -1 : 1;
}

/** Whether the points' times are finite and strictly increasing: then `sortAndDedupe` gives a copy of them. */
export function isStrictlyIncreasing(points: readonly SeriesPoint[]): boolean {
  let prevT = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points.length; i++) {
    const t = points[i]!.t;
    if (!Number.isFinite(t) || !(t > prevT)) return false;
    prevT = t;
  }
  return true;
}

/**
 * Sort points by time and keep one point per timestamp (the preferred one by `comparePreference`).
 * Points with a non-finite time are dropped. Input order never matters.
 */
export function sortAndDedupe(points: readonly SeriesPoint[]): SeriesPoint[] {
  // Input already in strictly increasing finite time (what the store's readers and binReadings give): the filter keeps
  // every point, the sort has one possible order (no equal times for comparePreference to break) and nothing is a
  // duplicate, so the answer is a copy of the input. One pass instead of filter, sort and dedupe
  // (tests/unit/analytics/clean-equivalence.test.ts pins it against the general path).
  if (isStrictlyIncreasing(points)) return points.slice();
  const sorted = points
    .filter((p) => Number.isFinite(p.t))
    .slice()
    .sort((a, b) => a.t - b.t || comparePreference(a, b));
  const out: SeriesPoint[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || last.t !== p.t) out.push(p);
  }
  return out;
}

/**
 * "Future running minimum" C_adj(t_i) = min_{j ≥ i} C(t_j): the smallest monotone non-decreasing series that
 * never exceeds the data; it pushes a downward revision back onto the earlier increments
 * (growth-methods.md §5, item 3).
 */
export function futureRunningMin(values: readonly bigint[]): bigint[] {
  const out = new Array<bigint>(values.length);
  let run: bigint | undefined;
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!;
    run = run === undefined || v < run ? v : run;
    out[i] = run;
  }
  return out;
}

/**
 * Sampling-gap detection. The typical interval is the median Δt of consecutive sample times; a gap is any
 * Δt > max(gapMedianFactor × median, gapMedianFactor × cadenceMs, gapMinMs). Nothing is interpolated across a gap.
 *
 * @param times strictly increasing epoch-ms times of usable samples
 */
export function detectGaps(
  times: readonly number[],
  opts: CleanOptions = {},
): { gaps: Gap[]; medianIntervalMs: number | null; thresholdMs: number | null; gapAfter: boolean[] } {
  const gapAfter = times.map(() => false);
  if (times.length < 2) return { gaps: [], medianIntervalMs: null, thresholdMs: null, gapAfter };
  const dts: number[] = [];
  for (let i = 1; i < times.length; i++) dts.push(times[i]! - times[i - 1]!);
  const med = median(dts);
  const factor = opts.gapMedianFactor ?? CLEAN_DEFAULTS.gapMedianFactor;
  const threshold = opts.gapThresholdMs ?? Math.max(factor * med, factor * (opts.cadenceMs ?? 0), opts.gapMinMs ?? CLEAN_DEFAULTS.gapMinMs);
  const gaps: Gap[] = [];
  for (let i = 1; i < times.length; i++) {
    if (dts[i - 1]! > threshold) {
      gaps.push({ from: toIso(times[i - 1]!), to: toIso(times[i]!) });
      gapAfter[i - 1] = true;
    }
  }
  return { gaps, medianIntervalMs: med, thresholdMs: threshold, gapAfter };
}

/** Neighbouring intervals needed before a rise (or a small drop) can be called a level shift. */
const MIN_MOTION_INTERVALS = 4;

/**
 * Local motion of the counter around interval i (the interval from sample i−1 to sample i): the median rate
 * (counts/ms) of the neighbouring intervals (i itself excluded) and the median absolute rate. Medians, so a few
 * glitches or shifts nearby do not move them.
 */
export function localMotion(t: readonly number[], v: readonly number[], i: number, k: number): { rate: number; absRate: number; n: number } {
  // The rates and their absolute values go straight into two scratch buffers, in the order the former arrays had
  // them, so medianInPlace sees the same values in the same order (the same result, bit for bit) without the four
  // allocations per sample this did before (it runs once per sample of every cleaned series).
  if (rateScratch.length < 2 * k) {
    rateScratch = new Float64Array(2 * k);
    absScratch = new Float64Array(2 * k);
  }
  let n = 0;
  for (let j = Math.max(1, i - k); j <= Math.min(t.length - 1, i + k); j++) {
    if (j === i) continue;
    const dt = t[j]! - t[j - 1]!;
    if (dt > 0) {
      const r = (v[j]! - v[j - 1]!) / dt;
      rateScratch[n] = r;
      absScratch[n] = Math.abs(r);
      n++;
    }
  }
  if (n === 0) return { rate: 0, absRate: 0, n: 0 };
  return { rate: medianInPlace(rateScratch.subarray(0, n)), absRate: medianInPlace(absScratch.subarray(0, n)), n };
}
let rateScratch = new Float64Array(16);
let absScratch = new Float64Array(16);

/** `localMotion` of every interval i = 1..n−1 at once (index i of each array; index 0 unused). */
interface Motions {
  rate: Float64Array;
  absRate: Float64Array;
  n: Int32Array;
}

/**
 * Replace one x (present) by y in the sorted s[0..c): the values between the two positions move by one, instead of all
 * values after x moving down and all values after y moving up.
 */
function sortedReplace(s: Float64Array, c: number, x: number, y: number): void {
  if (x === y) return;
  const px = lowerBound(s, c, x);
  const q = lowerBound(s, c, y);
  if (y > x) {
    // s[px] = x < y: the values in between move down, y goes just below the first value ≥ y
    for (let r = px; r < q - 1; r++) s[r] = s[r + 1]!;
    s[q - 1] = y;
  } else {
    // y < x: q ≤ px; the values in between move up
    for (let r = px; r > q; r--) s[r] = s[r - 1]!;
    s[q] = y;
  }
}

/** The m-th smallest of the sorted s[0..c) without the value at index `skip` (skip ≥ c: nothing left out). */
const orderStat = (s: Float64Array, m: number, skip: number): number => (m < skip ? s[m]! : s[m + 1]!);

/** Median of the sorted s[0..c) without the value at `skip`, as `medianInPlace` computes it (count cw = c or c − 1). */
const medianSkipping = (s: Float64Array, cw: number, skip: number): number =>
  cw % 2 === 1 ? orderStat(s, cw >> 1, skip) : (orderStat(s, (cw >> 1) - 1, skip) + orderStat(s, cw >> 1, skip)) / 2;

/**
 * `localMotion(t, v, i, k)` for every i in one pass, for a whole number k ≥ 1. Two sorted windows (the rates and their
 * absolute values) hold the intervals max(1, i − k)..min(n − 1, i + k), interval i included; from i to i + 1 one
 * interval leaves and one enters, a single replacement in each window (binary search, then the values between the two
 * positions move by one). The median of interval i's neighbours leaves interval i's own value out by index: it is an
 * order statistic of the window without that value (any copy of an equal value: the same sorted numbers remain). A
 * median is an order statistic of the window's values (the mean of the two middle ones when their count is even, as
 * `medianInPlace` computes it, smaller one first), so it is the same number however it is found (rates are never −0:
 * equal values give +0, and a difference of distinct values is not 0);
 * tests/unit/analytics/clean-equivalence.test.ts checks them against `localMotion` and the old cleaning.
 */
export function localMotions(t: readonly number[], v: readonly number[], k: number): Motions {
  const n = t.length;
  const out: Motions = { rate: new Float64Array(n), absRate: new Float64Array(n), n: new Int32Array(n) };
  if (n < 2) return out;
  const rates = new Float64Array(n);
  const abs = new Float64Array(n);
  const ok = new Uint8Array(n);
  for (let j = 1; j < n; j++) {
    const dt = t[j]! - t[j - 1]!;
    if (dt > 0) {
      rates[j] = (v[j]! - v[j - 1]!) / dt;
      abs[j] = Math.abs(rates[j]!);
      ok[j] = 1;
    }
  }
  const sr = new Float64Array(2 * k + 2);
  const sa = new Float64Array(2 * k + 2);
  let c = 0;
  // the window of interval 1: intervals 1..1+k
  for (let j = 1; j <= Math.min(n - 1, 1 + k); j++) {
    if (!ok[j]) continue;
    sortedInsert(sr, c, rates[j]!);
    sortedInsert(sa, c, abs[j]!);
    c++;
  }
  for (let i = 1; i < n; i++) {
    if (i > 1) {
      const leaving = i - 1 - k; // leaves the window
      const entering = i + k; // enters it
      const outOk = leaving >= 1 && ok[leaving] === 1;
      const inOk = entering <= n - 1 && ok[entering] === 1;
      if (outOk && inOk) {
        sortedReplace(sr, c, rates[leaving]!, rates[entering]!);
        sortedReplace(sa, c, abs[leaving]!, abs[entering]!);
      } else if (outOk) {
        sortedRemove(sr, c, rates[leaving]!);
        sortedRemove(sa, c, abs[leaving]!);
        c--;
      } else if (inOk) {
        sortedInsert(sr, c, rates[entering]!);
        sortedInsert(sa, c, abs[entering]!);
        c++;
      }
    }
    // interval i's neighbours: the window without interval i itself
    const own = ok[i]!;
    const cw = c - own;
    out.n[i] = cw;
    if (cw > 0) {
      out.rate[i] = medianSkipping(sr, cw, own ? lowerBound(sr, c, rates[i]!) : c);
      out.absRate[i] = medianSkipping(sa, cw, own ? lowerBound(sa, c, abs[i]!) : c);
    }
  }
  return out;
}

/**
 * Clean a sampled cumulative counter.
 *
 * Method (growth-methods.md §5, "Recommended classification of drops", extended to shifts in both directions):
 *  1. sort by time and de-duplicate (see `sortAndDedupe`); `raw` keeps every remaining point;
 *  2. lower_bound points are kept in `raw` but excluded from velocity math;
 *  3. a zero (or negative) value is a glitch, i.e. missing, never a real zero;
 *  4. the change e = (C_i − C_{i−1}) − m·Δt beyond the local motion m (median rate of the `shiftNeighbours`
 *     intervals on each side) is a **level shift** when |e| > max(2·q, shiftMotionFactor·|m|·Δt,
 *     shiftMinRelative·C_{i−1}) with q the larger rounding step of the two samples, or when the counter drops by more
 *     than max(2·q, shiftDropRelative·C_{i−1}) in one interval (no counter shrinks 10 % between two samples). A
 *     shift is
 *     - a glitch ('dip' when down, 'spike' when up) if a later sample within `glitchMaxRunPoints` samples and
 *       `glitchMaxRunMs` lies closer to the old trend (median rate before the shift) than to the shifted one, or
 *       after a drop is back at the old level (a transient): those samples are missing;
 *     - otherwise one revision event {at, from: C_{i−1}, to: C_i};
 *  5. everything else is the counter's own motion, including small drops (display flicker, a shrinking counter);
 *  6. `adjusted` removes every revision's excess e from the points before it (earlier points are moved onto the
 *     latest level), so a revision invents no stall and no change of growth; points that would end ≤ 0 are left out;
 *  7. gaps from the usable sample times (see `detectGaps`); adjusted points after a gap carry `gap: true`.
 *
 * A shift in the last samples cannot yet be told from a transient; it is reported as a revision until later samples
 * show a return to trend (report results are "as of" the data).
 *
 * `cleanSeriesClassified(points, opts, reuse)`: `reuse` is the classification (steps 3–6 after the zeros are set apart)
 * of an earlier call (of other points, e.g. the raw samples when these are their hourly bin readings); it is taken over
 * when this call's usable, non-zero readings are the same readings — time, value, step and exactness, point by point —
 * under the same classification options: the classification reads nothing else of them, so it is the same answer
 * without computing it again (tests/unit/analytics/clean-reuse.test.ts, report-golden.test.ts). Anything else (other
 * readings, other options) is classified afresh. The gaps (step 7) are always this call's own.
 *
 * Pure; O(n·k) for k neighbours.
 */
export function cleanSeries(points: readonly SeriesPoint[], opts: CleanOptions = {}): CleanSeries {
  return cleanSeriesClassified(points, opts).clean;
}

/**
 * `cleanSeries`, and the classification it made (`CleanClassification`), for a later call of the same readings to take
 * over (`reuse`, see `cleanSeries`). Passed by hand rather than kept beside the result (a WeakMap from results to
 * classifications made every collection of a busy server trace its entries).
 */
export function cleanSeriesClassified(points: readonly SeriesPoint[], opts: CleanOptions = {}, reuse?: CleanClassification): { clean: CleanSeries; classification: CleanClassification } {
  const raw = sortAndDedupe(points);
  const usable = raw.filter((p) => p.precision !== 'lower_bound');
  const glitches: Glitch[] = [];

  const nonZero = usable.filter((p) => {
    if (p.value > 0n) return true;
    glitches.push({ at: toIso(p.t), value: p.value.toString(), reason: 'zero' });
    return false;
  });

  const classOpts = classificationOptions(opts);
  const prior = reuse;
  let c: CleanClassification;
  if (prior !== undefined && sameClassificationInput(prior, nonZero, classOpts)) {
    // the same usable readings (time, value, step, exact or not) under the same options: the same classification
    // (fresh copies of its objects, so the two results share nothing a caller could change)
    c = {
      nonZero,
      options: classOpts,
      kept: prior.kept.map((p) => ({ ...p })),
      glitches: prior.glitches.map((g) => ({ ...g })),
      revisions: prior.revisions.map((r) => ({ ...r })),
    };
  } else c = classify(nonZero, classOpts);
  for (const g of c.glitches) glitches.push(g);
  const kept = c.kept;

  glitches.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const { gaps, medianIntervalMs, gapAfter } = detectGaps(
    kept.map((p) => p.t),
    opts,
  );
  const adjusted: AdjustedPoint[] = kept.map((p, i) => (i > 0 && gapAfter[i - 1] ? { ...p, gap: true } : p));
  return { clean: { raw, adjusted, glitches, revisions: c.revisions, gaps, medianIntervalMs }, classification: c };
}

/** The options that steer the classification (steps 3–6 of `cleanSeries`), resolved to their values. */
export interface ClassificationOptions {
  maxRunPoints: number;
  maxRunMs: number;
  factor: number;
  minRel: number;
  k: number;
  dropRel: number;
}

function classificationOptions(opts: CleanOptions): ClassificationOptions {
  return {
    maxRunPoints: opts.glitchMaxRunPoints ?? CLEAN_DEFAULTS.glitchMaxRunPoints,
    maxRunMs: opts.glitchMaxRunMs ?? CLEAN_DEFAULTS.glitchMaxRunMs,
    factor: opts.shiftMotionFactor ?? CLEAN_DEFAULTS.shiftMotionFactor,
    minRel: opts.shiftMinRelative ?? CLEAN_DEFAULTS.shiftMinRelative,
    k: opts.shiftNeighbours ?? CLEAN_DEFAULTS.shiftNeighbours,
    dropRel: opts.shiftDropRelative ?? CLEAN_DEFAULTS.shiftDropRelative,
  };
}

/**
 * The classification of one series' usable, non-zero readings (`nonZero`, in time order) under `options`: the points
 * kept (adjusted, before the gap flags), the dips and spikes (in the order found) and the revisions. It reads of each
 * reading only its time, value, step and whether it is exact, and of the options only `ClassificationOptions`.
 */
export interface CleanClassification {
  readonly nonZero: readonly SeriesPoint[];
  readonly options: ClassificationOptions;
  readonly kept: AdjustedPoint[];
  readonly glitches: Glitch[];
  readonly revisions: RevisionEvent[];
}

/**
 * Whether `nonZero` under `options` is the input `c` was classified from: every reading's time, value, step and
 * exactness (all the classification reads of a reading) and every option equal. Then the classification is the same,
 * field for field: it is a pure function of exactly those (`classify`).
 */
function sameClassificationInput(c: CleanClassification, nonZero: readonly SeriesPoint[], options: ClassificationOptions): boolean {
  const o = c.options;
  if (!(Object.is(o.maxRunPoints, options.maxRunPoints) && Object.is(o.maxRunMs, options.maxRunMs) && Object.is(o.factor, options.factor) && Object.is(o.minRel, options.minRel) && Object.is(o.k, options.k) && Object.is(o.dropRel, options.dropRel))) return false;
  const a = c.nonZero;
  if (a.length !== nonZero.length) return false;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!;
    const q = nonZero[i]!;
    if (!Object.is(p.t, q.t) || p.value !== q.value || p.step !== q.step || (p.precision === 'exact') !== (q.precision === 'exact')) return false;
  }
  return true;
}

/** Steps 4–6 of `cleanSeries` on its usable, non-zero readings. */
function classify(nonZero: readonly SeriesPoint[], options: ClassificationOptions): CleanClassification {
  const glitches: Glitch[] = [];
  const revisions: RevisionEvent[] = [];
  const { maxRunPoints, maxRunMs, factor, minRel, k, dropRel } = options;
  const ts = nonZero.map((p) => p.t);
  const vs = nonZero.map((p) => Number(p.value));

  // every interval's local motion in one pass when k is a whole number (always, with the defaults); else per call
  const motions = Number.isInteger(k) && k >= 1 ? localMotions(ts, vs, k) : null;

  const isShift = (a: number, b: number): { e: number; m: number } | null => {
    const pa = nonZero[a]!;
    const pb = nonZero[b]!;
    const dt = pb.t - pa.t;
    const at = b === a + 1 ? b : a + 1;
    const one = motions ? null : localMotion(ts, vs, at, k);
    const rate = motions ? motions.rate[at]! : one!.rate;
    const absRate = motions ? motions.absRate[at]! : one!.absRate;
    const n = motions ? motions.n[at]! : one!.n;
    // vs holds Number(value); below 2^53 both values are exact there and so is their float difference, which is then
    // Number of the bigint difference (the bigint path stays for larger counters)
    const va = vs[a]!;
    const vb = vs[b]!;
    const safe = va <= Number.MAX_SAFE_INTEGER && vb <= Number.MAX_SAFE_INTEGER;
    const e = (safe ? vb - va : Number(pb.value - pa.value)) - rate * dt;
    const q = pa.step === 0n && pb.step === 0n ? 0 : Number(bigMax(pa.step, pb.step));
    const limit = Math.max(2 * q, factor * absRate * dt, minRel * va);
    const bigDrop = (safe ? va - vb : Number(pa.value - pb.value)) > Math.max(2 * q, dropRel * va);
    // without a few neighbouring intervals there is no motion to depart from: only impossible drops count then
    return (n >= MIN_MOTION_INTERVALS && Math.abs(e) > limit) || bigDrop ? { e, m: rate } : null;
  };

  /** Median rate of up to k intervals ending at sample `prev` (the trend before a shift, not contaminated by it). */
  const rateBefore = (prev: number): number => {
    const rates: number[] = [];
    for (let j = Math.max(1, prev - k + 1); j <= prev; j++) {
      const dt = ts[j]! - ts[j - 1]!;
      if (dt > 0) rates.push((vs[j]! - vs[j - 1]!) / dt);
    }
    return rates.length ? median(rates) : 0;
  };

  /**
   * Index of the first sample after i that is back on the old trend of sample `prev` (closer to it than to the
   * shifted trend, or, after a drop, back at the old level within the rounding step), within both run limits
   * (≤ glitchMaxRunPoints samples and ≤ glitchMaxRunMs after the shift), or -1.
   */
  const returnsTo = (prev: number, i: number, down: boolean): number => {
    const p0 = nonZero[prev]!;
    const pi = nonZero[i]!;
    const m = rateBefore(prev);
    for (let j = i + 1; j < nonZero.length; j++) {
      const q = nonZero[j]!;
      if (j - i > maxRunPoints || q.t - pi.t > maxRunMs) return -1;
      const oldTrend = Number(p0.value) + m * (q.t - p0.t);
      const newTrend = Number(pi.value) + m * (q.t - pi.t);
      if (Math.abs(Number(q.value) - oldTrend) < Math.abs(Number(q.value) - newTrend)) return j;
      if (down && q.value + bigMax(p0.step, q.step) >= p0.value) return j;
    }
    return -1;
  };

  const accepted: number[] = [];
  /** Excess e of each revision, by accepted index of its first sample. */
  const shifts: { at: number; e: number }[] = [];
  for (let i = 0; i < nonZero.length; ) {
    const prev = accepted[accepted.length - 1];
    if (prev === undefined) {
      accepted.push(i++);
      continue;
    }
    const s = isShift(prev, i);
    if (s === null) {
      accepted.push(i++);
      continue;
    }
    const back = returnsTo(prev, i, s.e < 0);
    if (back > 0) {
      for (let j = i; j < back; j++) glitches.push({ at: toIso(nonZero[j]!.t), value: nonZero[j]!.value.toString(), reason: s.e < 0 ? 'dip' : 'spike' });
      i = back;
      continue;
    }
    revisions.push({ at: toIso(nonZero[i]!.t), from: nonZero[prev]!.value.toString(), to: nonZero[i]!.value.toString() });
    shifts.push({ at: accepted.length, e: s.e });
    accepted.push(i++);
  }

  // Remove each revision's excess from the points before it (cumulative from the latest revision backwards).
  const correction = new Array<bigint>(accepted.length).fill(0n);
  let run = 0n;
  let si = shifts.length - 1;
  for (let a = accepted.length - 1; a >= 0; a--) {
    correction[a] = run;
    while (si >= 0 && shifts[si]!.at === a) {
      run += BigInt(Math.round(shifts[si]!.e));
      si--;
    }
  }
  const kept: AdjustedPoint[] = [];
  accepted.forEach((idx, a) => {
    const p = nonZero[idx]!;
    const corr = correction[a]!;
    const value = corr === 0n ? p.value : p.value + corr;
    if (value <= 0n) return;
    kept.push({ t: p.t, value, step: p.step, raw: p.value, precision: p.precision === 'exact' ? 'exact' : 'rounded' });
  });

  return { nonZero, options, kept, glitches, revisions };
}
