/**
 * Leaderboard across all tags of one platform and metric. The hourly rollup (never the raw table) gives every tag's
 * hourly bins (first and last reading per hour); each tag's metrics then come from the analytics' one definition
 * (`computeMetrics`, the code behind the report, the overview and alerts), so an entry shows exactly the numbers the
 * tag page shows for the same time: velocity and growth with intervals, the counter doubling time with Sen's
 * interval, the robust z and the breakout flag.
 */
import * as z from 'zod';
import { T } from '../store/migrations.ts';
import type { Store } from '../store/store.ts';
import { leaderboardHourlyQuery, type LeaderboardBinsRow } from '../store/analytics-queries.ts';
import { BREAKOUT_DEFINITION } from '../analytics/growth.ts';
import { ANALYTICS_VERSION } from '../analytics/report.ts';
import { binReadings, binsFromColumns, computeMetrics, type HourBin } from '../analytics/metrics.ts';
import { summaryLeaderboardQuery, summaryLeaderboardStatusQuery, type SummaryLeaderboardRow } from '../store/summary-queries.ts';
import { listTracked } from './tracking.ts';
import { hourOf, refreshOnRead } from './tag-summaries.ts';
import { MetricInput, PlatformInput, TimeInput, durationInput, formatDuration, parseAnalyticsInput } from './analytics-inputs.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Bins read before the window: enough for the window before it (growth), the 7-day growth fit and the z baseline. */
const HISTORY_MS = 16 * DAY_MS;

export const LeaderboardInput = z
  .object({
    by: z.enum(['velocity', 'growth', 'breakout']).default('velocity'),
    window: durationInput(HOUR_MS, 90 * DAY_MS, '24h or 7d')
      .refine((ms) => ms % HOUR_MS === 0, 'must be whole hours (the metrics are defined on hourly bins), e.g. 24h or 7d')
      .default(DAY_MS),
    metric: MetricInput,
    platform: PlatformInput,
    limit: z.coerce.number().int().min(1).max(1000).default(20),
    /** As-of time (default: now). */
    at: TimeInput.optional(),
  })
  .refine((i) => i.by !== 'breakout' || i.window === DAY_MS, {
    path: ['window'],
    message: 'the breakout ranking always uses the 24h window of the breakout definition: omit --window or use 24h',
  });
export type LeaderboardInput = z.input<typeof LeaderboardInput>;

export interface LeaderboardEntry {
  rank: number;
  tag: string;
  /** The latest reading used (the first reading of the current hour, or the last of an earlier hour). */
  latestValue: string | null;
  latestAt: string | null;
  /** Start and end (an hour boundary, = the report's asOf) of the window; the start is earlier when widened. */
  windowFrom: string | null;
  windowTo: string | null;
  /** Counter change over the window (signed decimal string). */
  delta: string | null;
  velocityPerHour: number | null;
  velocityPerHourLow: number | null;
  velocityPerHourHigh: number | null;
  /** Share of the window covered by sampling (outside gaps). */
  coverage: number | null;
  previousVelocityPerHour: number | null;
  growthPct: number | null;
  growthPctLow: number | null;
  growthPctHigh: number | null;
  /** Counter growth rate per day (7-day Theil–Sen fit) and doubling/halving time with Sen's interval. */
  growthRatePerDay: number | null;
  doublingDays: number | null;
  doublingDaysLow: number | null;
  doublingDaysHigh: number | null;
  halvingDays: number | null;
  /** Robust z of the 24 h velocity vs the 14 daily velocities before it, and the breakout flag. */
  zScore: number | null;
  baselineDays: number;
  breakout: boolean | null;
  /** The exact time this entry's numbers hold as of (the leaderboard's `at` when computed in the request). */
  asOf: string;
  /** True when the numbers are from an earlier hour than the request (a summary row not yet refreshed). */
  stale: boolean;
}

export interface Leaderboard {
  by: 'velocity' | 'growth' | 'breakout';
  window: string;
  platform: string;
  metric: string;
  at: string;
  grain: 'hourly';
  /** Tags with rollup data in the read range, and how many of them could be ranked. */
  tagsSeen: number;
  tagsRanked: number;
  entries: LeaderboardEntry[];
  /**
   * Where the entries come from: `computed` in this request as of `at`, or the per-tag `summary` (tag_summary_v1,
   * the same computeMetrics, refreshed each hour): then `asOfFrom`–`asOfTo` is the range of the rows' as-of times and
   * `staleTags` how many rows are from an earlier hour (being refreshed; their entries say `stale` and their `asOf`).
   */
  source: 'computed' | 'summary';
  asOfFrom: string;
  asOfTo: string;
  staleTags: number;
  method: { analyticsVersion: string; source: string; description: string };
  query: { name: string; rowsRead: number; elapsedMs: number };
}

const COMMON =
  'hourly bins (first and last reading of each hour) from the hourly rollup, metrics by the same definitions as the report (docs/analytics.md §3); each bin keeps the rounding steps of its readings, so rounded display figures widen the intervals as in the report';
