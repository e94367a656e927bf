/**
 * The overview: one summary row per tracked tag (latest counts, 24 h / 7 d velocity and growth, doubling time,
 * breakout, a sparkline, sample age and recent failures).
 *
 * Built for hundreds of tags: three queries for all tags at once (latest values, the last 15 days reduced to one
 * point per hour by ClickHouse, failures of the last 24 h), then the same report code as `tagpulse report` on the
 * hourly points with the expensive parts (change points, lifecycle fit) switched off, memoised per tag until its
 * data changes. Fifteen days cover the 7 d window, the 7 d window before it (growth) and the 14-day z-score baseline.
 */
import type { Store } from '../store/store.ts';
import { latestQuery } from '../store/queries.ts';
import { listTracked } from '../services/tracking.ts';
import { computeReport, type AnalyticsParameters } from '../analytics/report.ts';
import type { SeriesPoint } from '../analytics/types.ts';
import { MS_PER_DAY, MS_PER_HOUR, evenIndices } from '../analytics/math.ts';
import { failureSummaryQuery, hourlyPointsQuery } from './queries.ts';

/** How far back the overview reads. */
export const OVERVIEW_LOOKBACK_MS = 15 * MS_PER_DAY;
/** Sparkline span and resolution. */
const SPARK_SPAN_MS = 7 * MS_PER_DAY;
const SPARK_MAX_POINTS = 84;
/** The overview shows no change points or lifecycle: a grid of zero bins turns both off. */
const LIGHT: Partial<AnalyticsParameters> = { changepointMaxBins: 0, lifecycleMaxBins: 0 };

export interface LatestCount {
  value: string;
  exact: boolean;
  step: string;
  observedAt: string;
}

export interface OverviewRow {
  platform: string;
  tag: string;
  everyMs: number;
  views: LatestCount | null;
  posts: LatestCount | null;
  samples: number;
  lastSampleAt: string | null;
  /** True when the last sample is older than the cadence allows (see `isStale`). */
  stale: boolean;
  velocity24h: number | null;
  velocity24hLow: number | null;
  velocity24hHigh: number | null;
  growth24hPct: number | null;
  velocity7d: number | null;
  growth7dPct: number | null;
  doublingDays: number | null;
  zScore: number | null;
  breakout: boolean | null;
  /** [epoch ms, counter] over the last 7 days, at most 84 points. */
  sparkline: [number, number][];
  failures24h: number;
  lastFailure: { kind: string; at: string; message: string } | null;
}

export interface Overview {
  generatedAt: string;
  metric: string;
  tags: OverviewRow[];
}

/** A tag is stale when nothing arrived for three cadences plus a minute (retries and queueing take some time). */
export function isStale(lastAt: string | null, everyMs: number, nowMs: number): boolean {
  return lastAt === null || nowMs - Date.parse(lastAt) > 3 * everyMs + 60_000;
}

type Summary = Pick<OverviewRow, 'velocity24h' | 'velocity24hLow' | 'velocity24hHigh' | 'growth24hPct' | 'velocity7d' | 'growth7dPct' | 'doublingDays' | 'zScore' | 'breakout'>;

/** Per-tag memo: the report of a tag is recomputed only when its hourly points changed. */
const memo = new Map<string, { signature: string; summary: Summary }>();
const MEMO_MAX = 20_000;

function summarize(key: { platform: string; tag: string; metric: string }, points: SeriesPoint[], nowMs: number): Summary {
  const id = `${key.platform}|${key.tag}|${key.metric}`;
  const first = points[0];
  const last = points[points.length - 1];
  const signature = `${points.length}|${first?.t}|${last?.t}|${last?.value}`;
  const hit = memo.get(id);
  if (hit?.signature === signature) return hit.summary;
  const r = computeReport(points, { ...key, now: nowMs, parameters: LIGHT });
  const w24 = r.windows.find((w) => w.window === '24h');
  const w7 = r.windows.find((w) => w.window === '7d');
  const summary: Summary = {
    velocity24h: w24?.velocityPerHour ?? null,
    velocity24hLow: w24?.velocityPerHourLow ?? null,
    velocity24hHigh: w24?.velocityPerHourHigh ?? null,
    growth24hPct: w24?.growthPct ?? null,
    velocity7d: w7?.velocityPerHour ?? null,
    growth7dPct: w7?.growthPct ?? null,
    doublingDays: r.counterDoublingDays,
    zScore: r.zScore,
    breakout: r.breakout,
  };
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(id, { signature, summary });
  return summary;
}

