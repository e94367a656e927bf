/**
 * One definition per metric: velocity, growth %, growth rates, doubling/halving times, robust z and breakout, all
 * computed here and only here, on **hourly bins** — the first and the last reading of every UTC hour. That is exactly
 * what the hourly rollup keeps (argMin/argMax of the value per bucket), so the report (raw rows binned in TypeScript),
 * the overview, the leaderboard (rollup rows), compare and alerts all feed the same bins to the same function.
 *
 * Why bins: a fit over every sample lets a few minutes of 15-second samples outweigh days of history; with at most
 * two readings per hour, adding 100 samples in the last 10 minutes cannot move a growth rate. Why the first reading
 * too: the counter at an hour boundary is interpolated between the last reading before it and the first after it,
 * so every metric "as of" time `at` uses only complete hours plus the first reading of the current hour — results
 * are stable within the hour and computable from rollups.
 *
 * Method reference: docs/analytics.md §3 (definitions), growth-methods.md §4.3–§4.4, §5.
 */
import type { CleanSeries, CounterPoint, SeriesPoint } from './types.ts';
import { MS_PER_DAY, MS_PER_HOUR, median, toIso } from './math.ts';
import { cleanSeriesClassified, isStrictlyIncreasing, sortAndDedupe, type CleanClassification } from './clean.ts';
import { counterAt, locate, rateKnots, type CounterAt } from './velocity.ts';
import { BREAKOUT_DEFINITION, GROWTH_DEFAULTS, MAD_SCALE, MEAN_AD_SCALE, robustZ, theilSenCI } from './growth.ts';
import { RATE_BIN_LADDER_MS } from './velocity.ts';

/** One UTC hour of readings: its first and last usable reading (lower bounds and zeros excluded, like the rollup). */
export interface HourBin {
  /** Bucket start (epoch ms, multiple of an hour). */
  start: number;
  firstAt: number;
  first: bigint;
  /** Rounding step of the first reading (0n when exact or unknown). */
  firstStep: bigint;
  lastAt: number;
  last: bigint;
  lastStep: bigint;
}

/** Hourly bins as the bins queries return them: one array per field (overview from raw rows, leaderboard from the rollup). */
export interface HourBinColumns {
  starts: number[];
  first_times: number[];
  first_values: string[];
  first_steps: string[];
  last_times: number[];
  last_values: string[];
  last_steps: string[];
}

/** The bins of one query row: every reader of hourly bins goes through this, so they feed `computeMetrics` alike. */
export function binsFromColumns(r: HourBinColumns): HourBin[] {
  return r.starts.map((start, i) => ({
    start,
    firstAt: r.first_times[i]!,
    first: BigInt(r.first_values[i]!),
    firstStep: BigInt(r.first_steps[i]!),
    lastAt: r.last_times[i]!,
    last: BigInt(r.last_values[i]!),
    lastStep: BigInt(r.last_steps[i]!),
  }));
}

/** Parameters of the metric definitions (echoed in every report's `method.parameters`). */
export const METRIC_DEFAULTS = {
  /** A window's value is null when sampling (outside gaps) covers less than this fraction of it. */
  minCoverage: 0.75,
  /** A change is informative once it is ≥ this many rounding steps (growth-methods.md §5). */
  roundingMinSteps: 2,
  /** Gap threshold = gapFactor × max(median interval between consecutive hourly bins, cadence). */
  gapFactor: 2,
  /** Look-back of the growth-rate fits (so the fitted rate is the average over the last 7 days). */
  growthLookbackMs: 7 * MS_PER_DAY,
  /** A growth rate needs its points to span at least this long. */
  growthMinSpanMs: 6 * MS_PER_HOUR,
  /** Two-sided level of every interval on a fitted rate. */
  confidence: 0.95,
};

/** Bin raw points into hourly first/last readings (the rollup's view of the data). Points after `atMs` are ignored. */
export function binHourly(points: readonly SeriesPoint[], atMs?: number): HourBin[] {
  // input already in strictly increasing time (the store's readers): sortAndDedupe would return a copy of it, so it is
  // read as it is (the same points in the same order, one copy fewer)
  const ordered = isStrictlyIncreasing(points) ? points : sortAndDedupe(points);
  const out: HourBin[] = [];
  for (const p of ordered) {
    if (!(p.precision !== 'lower_bound' && p.value > 0n && (atMs === undefined || p.t <= atMs))) continue;
    const start = Math.floor(p.t / MS_PER_HOUR) * MS_PER_HOUR;
    const b = out[out.length - 1];
    if (b !== undefined && b.start === start) {
      b.lastAt = p.t;
      b.last = p.value;
      b.lastStep = p.step;
    } else out.push({ start, firstAt: p.t, first: p.value, firstStep: p.step, lastAt: p.t, last: p.value, lastStep: p.step });
  }
  return out;
}

/**
 * The readings the metrics use as of `atMs`: first and last reading of every hour before the hour of `atMs`, and the
 * first reading of that hour (when it is ≤ atMs). Later readings of the current hour only matter once the hour is
 * complete.
 */
