/**
 * The analytics report of one counter series (platform, tag, metric) as of a time: a JSON-ready object with counts
 * as decimal strings, rates as floating-point numbers (or null) and times as ISO-8601 UTC strings.
 *
 * Method reference: docs/analytics.md (all sections); growth-methods.md §4–§5.
 */
import * as z from 'zod';
import type { AdjustedPoint, CleanSeries, SeriesPoint } from './types.ts';
import { MS_PER_DAY, MS_PER_HOUR, toIso } from './math.ts';
import { CLEAN_DEFAULTS, cleanSeriesClassified } from './clean.ts';
import { BREAKOUT_DEFINITION, GROWTH_DEFAULTS, MAD_SCALE, MEAN_AD_SCALE } from './growth.ts';
import { CHANGEPOINT_DEFAULTS, detectChangePoints } from './changepoints.ts';
import { LIFECYCLE_DEFAULTS, fitLifecycle } from './lifecycle.ts';
import { METRIC_DEFAULTS, binHourly, computeMetrics, type WindowMetric } from './metrics.ts';
import { RateSeriesMemo } from './velocity.ts';

/** Version of the analytics methods; bump on any change that can alter a report. */
export const ANALYTICS_VERSION = '2.0.0';

/** Report windows and their lengths. */
export const REPORT_WINDOWS = [
  { window: '1h', ms: MS_PER_HOUR },
  { window: '24h', ms: MS_PER_DAY },
  { window: '7d', ms: 7 * MS_PER_DAY },
] as const;

/** Every tunable used by `computeReport`, with its default (echoed in `method.parameters`). */
export const DEFAULT_PARAMETERS = {
  gapFactor: METRIC_DEFAULTS.gapFactor,
  windowMinCoverage: METRIC_DEFAULTS.minCoverage,
  glitchMaxRunPoints: CLEAN_DEFAULTS.glitchMaxRunPoints,
  glitchMaxRunMs: CLEAN_DEFAULTS.glitchMaxRunMs,
  shiftMotionFactor: CLEAN_DEFAULTS.shiftMotionFactor,
  shiftMinRelative: CLEAN_DEFAULTS.shiftMinRelative,
  shiftNeighbours: CLEAN_DEFAULTS.shiftNeighbours,
  roundingMinSteps: METRIC_DEFAULTS.roundingMinSteps,
  growthLookbackMs: METRIC_DEFAULTS.growthLookbackMs,
  growthMinSpanMs: METRIC_DEFAULTS.growthMinSpanMs,
  confidence: METRIC_DEFAULTS.confidence,
  zBaselineDays: GROWTH_DEFAULTS.zBaselineDays,
  zMinBaselineDays: GROWTH_DEFAULTS.zMinBaselineDays,
  zMadScale: MAD_SCALE,
  zMeanAbsDevScale: MEAN_AD_SCALE,
  zRelativeFloor: GROWTH_DEFAULTS.zRelativeEpsilon,
  zAbsoluteEpsilon: GROWTH_DEFAULTS.zAbsoluteEpsilon,
  breakoutMinZScore: BREAKOUT_DEFINITION.minZScore,
  breakoutMinVelocityGrowthPct: BREAKOUT_DEFINITION.minVelocityGrowthPct,
  breakoutMinChangeInSteps: BREAKOUT_DEFINITION.minChangeInSteps,
  changepointCost: CHANGEPOINT_DEFAULTS.cost,
  changepointPenaltyMultiplier: CHANGEPOINT_DEFAULTS.penaltyMultiplier,
  changepointMinSegmentBins: CHANGEPOINT_DEFAULTS.minSegmentBins,
  changepointMaxBins: CHANGEPOINT_DEFAULTS.maxBins,
  changepointBaseBinMs: CHANGEPOINT_DEFAULTS.baseBinMs,
  changepointSigmaFloor: CHANGEPOINT_DEFAULTS.sigmaFloor,
  changepointSigmaWindowBins: CHANGEPOINT_DEFAULTS.sigmaWindowBins,
  lifecycleBaseBinMs: LIFECYCLE_DEFAULTS.baseBinMs,
  lifecycleMaxBins: LIFECYCLE_DEFAULTS.maxBins,
  lifecycleMinBins: LIFECYCLE_DEFAULTS.minBins,
  lifecycleSmoothingBins: LIFECYCLE_DEFAULTS.smoothingBins,
  lifecyclePeakDropFraction: LIFECYCLE_DEFAULTS.peakDropFraction,
  lifecycleBootstrapReplicates: LIFECYCLE_DEFAULTS.bootstrapReplicates,
  lifecycleBootstrapSeed: LIFECYCLE_DEFAULTS.bootstrapSeed,
  lifecycleConfidence: LIFECYCLE_DEFAULTS.confidence,
  lifecycleMaxIterations: LIFECYCLE_DEFAULTS.maxIterations,
  lifecycleMinR2: LIFECYCLE_DEFAULTS.minR2,
  lifecycleMinPeakWidthBins: LIFECYCLE_DEFAULTS.minPeakWidthBins,
};