const METHOD_TEXT = {
  velocity: `velocity = (counter at the window end − counter at its start) / hours, the end being the latest hour boundary with data; ${COMMON}`,
  growth: `growth = (velocity over the window / velocity over the window before − 1) × 100; ${COMMON}`,
  breakout: `${BREAKOUT_DEFINITION.text}; ${COMMON}`,
} as const;

/** One tag's entry from its bins (rank filled in later): the analytics' definitions, nothing else. */
export function leaderboardEntry(tag: string, bins: HourBin[], opts: { atMs: number; windowMs: number; cadenceMs?: number; fits?: boolean }): LeaderboardEntry {
  const windowsMs = opts.windowMs === DAY_MS ? [DAY_MS] : [opts.windowMs];
  const m = computeMetrics(bins, { atMs: opts.atMs, windowsMs, ...(opts.cadenceMs !== undefined ? { cadenceMs: opts.cadenceMs } : {}), ...(opts.fits === false ? { fits: false } : {}) });
  const w = m.windows[0]!;
  const readings = binReadings(bins, opts.atMs);
  const last = readings[readings.length - 1];
  const cg = m.counterGrowth;
  return {
    rank: 0,
    tag,
    asOf: new Date(opts.atMs).toISOString(),
    stale: false,
    latestValue: last ? last.value.toString() : null,
    latestAt: last ? new Date(last.t).toISOString() : null,
    windowFrom: w.from,
    windowTo: w.to,
    delta: w.delta,
    velocityPerHour: w.velocityPerHour,
    velocityPerHourLow: w.velocityPerHourLow,
    velocityPerHourHigh: w.velocityPerHourHigh,
    coverage: w.coverage,
    previousVelocityPerHour: w.previousVelocityPerHour,
    growthPct: w.growthPct,
    growthPctLow: w.growthPctLow,
    growthPctHigh: w.growthPctHigh,
    growthRatePerDay: cg?.ratePerDay ?? null,
    doublingDays: cg?.doublingDays ?? null,
    doublingDaysLow: cg?.doublingDaysLow ?? null,
    doublingDaysHigh: cg?.doublingDaysHigh ?? null,
    halvingDays: cg?.halvingDays ?? null,
    zScore: m.zScore,
    baselineDays: m.zBaselineDays,
    breakout: m.breakout,
  };
}

type ParsedInput = z.output<typeof LeaderboardInput>;

/**
 * The leaderboard. Without `at` (now), for the 24h and 7d windows, it is read from the per-tag summary when that has
 * rows for the platform and metric (`leaderboardFromSummary`); an explicit `at`, another window, or no summary rows:
 * computed here from the rollup's bins.
 */
export async function computeLeaderboard(store: Store, raw: LeaderboardInput, nowMs = Date.now()): Promise<Leaderboard> {
  const input = parseAnalyticsInput(LeaderboardInput, raw);
  if (input.at === undefined) {
    const served = await fromSummary(store, input, nowMs);
    if (served) return served;
  }
  return computed(store, input, nowMs);
}

/**
 * The current leaderboard from the per-tag summary (tag_summary_v1), for the windows it holds (24h, 7d): one status
 * query and one ranked, limited query over one row per tag. The rows hold the same computeMetrics result the computed
 * leaderboard ranks (services/tag-summaries.ts writes it; the property test in tests/integration/analytics/
 * leaderboard-summary.test.ts proves entry = computed entry at the row's as-of). Before reading, the overview's
 * on-read rule: missing rows (up to INLINE_MISSING_MAX) are computed now, stale ones are queued for the background;
 * a stale row is served with its own `asOf` and `stale: true`, never as current. Returns undefined when the summary
 * cannot answer (another window, no rows for this platform and metric, or rows from before migration 31).
 */
export function leaderboardFromSummary(store: Store, raw: LeaderboardInput, nowMs = Date.now()): Promise<Leaderboard | undefined> {
  return fromSummary(store, parseAnalyticsInput(LeaderboardInput, raw), nowMs);
}

async function fromSummary(store: Store, input: ParsedInput, nowMs: number): Promise<Leaderboard | undefined> {
  if (input.at !== undefined) return undefined;
  const w = input.window === DAY_MS ? '24h' : input.window === 7 * DAY_MS ? '7d' : undefined;
  const q = w ? summaryLeaderboardQuery(input.by, w) : undefined;
  if (!w || !q) return undefined;
  await refreshOnRead(store, nowMs);
  const hour = hourOf(nowMs);
  const [status] = await store.run(summaryLeaderboardStatusQuery, { platform: input.platform, metric: input.metric, hour });
  // no rows, or rows written before migration 31 (without the entry's fields; the on-read refresh above queued them):
  // computed in the request
  if (!status || status.rows === 0 || status.legacy > 0) return undefined;
  const { rows, stats } = await store.runWithStats(q, { platform: input.platform, metric: input.metric, limit: input.limit });
  const ranked = status[`ranked_${input.by}_${w}` as `ranked_velocity_24h`];
  const at = new Date(nowMs).toISOString();
  return {
    by: input.by,
    window: formatDuration(input.window),
    platform: input.platform,
    metric: input.metric,
    at,
    grain: 'hourly',
    tagsSeen: status.seen,
    tagsRanked: ranked,
    entries: rows.map((r, i) => summaryEntry(r, i + 1, hour)),
    source: 'summary',
    asOfFrom: status.as_of_from ?? at,
    asOfTo: status.as_of_to ?? at,
    staleTags: status.stale,
    method: { analyticsVersion: ANALYTICS_VERSION, source: `${T.summary} (per-tag summary of ${T.hourly})`, description: METHOD_TEXT[input.by] },
    query: { name: q.name, rowsRead: stats.rowsRead, elapsedMs: Math.round(stats.elapsedMs) },
  };
}