export function binReadings(bins: readonly HourBin[], atMs: number): SeriesPoint[] {
  const h = Math.floor(atMs / MS_PER_HOUR) * MS_PER_HOUR;
  const out: SeriesPoint[] = [];
  const push = (t: number, value: bigint, step: bigint) => out.push({ t, value, step, precision: step > 0n ? 'rounded' : 'exact' });
  // bins from binHourly are already in increasing start order, which the (stable) sort would keep: no sorted copy then
  let sorted = true;
  for (let i = 1; i < bins.length && sorted; i++) sorted = bins[i]!.start >= bins[i - 1]!.start;
  for (const b of sorted ? bins : [...bins].sort((x, y) => x.start - y.start)) {
    if (b.start > h || b.firstAt > atMs) continue;
    push(b.firstAt, b.first, b.firstStep);
    if (b.start < h && b.lastAt > b.firstAt) push(b.lastAt, b.last, b.lastStep);
  }
  return out;
}

/** Gap threshold of hourly bins: gapFactor × max(median interval between consecutive bins' last readings, cadence). */
export function binGapThresholdMs(bins: readonly HourBin[], cadenceMs = 0, factor = METRIC_DEFAULTS.gapFactor): number {
  const dts: number[] = [];
  for (let i = 1; i < bins.length; i++) dts.push(bins[i]!.lastAt - bins[i - 1]!.lastAt);
  const med = dts.length ? median(dts) : MS_PER_HOUR;
  return factor * Math.max(med, MS_PER_HOUR, cadenceMs);
}

/** Options of `binClean` / `binCounter`. */
export interface BinCleanOptions {
  cadenceMs?: number;
  glitchMaxRunPoints?: number;
  glitchMaxRunMs?: number;
  /**
   * The classification of the raw points these bins were made of (the report's `cleanSeriesClassified`): taken over when
   * the bin readings are the same readings (checked point by point), else ignored. Never changes a result.
   */
  reuseClean?: CleanClassification;
}

/**
 * The cleaned bin readings as of `atMs` (Infinity: every complete bin), cleaned with the bin gap threshold
 * (`binGapThresholdMs`): `binCounter`'s `clean`, for callers that need no rate knots (compareSeries).
 */
export function binClean(bins: readonly HourBin[], atMs: number, opts: BinCleanOptions = {}): CleanSeries {
  return cleanSeriesClassified(binReadings(bins, atMs), {
    // every bin as of atMs (Infinity: all of them, without a filtered copy)
    gapThresholdMs: binGapThresholdMs(bins.every((b) => b.firstAt <= atMs) ? bins : bins.filter((b) => b.firstAt <= atMs), opts.cadenceMs ?? 0),
    ...(opts.glitchMaxRunPoints !== undefined ? { glitchMaxRunPoints: opts.glitchMaxRunPoints } : {}),
    ...(opts.glitchMaxRunMs !== undefined ? { glitchMaxRunMs: opts.glitchMaxRunMs } : {}),
  }, opts.reuseClean).clean;
}

/**
 * The cleaned counter the metrics interpolate, from hourly bins as of `atMs` (Infinity: every complete bin): bin
 * readings cleaned with the bin gap threshold (`binGapThresholdMs`). `counter` is the threshold-crossing knot series
 * for rounded data (`rateKnots`), else the adjusted readings.
 */
export function binCounter(bins: readonly HourBin[], atMs: number, opts: BinCleanOptions = {}): { clean: CleanSeries; counter: CounterPoint[] } {
  const clean = binClean(bins, atMs, opts);
  const knots = rateKnots(clean.adjusted);
  // a display figure that never changed has no threshold crossing: the readings themselves bound the counter
  return { clean, counter: knots.length >= 2 ? knots : clean.adjusted.slice() };
}

/** One velocity window and its growth vs the window before. */
export interface WindowMetric {
  /** Window label ("1h", "24h", "7d"). */
  window: string;
  windowMs: number;
  /** Start and end actually used (ISO); the start is earlier than to − W when widened for rounding. */
  from: string | null;
  to: string | null;
  /** Counter change over [from, to] (signed decimal string). */
  delta: string | null;
  /** Mean velocity per hour over [from, to]; null when unknowable (see `coverage`, rounding). */
  velocityPerHour: number | null;
  /** Interval of the velocity (rounding, and for interpolated windows the monotone bound); null when unbounded. */
  velocityPerHourLow: number | null;
  velocityPerHourHigh: number | null;
  /** Share of the nominal window [to − W, to] covered by sampling intervals that are not gaps (0–1). */
  coverage: number | null;
  /** The window lies inside one sampling interval: its velocity is interpolated, not measured. */
  interpolated: boolean;
  /** The start moved back because the change was below `roundingMinSteps` rounding steps. */
  widened: boolean;
  /** Velocity over the fixed window [to − W, to] and over the window before it, [to − 2W, to − W] (null when unknowable). */
  fixedVelocityPerHour: number | null;
  previousVelocityPerHour: number | null;
  /** Growth of the velocity over [to − W, to] vs [to − 2W, to − W], percent, with its interval (null = unbounded). */
  growthPct: number | null;
  growthPctLow: number | null;
  growthPctHigh: number | null;
}