const DecimalString = z.string().regex(/^(0|[1-9][0-9]*)$/, 'unsigned decimal integer string');
const SignedDecimalString = z.string().regex(/^(0|-?[1-9][0-9]*)$/, 'decimal integer string');
const IsoTime = z.iso.datetime();
const Rate = z.number().nullable();

/** Zod schema of `method.parameters`. */
export const ParametersSchema = z
  .object({
    gapFactor: z.number(),
    windowMinCoverage: z.number(),
    glitchMaxRunPoints: z.number(),
    glitchMaxRunMs: z.number(),
    shiftMotionFactor: z.number(),
    shiftMinRelative: z.number(),
    shiftNeighbours: z.number(),
    roundingMinSteps: z.number(),
    growthLookbackMs: z.number(),
    growthMinSpanMs: z.number(),
    confidence: z.number(),
    zBaselineDays: z.number(),
    zMinBaselineDays: z.number(),
    zMadScale: z.number(),
    zMeanAbsDevScale: z.number(),
    zRelativeFloor: z.number(),
    zAbsoluteEpsilon: z.number(),
    breakoutMinZScore: z.number(),
    breakoutMinVelocityGrowthPct: z.number(),
    breakoutMinChangeInSteps: z.number(),
    changepointCost: z.enum(['mean', 'meanSlope']),
    changepointPenaltyMultiplier: z.number(),
    changepointMinSegmentBins: z.number(),
    changepointMaxBins: z.number(),
    changepointBaseBinMs: z.number(),
    changepointSigmaFloor: z.number(),
    changepointSigmaWindowBins: z.number(),
    lifecycleBaseBinMs: z.number(),
    lifecycleMaxBins: z.number(),
    lifecycleMinBins: z.number(),
    lifecycleSmoothingBins: z.number(),
    lifecyclePeakDropFraction: z.number(),
    lifecycleBootstrapReplicates: z.number(),
    lifecycleBootstrapSeed: z.number(),
    lifecycleConfidence: z.number(),
    lifecycleMaxIterations: z.number(),
    lifecycleMinR2: z.number(),
    lifecycleMinPeakWidthBins: z.number(),
  })
  .strict();
/** All tunables of the analytics report. */
export type AnalyticsParameters = z.infer<typeof ParametersSchema>;

/** Zod schema of one report window. */
export const ReportWindowSchema = z
  .object({
    window: z.enum(['1h', '24h', '7d']),
    from: IsoTime.nullable(),
    to: IsoTime.nullable(),
    delta: SignedDecimalString.nullable(),
    velocityPerHour: Rate,
    velocityPerHourLow: Rate,
    velocityPerHourHigh: Rate,
    coverage: Rate,
    interpolated: z.boolean(),
    widened: z.boolean(),
    growthPct: Rate,
    growthPctLow: Rate,
    growthPctHigh: Rate,
  })
  .strict();
/** One row of `Report.windows`. */
export type ReportWindow = z.infer<typeof ReportWindowSchema>;

/** Zod schema of the lifecycle block. */
export const LifecycleSchema = z
  .object({
    model: z.enum(['logistic', 'gompertz']),
    peakAt: IsoTime,
    peakAtLow: IsoTime,
    peakAtHigh: IsoTime,
    saturation: DecimalString,
    saturationLow: DecimalString,
    saturationHigh: DecimalString,
    provisional: z.literal(true),
    label: z.literal('provisional'),
  })
  .strict();

