/**
 * Leaderboard across all tags of one platform and metric, ranked in ClickHouse from the hourly or daily rollup
 * (never the raw table; see leaderboardHourlyQuery for the method). Windows below 3 days read the hourly rollup,
 * longer ones the daily rollup (then a window edge is known to the day, and the velocity divides by the actual
 * time between the two samples used).
 */
import { z } from 'zod';
import { T } from '../store/migrations.ts';
import type { Store } from '../store/store.ts';
import { leaderboardDailyQuery, leaderboardHourlyQuery, type LeaderboardRow } from '../store/analytics-queries.ts';
import { BREAKOUT_DEFINITION, GROWTH_DEFAULTS, MAD_SCALE, MEAN_AD_SCALE } from '../analytics/growth.ts';
import { ANALYTICS_VERSION } from '../analytics/report.ts';
import { MetricInput, PlatformInput, TimeInput, durationInput, formatDuration, parseAnalyticsInput } from './analytics-inputs.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Windows of this length or more are ranked from the daily rollup. */
export const DAILY_GRAIN_FROM_MS = 3 * DAY_MS;

export const LeaderboardInput = z
  .object({
    by: z.enum(['velocity', 'growth', 'breakout']).default('velocity'),
    window: durationInput(HOUR_MS, 90 * DAY_MS, '24h or 7d').default(DAY_MS),
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
  latestValue: string | null;
  latestAt: string | null;
  /** Time of the sample the window starts at (the latest at or before the window start). */
  windowFrom: string | null;
  /** Counter change over the window (decimal string; a drop counts as 0). */
  delta: string | null;
  velocityPerHour: number | null;
  previousVelocityPerHour: number | null;
  growthPct: number | null;
  /** Breakout ranking only: robust z of the 24 h velocity vs the daily baseline. */
  zScore: number | null;
  baselineDays: number;
  breakout: boolean | null;
}

export interface Leaderboard {
  by: 'velocity' | 'growth' | 'breakout';
  window: string;
  platform: string;
  metric: string;
  at: string;
  grain: 'hourly' | 'daily';
  /** Tags with rollup data in the read range, and how many of them could be ranked. */
  tagsSeen: number;
  tagsRanked: number;
  entries: LeaderboardEntry[];
  method: { analyticsVersion: string; source: string; description: string };
  query: { name: string; rowsRead: number; elapsedMs: number };
}

const METHOD_TEXT = {
  velocity: 'velocity = ((counter at the latest sample ≤ at) − (counter at the latest sample ≤ at − window)) / hours between those two samples',
  growth: 'growth = (velocity over the window / velocity over the previous window − 1) × 100',
  breakout: `${BREAKOUT_DEFINITION.text}; from rollups: daily velocities between the latest samples at or before at − k·24h; rollups carry no rounding step, so the last condition is "the 24h change > 0"`,
} as const;

export async function computeLeaderboard(store: Store, raw: LeaderboardInput, nowMs = Date.now()): Promise<Leaderboard> {
  const input = parseAnalyticsInput(LeaderboardInput, raw);
  const windowMs = input.window;
  const atMs = input.at ? Date.parse(input.at) : nowMs;
  const daily = input.by !== 'breakout' && windowMs >= DAILY_GRAIN_FROM_MS;
  const grainMs = daily ? DAY_MS : HOUR_MS;
  const maxK = input.by === 'breakout' ? GROWTH_DEFAULTS.zBaselineDays + 1 : 2;
  const sinceMs = Math.floor((atMs - (maxK + 1) * windowMs) / grainMs) * grainMs;
  const query = daily ? leaderboardDailyQuery : leaderboardHourlyQuery;
  const { rows, stats } = await store.runWithStats(query, {
    platform: input.platform,
    metric: input.metric,
    at: new Date(atMs).toISOString(),
    since: new Date(sinceMs).toISOString(),
    windowMs,
    maxK,
    by: input.by,
    limit: input.limit,
    baselineDays: GROWTH_DEFAULTS.zBaselineDays,
    minBaselineDays: GROWTH_DEFAULTS.zMinBaselineDays,
    madScale: MAD_SCALE,
    meanAdScale: MEAN_AD_SCALE,
    relativeEpsilon: GROWTH_DEFAULTS.zRelativeEpsilon,
    absoluteEpsilon: GROWTH_DEFAULTS.zAbsoluteEpsilon,
    minZScore: BREAKOUT_DEFINITION.minZScore,
    minGrowthPct: BREAKOUT_DEFINITION.minVelocityGrowthPct,
  });
  const breakoutMode = input.by === 'breakout';
  return {
    by: input.by,
    window: formatDuration(windowMs),
    platform: input.platform,
    metric: input.metric,
    at: new Date(atMs).toISOString(),
    grain: daily ? 'daily' : 'hourly',
    tagsSeen: rows[0]?.tags_seen ?? 0,
    tagsRanked: rows[0]?.tags_ranked ?? 0,
    entries: rows.map((r, i) => toEntry(r, i + 1, breakoutMode)),
    method: { analyticsVersion: ANALYTICS_VERSION, source: `${daily ? T.daily : T.hourly} (rollup)`, description: METHOD_TEXT[input.by] },
    query: { name: query.name, rowsRead: stats.rowsRead, elapsedMs: Math.round(stats.elapsedMs) },
  };
}

function toEntry(r: LeaderboardRow, rank: number, breakoutMode: boolean): LeaderboardEntry {
  return {
    rank,
    tag: r.tag,
    latestValue: r.latest_value,
    latestAt: r.latest_at,
    windowFrom: r.window_from,
    delta: r.delta,
    velocityPerHour: r.velocity_per_hour,
    previousVelocityPerHour: r.prev_velocity_per_hour,
    growthPct: r.growth_pct,
    zScore: breakoutMode ? r.z_score : null,
    baselineDays: breakoutMode ? r.baseline_days : 0,
    breakout: breakoutMode ? r.breakout : null,
  };
}