/** An exponential growth rate with Sen's interval and the derived doubling/halving times. */
export interface RateFit {
  /** k per day (continuous rate). */
  ratePerDay: number;
  ratePerDayLow: number;
  ratePerDayHigh: number;
  /** ln2/k when k > 0, else null; Low/High from the interval of k (High null when k may be ≤ 0: unbounded). */
  doublingDays: number | null;
  doublingDaysLow: number | null;
  doublingDaysHigh: number | null;
  /** ln2/(−k) when k < 0, else null; Low/High likewise. */
  halvingDays: number | null;
  halvingDaysLow: number | null;
  halvingDaysHigh: number | null;
  n: number;
}

/** All metrics of one series as of a time. */
export interface Metrics {
  /** The hour boundary the windows end at (ISO), null without data. */
  asOf: string | null;
  windows: WindowMetric[];
  counterGrowth: RateFit | null;
  velocityGrowth: RateFit | null;
  acceleration: number | null;
  zScore: number | null;
  /** Daily velocities in the z baseline. */
  zBaselineDays: number;
  breakout: boolean | null;
  /** Cleaning of the bin readings (revisions, gaps, glitches seen at bin level). */
  clean: CleanSeries;
  /** Series the metrics interpolate (threshold-crossing knots for rounded data, else the adjusted readings). */
  counter: CounterPoint[];
}

/** Options of `computeMetrics`. */
export interface MetricOptions {
  /** As-of time (epoch ms). */
  atMs: number;
  /**
   * Fit the 7-day growth rates (counterGrowth, velocityGrowth: Theil–Sen with Sen's interval, most of the cost). false
   * leaves both null and changes nothing else (no other metric depends on them): a ranking over thousands of tags
   * computes the rest for all and the fits for the rows it shows. Default true.
   */
  fits?: boolean;
  /** Window lengths (ms, whole hours). Default 1 h, 24 h, 7 d. */
  windowsMs?: readonly number[];
  /** Sampling cadence of a tracked tag: late samples are not gaps. */
  cadenceMs?: number;
  minCoverage?: number;
  roundingMinSteps?: number;
  growthLookbackMs?: number;
  growthMinSpanMs?: number;
  confidence?: number;
  zBaselineDays?: number;
  zMinBaselineDays?: number;
  zRelativeFloor?: number;
  zAbsoluteEpsilon?: number;
  madScale?: number;
  meanAbsDevScale?: number;
  breakoutMinZScore?: number;
  breakoutMinVelocityGrowthPct?: number;
  breakoutMinChangeInSteps?: number;
  /** Cleaning overrides. */
  glitchMaxRunPoints?: number;
  glitchMaxRunMs?: number;
  /** See `BinCleanOptions.reuseClean` (the report passes the classification of its cleaning of the raw points). */
  reuseClean?: CleanClassification;
}

/** "1h", "24h", "7d". */
export function windowLabel(ms: number): string {
  if (ms % MS_PER_DAY === 0 && ms > MS_PER_DAY) return `${ms / MS_PER_DAY}d`;
  return `${Math.round(ms / MS_PER_HOUR)}h`;
}

const DEFAULT_WINDOWS = [MS_PER_HOUR, MS_PER_DAY, 7 * MS_PER_DAY];

interface Edge {
  t: number;
  c: CounterAt;
  /** The edge coincides with a reading. */
  atSample: boolean;
}

/** Context shared by the window computations. */
class Counter {
  readonly s: CounterPoint[];
  /** Revisions and the rounding step of the readings they were measured from (their excess is known to ±q). */
  readonly revs: { t: number; q: bigint }[];
  constructor(s: CounterPoint[], revs: { t: number; q: bigint }[] = []) {
    this.s = s;
    this.revs = revs;
  }
  /** Largest rounding step of a revision inside (a, b]: a window across it inherits that uncertainty. */
  revisionStep(a: number, b: number): bigint {
    let q = 0n;
    for (const r of this.revs) if (r.t > a && r.t <= b && r.q > q) q = r.q;
    return q;
  }
  at(t: number): Edge | null {
    const c = counterAt(this.s, t);
    if (c === null) return null;
    const i = locate(this.s, t);
    return { t, c, atSample: i >= 0 && this.s[i]!.t === t };
  }
  /** Share of [a, b] covered by sampling intervals that are not gaps. */
  coverage(a: number, b: number): number {
    let covered = 0;
    // only the intervals that can overlap (a, b): from the one ending after a (the samples' times increase) to the last
    // one starting before b; every interval left out would add nothing (hi ≤ lo), so the sum is the same, term by term
    const n = this.s.length;
    for (let i = Math.max(1, locate(this.s, a) + 1); i < n && this.s[i - 1]!.t < b; i++) {
      const p = this.s[i]!;
      if (p.gap) continue;
      const lo = Math.max(a, this.s[i - 1]!.t);
      const hi = Math.min(b, p.t);
      if (hi > lo) covered += hi - lo;
    }
    return b > a ? covered / (b - a) : 0;
  }
  /** Whether a reading lies strictly inside (a, b). */
  sampleInside(a: number, b: number): boolean {
    const i = locate(this.s, a);
    const next = this.s[i + 1];
    return next !== undefined && next.t < b;
  }
  /** The sampling interval around t: its end points. */
  enclosing(t: number): [CounterPoint, CounterPoint] | null {
    const i = locate(this.s, t);
    const a = this.s[i];
    const b = this.s[i + 1];
    return a && b ? [a, b] : null;
  }
}