function summaryEntry(r: SummaryLeaderboardRow, rank: number, hour: string): LeaderboardEntry {
  return {
    rank,
    tag: r.tag,
    asOf: r.metrics_at,
    stale: Date.parse(r.as_of) < Date.parse(hour),
    latestValue: r.latest_value,
    latestAt: r.latest_at,
    windowFrom: r.window_from,
    windowTo: r.window_to,
    delta: r.delta,
    velocityPerHour: r.velocity,
    velocityPerHourLow: r.velocity_low,
    velocityPerHourHigh: r.velocity_high,
    coverage: r.coverage,
    previousVelocityPerHour: r.previous_velocity,
    growthPct: r.growth_pct,
    growthPctLow: r.growth_pct_low,
    growthPctHigh: r.growth_pct_high,
    growthRatePerDay: r.growth_rate_per_day,
    doublingDays: r.doubling_days,
    doublingDaysLow: r.doubling_days_low,
    doublingDaysHigh: r.doubling_days_high,
    halvingDays: r.halving_days,
    zScore: r.z_score,
    baselineDays: r.z_baseline_days,
    breakout: r.breakout,
  };
}

/** The leaderboard computed in the request from every tag's hourly bins, as of `at` (default now). */
export function computedLeaderboard(store: Store, raw: LeaderboardInput, nowMs = Date.now()): Promise<Leaderboard> {
  return computed(store, parseAnalyticsInput(LeaderboardInput, raw), nowMs);
}

async function computed(store: Store, input: ParsedInput, nowMs: number): Promise<Leaderboard> {
  const windowMs = input.window;
  const atMs = input.at ? Date.parse(input.at) : nowMs;
  const sinceMs = Math.floor((atMs - Math.max(2 * windowMs, HISTORY_MS) - HOUR_MS) / HOUR_MS) * HOUR_MS;
  const [{ rows, stats }, tracked] = await Promise.all([
    store.runWithStats(leaderboardHourlyQuery, {
      platform: input.platform,
      metric: input.metric,
      at: new Date(atMs).toISOString(),
      since: new Date(sinceMs).toISOString(),
    }),
    listTracked(store, true),
  ]);
  const cadence = new Map(tracked.filter((t) => t.platform === input.platform).map((t) => [t.tag, t.everyMs]));
  const binsOf = new Map(rows.map((r) => [r.tag, binsFromColumns(r)]));
  const entryOf = (tag: string, fits: boolean) => {
    const cadenceMs = cadence.get(tag);
    return leaderboardEntry(tag, binsOf.get(tag)!, { atMs, windowMs, fits, ...(cadenceMs !== undefined ? { cadenceMs } : {}) });
  };
  // Every tag's ranking values (velocity, growth, z) without the 7-day Theil–Sen fits, which no ranking uses and which
  // cost most of the time; the rows shown are then computed whole (the same computeMetrics, fits included).
  const all = rows.map((r) => entryOf(r.tag, false));
  const value = (e: LeaderboardEntry) => (input.by === 'growth' ? e.growthPct : input.by === 'breakout' ? e.zScore : e.velocityPerHour);
  const ranked = all.filter((e) => value(e) !== null);
  ranked.sort((a, b) => {
    if (input.by === 'breakout' && a.breakout !== b.breakout) return a.breakout === true ? -1 : b.breakout === true ? 1 : a.breakout === false ? -1 : 1;
    return value(b)! - value(a)! || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
  });
  return {
    by: input.by,
    window: formatDuration(windowMs),
    platform: input.platform,
    metric: input.metric,
    at: new Date(atMs).toISOString(),
    grain: 'hourly',
    tagsSeen: rows.length,
    tagsRanked: ranked.length,
    entries: ranked.slice(0, input.limit).map((e, i) => ({ ...entryOf(e.tag, true), rank: i + 1 })),
    source: 'computed',
    asOfFrom: new Date(atMs).toISOString(),
    asOfTo: new Date(atMs).toISOString(),
    staleTags: 0,
    method: { analyticsVersion: ANALYTICS_VERSION, source: `${T.hourly} (rollup)`, description: METHOD_TEXT[input.by] },
    query: { name: leaderboardHourlyQuery.name, rowsRead: stats.rowsRead, elapsedMs: Math.round(stats.elapsedMs) },
  };
}