/** Zod schema of the full report (JSON-ready). */
export const ReportSchema = z
  .object({
    platform: z.string(),
    tag: z.string(),
    metric: z.string(),
    /** "As of" time (ISO); null only when neither opts.at/opts.now nor any point is given. */
    at: IsoTime.nullable(),
    /** The hour boundary every window and rate ends at (ISO); null without usable data. */
    asOf: IsoTime.nullable(),
    latest: z.object({ value: DecimalString, observedAt: IsoTime, exact: z.boolean() }).strict().nullable(),
    windows: z.array(ReportWindowSchema),
    growthRatePerDay: Rate,
    growthRatePerDayLow: Rate,
    growthRatePerDayHigh: Rate,
    counterDoublingDays: Rate,
    counterDoublingDaysLow: Rate,
    counterDoublingDaysHigh: Rate,
    counterHalvingDays: Rate,
    counterHalvingDaysLow: Rate,
    counterHalvingDaysHigh: Rate,
    velocityGrowthRatePerDay: Rate,
    velocityGrowthRatePerDayLow: Rate,
    velocityGrowthRatePerDayHigh: Rate,
    velocityDoublingDays: Rate,
    velocityDoublingDaysLow: Rate,
    velocityDoublingDaysHigh: Rate,
    velocityHalvingDays: Rate,
    velocityHalvingDaysLow: Rate,
    velocityHalvingDaysHigh: Rate,
    acceleration: Rate,
    zScore: Rate,
    breakout: z.boolean().nullable(),
    revisions: z.array(z.object({ at: IsoTime, from: DecimalString, to: DecimalString }).strict()),
    gaps: z.array(z.object({ from: IsoTime, to: IsoTime }).strict()),
    glitches: z.array(z.object({ at: IsoTime, value: z.string() }).strict()),
    changePoints: z.array(z.object({ at: IsoTime, before: z.number(), after: z.number() }).strict()),
    lifecycle: LifecycleSchema.nullable(),
    points: z.number().int().nonnegative(),
    method: z.object({ version: z.string(), parameters: ParametersSchema }).strict(),
  })
  .strict();
/** The analytics report (see `ReportSchema`). */
export type Report = z.infer<typeof ReportSchema>;

/** Options of `computeReport`. */
export interface ReportOptions {
  /** "As of" time (epoch ms): every point after it is ignored. */
  at?: number;
  platform: string;
  tag: string;
  metric: string;
  /** Current time (epoch ms); used as the as-of time when `at` is absent (points after it are ignored). */
  now?: number;
  /** Overrides of the defaults in `DEFAULT_PARAMETERS`. */
  parameters?: Partial<AnalyticsParameters>;
  /** Sampling cadence of a tracked tag (ms): late samples are not gaps. */
  cadenceMs?: number;
  /** A memo of the change points and the lifecycle fit (see `ReportFitMemo`); without it both are computed. */
  fitMemo?: ReportFitMemo;
}

/** The two parts of a report that `ReportFitMemo` keeps. */
interface ReportFits {
  changePoints: Report['changePoints'];
  lifecycle: Report['lifecycle'];
}

/**
 * A memo of the report's most expensive parts, the change points (PELT) and the lifecycle fit (grid, Levenberg–Marquardt,
 * bootstrap): pure functions of the adjusted series and their options, so the key is that whole input, every field of
 * every adjusted point (t, value, step, raw, precision, gap) and both option objects, spelled out in full. A hit is
 * therefore the answer the computation gives for that input, and any change of the tag's data that reaches the fits (a
 * new, revised or deleted observation, a later as-of time that admits one more point, another cadence that moves a gap)
 * is another key; a change that does not reach them cannot change their answer. A kept input is compared with the asked
 * one field by field (`sameInput`), so two inputs never share an entry. Least recently used entries go first; hits
 * return copies, so no caller can change a kept answer. Held by the service that builds reports (services/report.ts), cleared by nothing else.
 */