const delta = (a: Edge, b: Edge): number => Number(b.c.whole - a.c.whole) + (b.c.frac - a.c.frac);
const deltaInt = (a: Edge, b: Edge): bigint => b.c.whole - a.c.whole + BigInt(Math.round(b.c.frac - a.c.frac));

/** A fixed window [to − W, to]: its change with rounding interval, or why it is unknown. */
interface Fixed {
  a: Edge;
  b: Edge;
  d: number;
  u: number;
  hours: number;
  q: bigint;
  coverage: number;
  interpolated: boolean;
  /** Velocity bounds (per hour). */
  lo: number | null;
  hi: number | null;
  /** Point velocity when informative, else null. */
  v: number | null;
}

function fixedWindow(cnt: Counter, to: number, W: number, minSteps: number, minCoverage: number): Fixed | null {
  const b = cnt.at(to);
  const a = cnt.at(to - W);
  if (a === null || b === null) return null;
  const coverage = cnt.coverage(to - W, to);
  const d = delta(a, b);
  const qr = cnt.revisionStep(to - W, to);
  const u = Number(a.c.step + b.c.step) / 2 + Number(qr);
  const qe = a.c.step > b.c.step ? a.c.step : b.c.step;
  const q = qe > qr ? qe : qr;
  const hours = W / MS_PER_HOUR;
  const interpolated = !cnt.sampleInside(to - W, to) && !(a.atSample && b.atSample);
  let lo: number | null = (d - u) / hours;
  let hi: number | null = (d + u) / hours;
  if (interpolated) {
    const enc = cnt.enclosing(to - W);
    if (enc) {
      const dab = Number(enc[1].value - enc[0].value);
      const uab = Number(enc[0].step + enc[1].step) / 2;
      lo = Math.min(0, dab - uab) / hours;
      hi = Math.max(0, dab + uab) / hours;
    }
  }
  const informative = !interpolated && coverage >= minCoverage && (q === 0n || Math.abs(d) >= minSteps * Number(q));
  if (coverage < minCoverage) [lo, hi] = [null, null];
  return { a, b, d, u, hours, q, coverage, interpolated, lo, hi, v: informative ? d / hours : null };
}

/** Growth % of now vs prev from their velocity intervals; the point only when both are informative. */
function growthOf(now: Fixed | null, prev: Fixed | null): { g: number | null; lo: number | null; hi: number | null } {
  if (now === null || prev === null) return { g: null, lo: null, hi: null };
  const g = now.v !== null && prev.v !== null && prev.v > 0 ? (now.v / prev.v - 1) * 100 : null;
  if (now.lo === null || now.hi === null || prev.lo === null || prev.hi === null) return { g, lo: null, hi: null };
  // bounds of vNow/vPrev over the boxes, for a positive previous velocity only (else the ratio is unbounded)
  if (!(prev.lo > 0)) return { g, lo: now.lo >= 0 && prev.hi > 0 ? (now.lo / prev.hi - 1) * 100 : null, hi: null };
  const lo = (Math.min(now.lo / prev.hi, now.lo / prev.lo) - 1) * 100;
  const hi = (Math.max(now.hi / prev.lo, now.hi / prev.hi) - 1) * 100;
  return { g, lo: g === null ? lo : Math.min(lo, g), hi: g === null ? hi : Math.max(hi, g) };
}

