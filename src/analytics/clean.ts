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
import { MS_PER_HOUR, bigMax, median, toIso } from './math.ts';

/** Tunables of `cleanSeries`. */
export interface CleanOptions {
  /** Minimum Δt (ms) for a sampling gap, whatever the cadence. Default 2 h. */
  gapMinMs?: number;
  /** A gap is Δt > gapMedianFactor × median Δt (and > gapMinMs). Default 3. */
  gapMedianFactor?: number;
  /** A drop is a transient glitch if the level is regained within this many samples… Default 5. */
  glitchMaxRunPoints?: number;
  /** …or within this time (ms) of the drop. Default 24 h. Otherwise it is a persistent revision. */
  glitchMaxRunMs?: number;
}

/** Default cleaning parameters (cited in every report's `method.parameters`). */
export const CLEAN_DEFAULTS = {
  gapMinMs: 2 * MS_PER_HOUR,
  gapMedianFactor: 3,
  glitchMaxRunPoints: 5,
  glitchMaxRunMs: 24 * MS_PER_HOUR,
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

/**
 * Sort points by time and keep one point per timestamp (the preferred one by `comparePreference`).
 * Points with a non-finite time are dropped. Input order never matters.
 */
export function sortAndDedupe(points: readonly SeriesPoint[]): SeriesPoint[] {
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
 * Δt > max(gapMedianFactor × median, gapMinMs).
 *
 * @param times strictly increasing epoch-ms times of usable samples
 */
export function detectGaps(
  times: readonly number[],
  opts: CleanOptions = {},
): { gaps: Gap[]; medianIntervalMs: number | null } {
  if (times.length < 2) return { gaps: [], medianIntervalMs: null };
  const dts: number[] = [];
  for (let i = 1; i < times.length; i++) dts.push(times[i]! - times[i - 1]!);
  const med = median(dts);
  const threshold = Math.max(
    (opts.gapMedianFactor ?? CLEAN_DEFAULTS.gapMedianFactor) * med,
    opts.gapMinMs ?? CLEAN_DEFAULTS.gapMinMs,
  );
  const gaps: Gap[] = [];
  for (let i = 1; i < times.length; i++) {
    if (dts[i - 1]! > threshold) gaps.push({ from: toIso(times[i - 1]!), to: toIso(times[i]!) });
  }
  return { gaps, medianIntervalMs: med };
}

interface Working {
  p: SeriesPoint;
  /** value after clipping within-step drops to zero change */
  level: bigint;
  /** rounding step of the observation that set `level` */
  levelStep: bigint;
}

/**
 * Clean a sampled cumulative counter.
 *
 * Method (growth-methods.md §5, "Recommended classification of drops"):
 *  1. sort by time and de-duplicate (see `sortAndDedupe`); `raw` keeps every remaining point;
 *  2. lower_bound points are kept in `raw` but excluded from velocity math;
 *  3. a zero (or negative) value is a glitch, i.e. missing, never a real zero;
 *  4. a drop below the last accepted level by more than the rounding step (max of the step of the observation that
 *     set that level and the new point's step) is
 *     - a glitch ("dip") if a later usable point is back at/above that level minus the step (returns to trend)
 *       within `glitchMaxRunPoints` samples or `glitchMaxRunMs` of the drop (a transient);
 *     - otherwise a persistent revision event {at, from: level before, to: new value} (a counter that is revised
 *       down and only much later grows past its old level is still a revision);
 *  5. a drop within the rounding step is quantization noise: the increment is clipped to 0 (the level is kept);
 *  6. `adjusted` = future running minimum of the resulting levels (monotone non-decreasing);
 *  7. gaps from the usable sample times (see `detectGaps`).
 *
 * A drop at the very end of the data cannot yet be told apart from a revision; it is reported as a revision until
 * later samples show a return to trend (report results are "as of" the data).
 *
 * Pure; O(n log n) (the look-ahead for a return to trend is bounded by the run limits).
 */
export function cleanSeries(points: readonly SeriesPoint[], opts: CleanOptions = {}): CleanSeries {
  const raw = sortAndDedupe(points);
  const usable = raw.filter((p) => p.precision !== 'lower_bound');
  const glitches: Glitch[] = [];
  const revisions: RevisionEvent[] = [];

  const nonZero = usable.filter((p) => {
    if (p.value > 0n) return true;
    glitches.push({ at: toIso(p.t), value: p.value.toString(), reason: 'zero' });
    return false;
  });

  const maxRunPoints = opts.glitchMaxRunPoints ?? CLEAN_DEFAULTS.glitchMaxRunPoints;
  const maxRunMs = opts.glitchMaxRunMs ?? CLEAN_DEFAULTS.glitchMaxRunMs;
  /** Whether some sample after index i regains `level` soon enough (within maxRunPoints samples or maxRunMs). */
  const regainsSoon = (i: number, level: bigint): boolean => {
    const t0 = nonZero[i]!.t;
    for (let j = i + 1; j < nonZero.length; j++) {
      const q = nonZero[j]!;
      if (j - i > maxRunPoints && q.t - t0 > maxRunMs) return false;
      if (q.value >= level) return true;
    }
    return false;
  };

  const accepted: Working[] = [];
  for (let i = 0; i < nonZero.length; i++) {
    const p = nonZero[i]!;
    const prev = accepted[accepted.length - 1];
    if (prev === undefined) {
      accepted.push({ p, level: p.value, levelStep: p.step });
      continue;
    }
    const tol = bigMax(prev.levelStep, p.step);
    if (p.value + tol < prev.level) {
      // beyond the rounding step: a transient glitch if the series soon returns to the previous level
      if (regainsSoon(i, prev.level - tol)) {
        glitches.push({ at: toIso(p.t), value: p.value.toString(), reason: 'dip' });
        continue;
      }
      revisions.push({ at: toIso(p.t), from: prev.level.toString(), to: p.value.toString() });
      accepted.push({ p, level: p.value, levelStep: p.step });
    } else if (p.value < prev.level) {
      accepted.push({ p, level: prev.level, levelStep: prev.levelStep });
    } else {
      accepted.push({ p, level: p.value, levelStep: p.step });
    }
  }

  const adjValues = futureRunningMin(accepted.map((w) => w.level));
  const adjusted: AdjustedPoint[] = accepted.map((w, i) => ({
    t: w.p.t,
    value: adjValues[i]!,
    step: w.p.step,
    raw: w.p.value,
    precision: w.p.precision === 'exact' ? 'exact' : 'rounded',
  }));

  glitches.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const { gaps, medianIntervalMs } = detectGaps(
    adjusted.map((p) => p.t),
    opts,
  );
  return { raw, adjusted, glitches, revisions, gaps, medianIntervalMs };
}