export class ReportFitMemo {
  /** Most recently used last. */
  readonly #entries: FitEntry[] = [];
  /** Calls answered from the memo and calls that computed (for tests and the benchmark). */
  hits = 0;
  misses = 0;
  constructor(readonly capacity = 64) {}
  get size(): number {
    return this.#entries.length;
  }
  clear(): void {
    this.#entries.length = 0;
  }
  /** The kept fits of this input, or the computed ones (then kept). */
  fits(adjusted: readonly AdjustedPoint[], options: unknown, compute: () => ReportFits): ReportFits {
    const optionsKey = optionsText(options);
    const i = this.#entries.findIndex((e) => e.optionsKey === optionsKey && sameInput(e, adjusted));
    let hit: FitEntry;
    if (i >= 0) {
      this.hits++;
      hit = this.#entries.splice(i, 1)[0]!;
    } else {
      this.misses++;
      hit = { optionsKey, ...inputCopy(adjusted), fits: compute() };
      if (this.#entries.length >= this.capacity) this.#entries.shift();
    }
    this.#entries.push(hit);
    return { changePoints: hit.fits.changePoints.map((c) => ({ ...c })), lifecycle: hit.fits.lifecycle === null ? null : { ...hit.fits.lifecycle } };
  }
}

/**
 * One kept input and its fits. The input is a copy of every field of every adjusted point, compared field by field on
 * lookup (numbers by `Object.is`, bigints and strings by value, `gap` as true, false or absent): the whole input is the
 * key, as the text key before it spelled out, without writing ~700 points as text on every report (figure 7h).
 */
interface FitEntry {
  optionsKey: string;
  t: Float64Array;
  value: bigint[];
  step: bigint[];
  raw: bigint[];
  precision: string[];
  gap: (boolean | undefined)[];
  fits: ReportFits;
}

function inputCopy(adjusted: readonly AdjustedPoint[]): Omit<FitEntry, 'optionsKey' | 'fits'> {
  const n = adjusted.length;
  const out = { t: new Float64Array(n), value: new Array<bigint>(n), step: new Array<bigint>(n), raw: new Array<bigint>(n), precision: new Array<string>(n), gap: new Array<boolean | undefined>(n) };
  for (let i = 0; i < n; i++) {
    const p = adjusted[i]!;
    out.t[i] = p.t;
    out.value[i] = p.value;
    out.step[i] = p.step;
    out.raw[i] = p.raw;
    out.precision[i] = p.precision;
    out.gap[i] = p.gap;
  }
  return out;
}

function sameInput(e: FitEntry, adjusted: readonly AdjustedPoint[]): boolean {
  const n = adjusted.length;
  if (e.t.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const p = adjusted[i]!;
    if (!Object.is(e.t[i], p.t) || e.value[i] !== p.value || e.step[i] !== p.step || e.raw[i] !== p.raw || e.precision[i] !== p.precision || e.gap[i] !== p.gap) return false;
  }
  return true;
}

/** The options as text: numbers spelled by String (JSON would write NaN and ±Infinity as null), −0 apart from 0. */
function optionsText(options: unknown): string {
  return JSON.stringify(options, (_k, v: unknown) => (typeof v === 'number' ? `n:${Object.is(v, -0) ? '-0' : String(v)}` : v));
}

const finiteOrNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

function windowRow(w: WindowMetric): ReportWindow {
  return {
    window: w.window as ReportWindow['window'],
    from: w.from,
    to: w.to,
    delta: w.delta,
    velocityPerHour: finiteOrNull(w.velocityPerHour),
    velocityPerHourLow: finiteOrNull(w.velocityPerHourLow),
    velocityPerHourHigh: finiteOrNull(w.velocityPerHourHigh),
    coverage: finiteOrNull(w.coverage),
    interpolated: w.interpolated,
    widened: w.widened,
    growthPct: finiteOrNull(w.growthPct),
    growthPctLow: finiteOrNull(w.growthPctLow),
    growthPctHigh: finiteOrNull(w.growthPctHigh),
  };
}

/** The latest non-glitch observation (lower bounds included, flagged by `exact: false`). */
function latestObservation(clean: CleanSeries): Report['latest'] {
  const glitchTimes = new Set(clean.glitches.map((g) => g.at));
  for (let i = clean.raw.length - 1; i >= 0; i--) {
    const r = clean.raw[i]!;
    if (!glitchTimes.has(toIso(r.t))) return { value: r.value.toString(), observedAt: toIso(r.t), exact: r.precision === 'exact' };
  }
  return null;
}

/**
 * Whether a report computed without a cadence can differ from the same report with `cadenceMs` (omitted: some
 * cadence). The cadence enters the report only through the hourly bins' gap threshold, gapFactor × max(median
 * interval, 1 h, cadence) (`binGapThresholdMs`), which it can only raise: a report with no gap has none with any
 * cadence, and a cadence of at most an hour leaves the threshold as it is. In both cases the report is the same, field
 * for field (tests/unit/analytics/report-fit-memo.test.ts checks both on random series). services/report.ts now reads the
 * cadence with the rows (one query) and always passes it; this rule is why that gives the reports the earlier
 * read-it-only-when-it-can-matter code gave (tests/integration/analytics/report-input.test.ts).
 */
export function cadenceCanChange(report: Pick<Report, 'gaps'>, cadenceMs?: number): boolean {
  return report.gaps.length > 0 && (cadenceMs === undefined || cadenceMs > MS_PER_HOUR);
}

/**
 * Compute the analytics report of one counter series as of `opts.at` (or `opts.now`, or the last point).
 *
 * Pipeline (docs/analytics.md): drop points after the as-of time → `cleanSeries` (dedupe, glitches, revisions,
 * adjusted monotone series, gaps) → velocity windows 1h/24h/7d ending at the latest usable sample (rounding-aware,
 * `windowVelocity`) with growth vs the preceding window of equal length → Theil–Sen growth rates of ln C and ln v
 * with doubling/halving times → acceleration (24 h windows) → robust z of the latest 24 h velocity vs the 14-day
 * daily baseline → breakout flag (`BREAKOUT_DEFINITION`) → PELT change points → provisional lifecycle fit.
 *
 * Windows end at the latest usable sample, not at the as-of time, because velocities are never extrapolated.
 * `points` is the number of distinct-time points as of `at` (including glitches and lower bounds).
 * Deterministic: the result does not depend on the input order. Pure.
 */
export function computeReport(points: readonly SeriesPoint[], opts: ReportOptions): Report {
  const p: AnalyticsParameters = { ...DEFAULT_PARAMETERS, ...opts.parameters };
  const asOf = opts.at ?? opts.now;
  const kept = asOf === undefined ? points : points.filter((x) => x.t <= asOf);
  // the raw series: only for the latest reading and the glitch list (every sample, not just the hourly bins)
  const { clean: rawClean, classification: rawClassification } = cleanSeriesClassified(kept, { glitchMaxRunPoints: p.glitchMaxRunPoints, glitchMaxRunMs: p.glitchMaxRunMs });
  const raw = rawClean.raw;
  const atMs = asOf ?? (raw.length > 0 ? raw[raw.length - 1]!.t : undefined);
  const m = computeMetrics(binHourly(kept, atMs), {
    atMs: atMs ?? 0,
    ...(opts.cadenceMs !== undefined ? { cadenceMs: opts.cadenceMs } : {}),
    minCoverage: p.windowMinCoverage,
    roundingMinSteps: p.roundingMinSteps,
    growthLookbackMs: p.growthLookbackMs,
    growthMinSpanMs: p.growthMinSpanMs,
    confidence: p.confidence,
    zBaselineDays: p.zBaselineDays,
    zMinBaselineDays: p.zMinBaselineDays,
    zRelativeFloor: p.zRelativeFloor,
    zAbsoluteEpsilon: p.zAbsoluteEpsilon,
    madScale: p.zMadScale,
    meanAbsDevScale: p.zMeanAbsDevScale,
    breakoutMinZScore: p.breakoutMinZScore,
    breakoutMinVelocityGrowthPct: p.breakoutMinVelocityGrowthPct,
    breakoutMinChangeInSteps: p.breakoutMinChangeInSteps,
    glitchMaxRunPoints: p.glitchMaxRunPoints,
    glitchMaxRunMs: p.glitchMaxRunMs,
    // the bin readings are usually the raw readings themselves (at most one sample per hour): then their cleaning
    // takes over this one's classification instead of computing it again (checked point by point in cleanSeries)
    reuseClean: rawClassification,
  });
  const adjusted = m.clean.adjusted;

  const changePointOptions = {
    cost: p.changepointCost,
    penaltyMultiplier: p.changepointPenaltyMultiplier,
    minSegmentBins: p.changepointMinSegmentBins,
    maxBins: p.changepointMaxBins,
    baseBinMs: p.changepointBaseBinMs,
    sigmaFloor: p.changepointSigmaFloor,
    sigmaWindowBins: p.changepointSigmaWindowBins,
    minSteps: p.roundingMinSteps,
  };
  const lifecycleOptions = {
    baseBinMs: p.lifecycleBaseBinMs,
    maxBins: p.lifecycleMaxBins,
    minBins: p.lifecycleMinBins,
    smoothingBins: p.lifecycleSmoothingBins,
    peakDropFraction: p.lifecyclePeakDropFraction,
    bootstrapReplicates: p.lifecycleBootstrapReplicates,
    bootstrapSeed: p.lifecycleBootstrapSeed,
    confidence: p.lifecycleConfidence,
    maxIterations: p.lifecycleMaxIterations,
    minR2: p.lifecycleMinR2,
    minPeakWidthBins: p.lifecycleMinPeakWidthBins,
    minSteps: p.roundingMinSteps,
  };
  const fitsOf = (): ReportFits => {
    // both fits bin the same adjusted series, usually at the same width: its rate grid once (RateSeriesMemo)
    const rates = new RateSeriesMemo(adjusted);
    return {
      changePoints: detectChangePoints(adjusted, { ...changePointOptions, rates }).filter((c) => Number.isFinite(c.before) && Number.isFinite(c.after)),
      lifecycle: fitLifecycle(adjusted, { ...lifecycleOptions, rates }),
    };
  };
  const { changePoints, lifecycle } = opts.fitMemo ? opts.fitMemo.fits(adjusted, [changePointOptions, lifecycleOptions], fitsOf) : fitsOf();
  const cg = m.counterGrowth;
  const vg = m.velocityGrowth;

  return {
    platform: opts.platform,
    tag: opts.tag,
    metric: opts.metric,
    at: atMs === undefined ? null : toIso(atMs),
    asOf: m.asOf,
    latest: latestObservation(rawClean),
    windows: m.windows.map(windowRow),
    growthRatePerDay: finiteOrNull(cg?.ratePerDay),
    growthRatePerDayLow: finiteOrNull(cg?.ratePerDayLow),
    growthRatePerDayHigh: finiteOrNull(cg?.ratePerDayHigh),
    counterDoublingDays: finiteOrNull(cg?.doublingDays),
    counterDoublingDaysLow: finiteOrNull(cg?.doublingDaysLow),
    counterDoublingDaysHigh: finiteOrNull(cg?.doublingDaysHigh),
    counterHalvingDays: finiteOrNull(cg?.halvingDays),
    counterHalvingDaysLow: finiteOrNull(cg?.halvingDaysLow),
    counterHalvingDaysHigh: finiteOrNull(cg?.halvingDaysHigh),
    velocityGrowthRatePerDay: finiteOrNull(vg?.ratePerDay),
    velocityGrowthRatePerDayLow: finiteOrNull(vg?.ratePerDayLow),
    velocityGrowthRatePerDayHigh: finiteOrNull(vg?.ratePerDayHigh),
    velocityDoublingDays: finiteOrNull(vg?.doublingDays),
    velocityDoublingDaysLow: finiteOrNull(vg?.doublingDaysLow),
    velocityDoublingDaysHigh: finiteOrNull(vg?.doublingDaysHigh),
    velocityHalvingDays: finiteOrNull(vg?.halvingDays),
    velocityHalvingDaysLow: finiteOrNull(vg?.halvingDaysLow),
    velocityHalvingDaysHigh: finiteOrNull(vg?.halvingDaysHigh),
    acceleration: finiteOrNull(m.acceleration),
    zScore: finiteOrNull(m.zScore),
    breakout: m.breakout,
    revisions: m.clean.revisions,
    gaps: m.clean.gaps,
    glitches: rawClean.glitches.map((g) => ({ at: g.at, value: g.value })),
    changePoints,
    lifecycle,
    points: raw.length,
    method: { version: ANALYTICS_VERSION, parameters: p },
  };
}