function windowMetric(cnt: Counter, T: number, W: number, minSteps: number, minCoverage: number, earliest: number): WindowMetric {
  const label = windowLabel(W);
  const fixed = fixedWindow(cnt, T, W, minSteps, minCoverage);
  const prev = fixedWindow(cnt, T - W, W, minSteps, minCoverage);
  const growth = growthOf(fixed, prev);
  const none: WindowMetric = {
    window: label, windowMs: W, from: null, to: null, delta: null, velocityPerHour: null, velocityPerHourLow: null, velocityPerHourHigh: null,
    coverage: null, interpolated: false, widened: false, fixedVelocityPerHour: fixed?.v ?? null, previousVelocityPerHour: prev?.v ?? null,
    growthPct: growth.g, growthPctLow: growth.lo, growthPctHigh: growth.hi,
  };
  const b = cnt.at(T);
  if (b === null) return none;
  const coverage = cnt.coverage(T - W, T);
  // the start: T − W, or when that lies in a gap or before the data, the first hour boundary after it that is known
  let start: Edge | null = cnt.at(T - W);
  for (let t = T - W + MS_PER_HOUR; start === null && t < T; t += MS_PER_HOUR) start = cnt.at(t);
  if (start === null || coverage < minCoverage) return { ...none, coverage, to: toIso(T) };
  let widened = false;
  let d = delta(start, b);
  const qOf = (e: Edge) => {
    const qe = e.c.step > b.c.step ? e.c.step : b.c.step;
    const qr = cnt.revisionStep(e.t, T);
    return qe > qr ? qe : qr;
  };
  // rounding: move the start back hour by hour until the change is ≥ minSteps steps or the data run out
  for (let t = start.t - MS_PER_HOUR; qOf(start) > 0n && Math.abs(d) < minSteps * Number(qOf(start)) && t >= earliest; t -= MS_PER_HOUR) {
    const e = cnt.at(t);
    if (e === null) continue;
    start = e;
    widened = true;
    d = delta(start, b);
  }
  const hours = (T - start.t) / MS_PER_HOUR;
  const q = qOf(start);
  const u = Number(start.c.step + b.c.step) / 2 + Number(cnt.revisionStep(start.t, T));
  const informative = q === 0n || Math.abs(d) >= minSteps * Number(q);
  const interpolated = !widened && (fixed?.interpolated ?? false);
  let lo: number | null = (d - u) / hours;
  let hi: number | null = (d + u) / hours;
  if (interpolated && fixed) [lo, hi] = [fixed.lo, fixed.hi];
  return {
    window: label,
    windowMs: W,
    from: toIso(start.t),
    to: toIso(T),
    delta: deltaInt(start, b).toString(),
    velocityPerHour: informative ? d / hours : null,
    velocityPerHourLow: lo,
    velocityPerHourHigh: hi,
    coverage,
    interpolated,
    widened,
    fixedVelocityPerHour: fixed?.v ?? null,
    previousVelocityPerHour: prev?.v ?? null,
    growthPct: growth.g,
    growthPctLow: growth.lo,
    growthPctHigh: growth.hi,
  };
}

function rateFit(fit: { slope: number; slopeLow: number; slopeHigh: number; n: number } | null, widen: number): RateFit | null {
  if (fit === null || !Number.isFinite(fit.slope)) return null;
  const k = fit.slope;
  const kLo = fit.slopeLow - widen;
  const kHi = fit.slopeHigh + widen;
  const inv = (x: number) => Math.LN2 / x;
  return {
    ratePerDay: k,
    ratePerDayLow: kLo,
    ratePerDayHigh: kHi,
    doublingDays: k > 0 ? inv(k) : null,
    doublingDaysLow: kHi > 0 ? inv(kHi) : null,
    doublingDaysHigh: kLo > 0 ? inv(kLo) : null,
    halvingDays: k < 0 ? inv(-k) : null,
    halvingDaysLow: kLo < 0 ? inv(-kLo) : null,
    halvingDaysHigh: kHi < 0 ? inv(-kHi) : null,
    n: fit.n,
  };
}

/**
 * Counter growth rate: Theil–Sen slope of ln C(h) at the hour boundaries h in [T − lookback, T] where the counter is
 * known (no gap), per day, with Sen's interval (n capped at the hours with readings) widened for rounding by
 * q/(C·span) (the most a ±q/2 error at both ends can tilt the line).
 */
function counterGrowth(cnt: Counter, T: number, o: Required<Pick<MetricOptions, 'growthLookbackMs' | 'growthMinSpanMs' | 'confidence'>>, hoursWithData: number): RateFit | null {
  const xs: number[] = [];
  const ys: number[] = [];
  let q = 0n;
  let cMin = Infinity;
  for (let t = T - o.growthLookbackMs; t <= T; t += MS_PER_HOUR) {
    const e = cnt.at(t);
    if (e === null) continue;
    const c = Number(e.c.whole) + e.c.frac;
    if (!(c > 0)) continue;
    xs.push((t - T) / MS_PER_DAY);
    ys.push(Math.log(c));
    if (e.c.step > q) q = e.c.step;
    cMin = Math.min(cMin, c);
  }
  if (xs.length < 3 || (xs[xs.length - 1]! - xs[0]!) * MS_PER_DAY < o.growthMinSpanMs) return null;
  const span = xs[xs.length - 1]! - xs[0]!;
  const fit = theilSenCI(xs, ys, { confidence: o.confidence, maxIndependent: hoursWithData + 1 });
  return rateFit(fit, q > 0n ? Number(q) / cMin / span : 0);
}

/**
 * Velocity growth rate: Theil–Sen slope of ln v over bins of the hourly counter in [T − lookback, T] (bins coarsened
 * to ≥ the median sampling interval and, for rounded data, to ≥ minSteps rounding steps per bin), positive bins only,
 * with Sen's interval.
 */