function sparkline(points: SeriesPoint[], nowMs: number): [number, number][] {
  const recent = points.filter((p) => p.t >= nowMs - SPARK_SPAN_MS && p.precision !== 'lower_bound');
  return evenIndices(recent.length, SPARK_MAX_POINTS).map((i) => [recent[i]!.t, Number(recent[i]!.value)]);
}

export async function buildOverview(store: Store, opts: { metric: string; nowMs?: number }): Promise<Overview> {
  const nowMs = opts.nowMs ?? Date.now();
  const tracked = await listTracked(store);
  const generatedAt = new Date(nowMs).toISOString();
  if (!tracked.length) return { generatedAt, metric: opts.metric, tags: [] };
  const keys = { platforms: tracked.map((t) => t.platform), tags: tracked.map((t) => t.tag) };
  const [latest, hourly, failures] = await Promise.all([
    store.run(latestQuery, keys),
    store.run(hourlyPointsQuery, { ...keys, metric: opts.metric, from: new Date(nowMs - OVERVIEW_LOOKBACK_MS - MS_PER_HOUR).toISOString() }),
    store.run(failureSummaryQuery, { since: new Date(nowMs - MS_PER_DAY).toISOString() }),
  ]);
  const pointsBy = new Map<string, SeriesPoint[]>();
  for (const r of hourly) {
    const k = `${r.platform}|${r.tag}`;
    let list = pointsBy.get(k);
    if (!list) pointsBy.set(k, (list = []));
    list.push({ t: Date.parse(r.t), value: BigInt(r.value), step: BigInt(r.step), precision: r.precision });
  }
  const latestBy = new Map<string, Map<string, (typeof latest)[number]>>();
  for (const r of latest) {
    const k = `${r.platform}|${r.tag}`;
    if (!latestBy.has(k)) latestBy.set(k, new Map());
    latestBy.get(k)!.set(r.metric, r);
  }
  const failuresBy = new Map(failures.map((f) => [`${f.platform}|${f.tag}`, f]));
  const count = (r: (typeof latest)[number] | undefined): LatestCount | null => (r ? { value: r.value, exact: r.exact, step: r.step, observedAt: r.latest_at } : null);

  const tags = tracked.map((t): OverviewRow => {
    const k = `${t.platform}|${t.tag}`;
    const metrics = latestBy.get(k);
    const points = pointsBy.get(k) ?? [];
    const times = [...(metrics?.values() ?? [])].map((m) => m.latest_at).sort();
    const lastSampleAt = times[times.length - 1] ?? null;
    const f = failuresBy.get(k);
    return {
      platform: t.platform,
      tag: t.tag,
      everyMs: t.everyMs,
      views: count(metrics?.get('views')),
      posts: count(metrics?.get('posts')),
      samples: Math.max(0, ...[...(metrics?.values() ?? [])].map((m) => Number(m.samples))),
      lastSampleAt,
      stale: isStale(lastSampleAt, t.everyMs, nowMs),
      ...summarize({ platform: t.platform, tag: t.tag, metric: opts.metric }, points, nowMs),
      sparkline: sparkline(points, nowMs),
      failures24h: f?.failures ?? 0,
      lastFailure: f ? { kind: f.last_kind, at: f.last_at, message: f.last_message } : null,
    };
  });
  return { generatedAt, metric: opts.metric, tags };
}
