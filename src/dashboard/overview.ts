/**
 * The overview: one summary row per tag with data or a schedule (tracked, imported, backfilled or sampled once; see
 * services/tag-listing.ts) with how it got there (latest counts, 24 h / 7 d velocity and growth, doubling time,
 * breakout, a sparkline, sample age and recent failures).
 *
 * Built for hundreds of tags: three queries for all tags at once (latest values, the last 15 days reduced to one
 * point per hour by ClickHouse, failures of the last 24 h), then the same report code as `tagpulse report` on the
 * hourly points with the expensive parts (change points, lifecycle fit) switched off, memoised per tag until its
 * data changes. Fifteen days cover the 7 d window, the 7 d window before it (growth) and the 14-day z-score baseline.
 */
import type { Store } from '../store/store.ts';
import { latestQuery } from '../store/queries.ts';
import type { QueryRow } from '../store/query.ts';
import { listTags, type TagOrigin } from '../services/tag-listing.ts';
import { computeReport, type AnalyticsParameters } from '../analytics/report.ts';
import type { SeriesPoint } from '../analytics/types.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../analytics/math.ts';
import { cleanSeries } from '../analytics/clean.ts';
import { interpolateAt } from '../analytics/velocity.ts';
import { failureSummaryQuery, hourlyPointsQuery } from './queries.ts';

/** How far back the overview reads. */
const OVERVIEW_LOOKBACK_MS = 15 * MS_PER_DAY;
/** Sparkline: the last 7 days on a 2-hour grid. */
const SPARK_SPAN_MS = 7 * MS_PER_DAY;
const SPARK_STEP_MS = 2 * MS_PER_HOUR;
/** The overview shows no change points or lifecycle: a grid of zero bins turns both off. */
const LIGHT: Partial<AnalyticsParameters> = { changepointMaxBins: 0, lifecycleMaxBins: 0 };

export interface LatestCount {
  value: string;
  precision: 'exact' | 'rounded' | 'lower_bound';
  step: string;
  observedAt: string;
}

type LatestRow = QueryRow<typeof latestQuery>;

/** Latest rows (one per tag and metric) grouped by "platform|tag", and the time of each tag's latest sample. */
export function latestByTag(rows: LatestRow[]): Map<string, { metrics: Map<string, LatestRow>; lastAt: string }> {
  const out = new Map<string, { metrics: Map<string, LatestRow>; lastAt: string }>();
  for (const r of rows) {
    const k = `${r.platform}|${r.tag}`;
    const e = out.get(k) ?? { metrics: new Map<string, LatestRow>(), lastAt: r.latest_at };
    e.metrics.set(r.metric, r);
    if (r.latest_at > e.lastAt) e.lastAt = r.latest_at;
    out.set(k, e);
  }
  return out;
}

export interface OverviewRow {
  platform: string;
  tag: string;
  /** Cadence of its schedule; null when the tag was never tracked (imported, backfilled, sampled once). */
  everyMs: number | null;
  /** How its data got here (tracked, imported, backfilled, sampled) and whether a schedule still samples it. */
  origins: TagOrigin[];
  sampled: boolean;
  originText: string;
  /** Known only from "more than X" press figures: the highest X; else null. */
  lowerBound: string | null;
  views: LatestCount | null;
  posts: LatestCount | null;
  samples: number;
  lastSampleAt: string | null;
  /** True when a tracked tag's last sample is older than the cadence allows (see `isStale`); false when not sampled. */
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
  /** The cleaned counter over the last 7 days on a regular grid (null where there is no data on both sides). */
  sparkline: Sparkline;
  failures24h: number;
  lastFailure: { kind: string; at: string; message: string } | null;
}

export interface Sparkline {
  startMs: number;
  stepMs: number;
  values: (number | null)[];
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

/** The cleaned counter (glitches and lower bounds out) interpolated on a 2-hour grid; never extrapolated. */
function sparkline(points: SeriesPoint[], nowMs: number): Sparkline {
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

export async function buildOverview(store: Store, opts: { metric: string; nowMs?: number }): Promise<Overview> {
  const nowMs = opts.nowMs ?? Date.now();
  const tracked = await listTags(store);
  const generatedAt = new Date(nowMs).toISOString();
  if (!tracked.length) return { generatedAt, metric: opts.metric, tags: [] };
  const keys = { platforms: tracked.map((t) => t.platform), tags: tracked.map((t) => t.tag) };
  const [latest, hourly, failures] = await Promise.all([
    store.run(latestQuery, keys),
    store.run(hourlyPointsQuery, { ...keys, metric: opts.metric, from: new Date(nowMs - OVERVIEW_LOOKBACK_MS - MS_PER_HOUR).toISOString() }),
    store.run(failureSummaryQuery, { since: new Date(nowMs - MS_PER_DAY).toISOString() }),
  ]);
  const pointsBy = new Map<string, SeriesPoint[]>(
    hourly.map((r) => [`${r.platform}|${r.tag}`, r.times.map((t, i) => ({ t, value: BigInt(r.values[i]!), step: BigInt(r.steps[i]!), precision: r.precisions[i]! }))]),
  );
  const latestBy = latestByTag(latest);
  const failuresBy = new Map(failures.map((f) => [`${f.platform}|${f.tag}`, f]));
  const count = (r: LatestRow | undefined): LatestCount | null => (r ? { value: r.value, precision: r.precision as LatestCount['precision'], step: r.step, observedAt: r.latest_at } : null);

  const tags = tracked.map((t): OverviewRow => {
    const k = `${t.platform}|${t.tag}`;
    const latestOf = latestBy.get(k);
    const metrics = latestOf?.metrics;
    const points = pointsBy.get(k) ?? [];
    const lastSampleAt = latestOf?.lastAt ?? null;
    const f = failuresBy.get(k);
    return {
      platform: t.platform,
      tag: t.tag,
      everyMs: t.everyMs,
      origins: t.origins,
      sampled: t.sampled,
      originText: t.originText,
      lowerBound: t.lowerBound,
      views: count(metrics?.get('views')),
      posts: count(metrics?.get('posts')),
      samples: Math.max(0, ...[...(metrics?.values() ?? [])].map((m) => Number(m.samples))),
      lastSampleAt,
      stale: t.sampled && t.everyMs !== null ? isStale(lastSampleAt, t.everyMs, nowMs) : false,
      ...summarize({ platform: t.platform, tag: t.tag, metric: opts.metric }, points, nowMs),
      sparkline: sparkline(points, nowMs),
      failures24h: f?.failures ?? 0,
      lastFailure: f ? { kind: f.last_kind, at: f.last_at, message: f.last_message } : null,
    };
  });
  return { generatedAt, metric: opts.metric, tags };
}