function velocityGrowth(cnt: Counter, T: number, minSteps: number, o: Required<Pick<MetricOptions, 'growthLookbackMs' | 'growthMinSpanMs' | 'confidence'>>, hoursWithData: number): RateFit | null {
  const from = T - o.growthLookbackMs;
  const inRange = cnt.s.filter((p) => p.t >= from && p.t <= T);
  if (inRange.length < 2) return null;
  const dts: number[] = [];
  for (let i = 1; i < inRange.length; i++) dts.push(inRange[i]!.t - inRange[i - 1]!.t);
  const medDt = median(dts);
  const first = cnt.at(Math.ceil(Math.max(from, cnt.s[0]!.t) / MS_PER_HOUR) * MS_PER_HOUR);
  const last = cnt.at(T);
  if (!first || !last) return null;
  const total = delta(first, last);
  const span = T - first.t;
  if (span < o.growthMinSpanMs) return null;
  const q = Number(median(inRange.map((p) => Number(p.step))));
  const width =
    RATE_BIN_LADDER_MS.find((w) => w >= medDt && span / w >= 3 && (q === 0 || (total * w) / span >= minSteps * q)) ??
    [...RATE_BIN_LADDER_MS].reverse().find((w) => span / w >= 3);
  if (width === undefined) return null;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let end = T; end - width >= from; end -= width) {
    const a = cnt.at(end - width);
    const b = cnt.at(end);
    if (!a || !b) continue;
    const v = delta(a, b) / (width / MS_PER_HOUR);
    if (v > 0) {
      xs.push((end - width / 2 - T) / MS_PER_DAY);
      ys.push(Math.log(v));
    }
  }
  if (xs.length < 3) return null;
  return rateFit(theilSenCI(xs, ys, { confidence: o.confidence, maxIndependent: hoursWithData }), 0);
}

/** The cleaned bin counter of `binCounter` with its revisions: what every window of the metrics interpolates. */
function metricCounter(bins: readonly HourBin[], atMs: number, opts: BinCleanOptions): { clean: CleanSeries; counter: CounterPoint[]; cnt: Counter } {
  const { clean, counter } = binCounter(bins, atMs, opts);
  const adj = clean.adjusted;
  const revs = clean.revisions.map((r) => {
    const t = Date.parse(r.at);
    const i = adj.findIndex((p) => p.t === t);
    const q = i > 0 ? (adj[i]!.step > adj[i - 1]!.step ? adj[i]!.step : adj[i - 1]!.step) : (adj[i]?.step ?? 0n);
    return { t, q };
  });
  return { clean, counter, cnt: new Counter(counter, revs) };
}

/**
 * Velocity over one fixed window [from, to] by the metrics' definition: the same computation as a report window
 * (`fixedWindow`, behind `fixedVelocityPerHour`, growth and the z baseline) — the counter of `binCounter`, no
 * widening, null when sampling outside gaps covers less than `minCoverage` of the window or the change is below
 * `roundingMinSteps` rounding steps. A window inside one sampling interval keeps its interpolated value, flagged
 * `interpolated` with the monotone bound as its interval, exactly as a report window's `velocityPerHour` does.
 */
export interface FixedWindowVelocity {
  from: string;
  to: string;
  /** Counter change over the window (signed decimal string); null when an edge is unknown. */
  delta: string | null;
  velocityPerHour: number | null;
  /** Interval (rounding; for an interpolated window the monotone bound); null when coverage is too low. */
  velocityPerHourLow: number | null;
  velocityPerHourHigh: number | null;
  coverage: number;
  interpolated: boolean;
}

/** Options of `fixedWindowVelocities` / `velocityBins`. */
export interface FixedWindowOptions {
  /** As-of time (epoch ms; Infinity = every reading): the readings used, exactly as `computeMetrics` uses them. */
  atMs: number;
  cadenceMs?: number;
  minCoverage?: number;
  roundingMinSteps?: number;
}

function toFixedWindowVelocity(f: Fixed | null, minSteps: number, minCoverage: number): FixedWindowVelocity | null {
  if (f === null) return null;
  // as a report window shows it: an interpolated window keeps its point value, flagged (growth and z never use it)
  const shown = f.v ?? (f.interpolated && f.coverage >= minCoverage && (f.q === 0n || Math.abs(f.d) >= minSteps * Number(f.q)) ? f.d / f.hours : null);
  return {
    from: toIso(f.a.t),
    to: toIso(f.b.t),
    delta: deltaInt(f.a, f.b).toString(),
    velocityPerHour: shown,
    velocityPerHourLow: f.lo,
    velocityPerHourHigh: f.hi,
    coverage: f.coverage,
    interpolated: f.interpolated,
  };
}

/**
 * Velocities over fixed windows (e.g. the periods around an event) by the one definition (`FixedWindowVelocity`).
 * A window is null when an edge lies outside the data or inside a gap.
 */
