/**
 * The overview's per-tag summary of hourly bins: its metric fields (exactly `computeMetrics`, the one definition, read
 * out into the overview's flat field names) and its sparkline. One code path for the request-time overview
 * (dashboard/overview.ts, explicit `at`) and the stored summary (services/tag-summaries.ts → tag_summary_v1), so the
 * two cannot drift apart. Lives in analytics/ (below services and dashboard) so both can call it.
 */
import type { SeriesPoint } from './types.ts';
import { MS_PER_DAY, MS_PER_HOUR } from './math.ts';
import { cleanSeries } from './clean.ts';
import { interpolateAt } from './velocity.ts';
import { computeMetrics, type HourBin, type Metrics } from './metrics.ts';

/** Sparkline: the last 7 days on a 2-hour grid. */
export const SPARK_SPAN_MS = 7 * MS_PER_DAY;
export const SPARK_STEP_MS = 2 * MS_PER_HOUR;

/** The metric fields of an overview row (names as in OverviewRow). */
export interface Summary {
  /** Hour boundary every window ends at (ISO): the same for the report, the leaderboard and alerts at this time. */
  asOf: string | null;
  /** Mean velocity per hour over the 24 h ending at asOf, with its interval (report windows[24h]). */
  velocity24h: number | null;
  velocity24hLow: number | null;
  velocity24hHigh: number | null;
  /** Growth of that velocity vs the 24 h before, percent, with its interval (null bound = unbounded). */
  growth24hPct: number | null;
  growth24hPctLow: number | null;
  growth24hPctHigh: number | null;
  velocity7d: number | null;
  velocity7dLow: number | null;
  velocity7dHigh: number | null;
  growth7dPct: number | null;
  growth7dPctLow: number | null;
  growth7dPctHigh: number | null;
  /** Counter doubling time from the 7-day Theil–Sen fit (the 7-day average growth), with Sen's interval. */
  doublingDays: number | null;
  doublingDaysLow: number | null;
  doublingDaysHigh: number | null;
  /** Counter halving time when the counter shrinks. */
  halvingDays: number | null;
  zScore: number | null;
  breakout: boolean | null;
}

/** The summary fields of computed metrics (no arithmetic here: only which field of `Metrics` goes where). */
export function summaryOfMetrics(m: Metrics): Summary {
  const w24 = m.windows.find((w) => w.window === '24h');
  const w7 = m.windows.find((w) => w.window === '7d');
  const cg = m.counterGrowth;
  return {
    asOf: m.asOf,
    velocity24h: w24?.velocityPerHour ?? null,
    velocity24hLow: w24?.velocityPerHourLow ?? null,
    velocity24hHigh: w24?.velocityPerHourHigh ?? null,
    growth24hPct: w24?.growthPct ?? null,
    growth24hPctLow: w24?.growthPctLow ?? null,
    growth24hPctHigh: w24?.growthPctHigh ?? null,
    velocity7d: w7?.velocityPerHour ?? null,
    velocity7dLow: w7?.velocityPerHourLow ?? null,
    velocity7dHigh: w7?.velocityPerHourHigh ?? null,
    growth7dPct: w7?.growthPct ?? null,
    growth7dPctLow: w7?.growthPctLow ?? null,
    growth7dPctHigh: w7?.growthPctHigh ?? null,
    doublingDays: cg?.doublingDays ?? null,
    doublingDaysLow: cg?.doublingDaysLow ?? null,
    doublingDaysHigh: cg?.doublingDaysHigh ?? null,
    halvingDays: cg?.halvingDays ?? null,
    zScore: m.zScore,
    breakout: m.breakout,
  };
}

/** The overview's metric fields: exactly the analytics' definitions (`computeMetrics`) on the hourly bins. */
export function summarizeBins(bins: readonly HourBin[], atMs: number, cadenceMs?: number): Summary {
  return summaryOfMetrics(computeMetrics(bins, { atMs, ...(cadenceMs !== undefined ? { cadenceMs } : {}) }));
}

export interface Sparkline {
  startMs: number;
  stepMs: number;
  values: (number | null)[];
}

/** The cleaned counter (glitches and lower bounds out) interpolated on a 2-hour grid; never extrapolated. */
export function sparkline(points: SeriesPoint[], nowMs: number): Sparkline {
  const startMs = Math.ceil((nowMs - SPARK_SPAN_MS) / SPARK_STEP_MS) * SPARK_STEP_MS;
  const { adjusted } = cleanSeries(points.filter((p) => p.t >= startMs - SPARK_STEP_MS));
  const n = Math.floor((nowMs - startMs) / SPARK_STEP_MS) + 1;
  const values = Array.from({ length: n }, (_, i) => {
    const v = interpolateAt(adjusted, startMs + i * SPARK_STEP_MS);
    return v === null ? null : Math.round(v);
  });
  // The grid rarely hits the latest sample exactly, and grid points after it are null (never extrapolated): end the
  // line at the latest reading, on the first grid slot after it.
  const last = adjusted[adjusted.length - 1];
  if (last && last.t >= startMs) {
    const i = Math.floor((last.t - startMs) / SPARK_STEP_MS);
    if (startMs + i * SPARK_STEP_MS < last.t) {
      if (i + 1 < values.length) values[i + 1] = Number(last.value);
      else values.push(Number(last.value));
    }
  }
  return { startMs, stepMs: SPARK_STEP_MS, values };
}

/** Readings of the bins for the sparkline (first and last of each hour). */
export function binPoints(bins: readonly HourBin[], nowMs: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const b of bins) {
    if (b.firstAt > nowMs) continue;
    out.push({ t: b.firstAt, value: b.first, step: b.firstStep, precision: b.firstStep > 0n ? 'rounded' : 'exact' });
    if (b.lastAt > b.firstAt && b.lastAt <= nowMs) out.push({ t: b.lastAt, value: b.last, step: b.lastStep, precision: b.lastStep > 0n ? 'rounded' : 'exact' });
  }
  return out;
}

/** The sparkline of hourly bins as of nowMs. */
export function binSparkline(bins: readonly HourBin[], nowMs: number): Sparkline {
  return sparkline(binPoints(bins, nowMs), nowMs);
}