export function fixedWindowVelocities(bins: readonly HourBin[], windows: readonly { fromMs: number; toMs: number }[], opts: FixedWindowOptions): (FixedWindowVelocity | null)[] {
  const { cnt } = metricCounter(bins, opts.atMs, opts);
  const minSteps = opts.roundingMinSteps ?? METRIC_DEFAULTS.roundingMinSteps;
  const minCoverage = opts.minCoverage ?? METRIC_DEFAULTS.minCoverage;
  return windows.map((w) => (w.toMs > w.fromMs ? toFixedWindowVelocity(fixedWindow(cnt, w.toMs, w.toMs - w.fromMs, minSteps, minCoverage), minSteps, minCoverage) : null));
}

/** One bin of a velocity chart: the fixed-window velocity over exactly [start, end]. */
export interface VelocityBin extends FixedWindowVelocity {
  start: string;
  end: string;
}

/**
 * The velocity of a chart: consecutive fixed windows of one width on a grid aligned to multiples of the width since
 * the epoch (1–24 h bins align with UTC hours and midnight), covering [fromMs, toMs] ∩ the data. Each bin is the
 * fixed-window velocity of the metrics (`FixedWindowVelocity`), so the 1 h bin ending at a report's `asOf` is that
 * report's 1 h `fixedVelocityPerHour`, and the mean of the 24 hourly bins before it is its 24 h one.
 *
 * The width is the first of `RATE_BIN_LADDER_MS` that is ≥ 1 h and ≥ the median interval of the readings used, gives
 * at most `maxBins` bins, and — for rounded data — an expected change per bin of ≥ `roundingMinSteps` rounding steps
 * (else the widest leaving ≥ 3 bins). Bins whose edges lie in a gap or outside the data have a null velocity.
 */
export function velocityBins(bins: readonly HourBin[], range: { fromMs: number; toMs: number; maxBins: number }, opts: FixedWindowOptions): { binMs: number; bins: VelocityBin[] } | null {
  const { cnt } = metricCounter(bins, opts.atMs, opts);
  const minSteps = opts.roundingMinSteps ?? METRIC_DEFAULTS.roundingMinSteps;
  const minCoverage = opts.minCoverage ?? METRIC_DEFAULTS.minCoverage;
  const s = cnt.s;
  if (s.length < 2) return null;
  const lo = Math.max(range.fromMs, s[0]!.t);
  const hi = Math.min(range.toMs, s[s.length - 1]!.t);
  if (!(hi > lo)) return null;
  const inRange = s.filter((p) => p.t >= lo && p.t <= hi);
  const dts: number[] = [];
  for (let i = 1; i < s.length; i++) if (s[i]!.t > lo && s[i - 1]!.t < hi && !s[i]!.gap) dts.push(s[i]!.t - s[i - 1]!.t);
  const medDt = dts.length ? median(dts) : MS_PER_HOUR;
  const q = inRange.length ? median(inRange.map((p) => Number(p.step))) : 0;
  const span = hi - lo;
  const first = inRange[0];
  const last = inRange[inRange.length - 1];
  const total = first && last ? Number(last.value - first.value) : 0;
  const candidates = RATE_BIN_LADDER_MS.filter((w) => w >= Math.max(MS_PER_HOUR, RATE_BIN_LADDER_MS.find((x) => x >= medDt) ?? MS_PER_HOUR) && span / w <= range.maxBins);
  if (!candidates.length) return null;
  const width =
    candidates.find((w) => q === 0 || (total * w) / span >= minSteps * q) ?? [...candidates].reverse().find((w) => span / w >= 3) ?? candidates[0]!;
  const out: VelocityBin[] = [];
  for (let start = Math.ceil(lo / width) * width; start + width <= hi; start += width) {
    const end = start + width;
    const f = toFixedWindowVelocity(fixedWindow(cnt, end, width, minSteps, minCoverage), minSteps, minCoverage);
    out.push(
      f
        ? { start: toIso(start), end: toIso(end), ...f }
        : { start: toIso(start), end: toIso(end), from: toIso(start), to: toIso(end), delta: null, velocityPerHour: null, velocityPerHourLow: null, velocityPerHourHigh: null, coverage: cnt.coverage(start, end), interpolated: false },
    );
  }
  return { binMs: width, bins: out };
}

/**
 * Compute every metric from hourly bins as of `atMs`.
 *
 *  1. readings = `binReadings(bins, atMs)`; cleaned by `cleanSeries` with the gap threshold `binGapThresholdMs`
 *     (revisions removed, glitches out, gaps marked); rounded series are reduced to threshold-crossing knots;
 *  2. T = the latest hour boundary ≤ atMs at which the counter is known (interpolated between two readings that are
 *     not separated by a gap);
 *  3. windows W ending at T (`WindowMetric`): velocity, coverage, interpolated flag, rounding widening, growth %;
 *  4. counter and velocity growth rates over the last 7 days with Sen's intervals and doubling/halving times;
 *  5. acceleration = (v24(T) − v24(T − 24 h)) / 24 h;
 *  6. robust z of the fixed 24 h velocity vs the 14 daily velocities before it; breakout per `BREAKOUT_DEFINITION`.
 */
export function computeMetrics(bins: readonly HourBin[], opts: MetricOptions): Metrics {
  const minSteps = opts.roundingMinSteps ?? METRIC_DEFAULTS.roundingMinSteps;
  const minCoverage = opts.minCoverage ?? METRIC_DEFAULTS.minCoverage;
  const fitOpts = {
    growthLookbackMs: opts.growthLookbackMs ?? METRIC_DEFAULTS.growthLookbackMs,
    growthMinSpanMs: opts.growthMinSpanMs ?? METRIC_DEFAULTS.growthMinSpanMs,
    confidence: opts.confidence ?? METRIC_DEFAULTS.confidence,
  };
  const { clean, counter, cnt } = metricCounter(bins, opts.atMs, opts);
  const windowsMs = opts.windowsMs ?? DEFAULT_WINDOWS;
  const empty: Metrics = {
    asOf: null,
    windows: windowsMs.map((W) => ({
      window: windowLabel(W), windowMs: W, from: null, to: null, delta: null, velocityPerHour: null, velocityPerHourLow: null, velocityPerHourHigh: null,
      coverage: null, interpolated: false, widened: false, fixedVelocityPerHour: null, previousVelocityPerHour: null, growthPct: null, growthPctLow: null, growthPctHigh: null,
    })),
    counterGrowth: null, velocityGrowth: null, acceleration: null, zScore: null, zBaselineDays: 0, breakout: null, clean, counter,
  };
  if (counter.length < 2) return empty;
  const firstT = counter[0]!.t;
  let T = Math.floor(Math.min(opts.atMs, counter[counter.length - 1]!.t) / MS_PER_HOUR) * MS_PER_HOUR;
  while (T >= firstT && cnt.at(T) === null) T -= MS_PER_HOUR;
  if (T < firstT) return empty;

  const windows = windowsMs.map((W) => windowMetric(cnt, T, W, minSteps, minCoverage, firstT));
  // the independent information behind the hourly points: at most one per hour with readings (counted on the input
  // bins, so one glitch that cleaning removes does not move an interval)
  const hoursWithData = bins.filter((b) => b.start >= T - fitOpts.growthLookbackMs && b.start < T).length;
  const fits = opts.fits !== false;
  const counterGrowthFit = fits ? counterGrowth(cnt, T, fitOpts, hoursWithData) : null;
  const velocityGrowthFit = fits ? velocityGrowth(cnt, T, minSteps, fitOpts, hoursWithData) : null;

  const w24 = fixedWindow(cnt, T, MS_PER_DAY, minSteps, minCoverage);
  const p24 = fixedWindow(cnt, T - MS_PER_DAY, MS_PER_DAY, minSteps, minCoverage);
  const acceleration = w24?.v != null && p24?.v != null ? (w24.v - p24.v) / 24 : null;

  // robust z of the latest fixed 24 h velocity vs the informative daily velocities of the days before
  const baselineDays = opts.zBaselineDays ?? GROWTH_DEFAULTS.zBaselineDays;
  const base: number[] = [];
  let qMax = w24?.q ?? 0n;
  for (let k = 1; k <= baselineDays; k++) {
    const w = fixedWindow(cnt, T - k * MS_PER_DAY, MS_PER_DAY, minSteps, minCoverage);
    if (w?.v != null) {
      base.push(w.v);
      if (w.q > qMax) qMax = w.q;
    }
  }
  const z =
    w24?.v == null
      ? null
      : robustZ(w24.v, base, {
          minBaseline: opts.zMinBaselineDays ?? GROWTH_DEFAULTS.zMinBaselineDays,
          relativeEpsilon: opts.zRelativeFloor ?? GROWTH_DEFAULTS.zRelativeEpsilon,
          absoluteEpsilon: opts.zAbsoluteEpsilon ?? GROWTH_DEFAULTS.zAbsoluteEpsilon,
          madScale: opts.madScale ?? MAD_SCALE,
          meanAbsDevScale: opts.meanAbsDevScale ?? MEAN_AD_SCALE,
          stepFloor: Number(qMax) / 24,
        });
  const zScore = z && Number.isFinite(z.z) ? z.z : null;
  const g24 = growthOf(w24, p24).g;
  const breakout =
    zScore === null || g24 === null || w24 === null
      ? null
      : zScore >= (opts.breakoutMinZScore ?? BREAKOUT_DEFINITION.minZScore) &&
        g24 >= (opts.breakoutMinVelocityGrowthPct ?? BREAKOUT_DEFINITION.minVelocityGrowthPct) &&
        w24.d > (opts.breakoutMinChangeInSteps ?? BREAKOUT_DEFINITION.minChangeInSteps) * Number(w24.q);

  return { asOf: toIso(T), windows, counterGrowth: counterGrowthFit, velocityGrowth: velocityGrowthFit, acceleration, zScore, zBaselineDays: base.length, breakout, clean, counter };
}

/** Convenience: metrics of raw points (binned hourly first). */
export function metricsOfPoints(points: readonly SeriesPoint[], opts: MetricOptions): Metrics {
  return computeMetrics(binHourly(points, opts.atMs), opts);
}
