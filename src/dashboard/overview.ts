/**
 * The overview: one summary row per tag with data or a schedule (tracked, imported, backfilled or sampled once; see
 * services/tag-listing.ts) with how it got there (latest counts, 24 h / 7 d velocity and growth, doubling time,
 * breakout, a sparkline, sample age and recent failures).
 *
 * Built for hundreds of tags: three queries for all tags at once (latest values, the last 16 days reduced to hourly
 * bins — first and last reading per hour — by ClickHouse, failures of the last 24 h), then the analytics' one
 * definition of every metric (`computeMetrics`, the same function the report, the leaderboard and alerts use) on
 * those bins, memoised per tag until its bins change. Sixteen days cover the 7 d window, the 7 d window before it
 * (growth) and the 14-day z-score baseline before the latest day.
 */
import type { Store } from '../store/store.ts';
import { latestQuery } from '../store/queries.ts';
import type { QueryRow } from '../store/query.ts';
import { listTags, type TagOrigin } from '../services/tag-listing.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../analytics/math.ts';
import { binReadings, binsFromColumns, type HourBin } from '../analytics/metrics.ts';
import { binSparkline, summarizeBins, type Sparkline, type Summary } from '../analytics/summary.ts';
import { failureSummaryQuery, hourlyPointsQuery } from '../store/dashboard-queries.ts';

/** How far back the overview reads: 7 d window + the 7 d before it, or 24 h + 14 baseline days, plus an hour. */
export const OVERVIEW_LOOKBACK_MS = 16 * MS_PER_DAY;
export { summarizeBins, type Sparkline, type Summary };

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

/** One overview row: the tag, how it got here, its latest counts, and the metric fields of `Summary` (analytics/summary.ts). */
export interface OverviewRow extends Summary {
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
  /** The cleaned counter over the last 7 days on a regular grid (null where there is no data on both sides). */
  sparkline: Sparkline;
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

/** Per-tag memo: the metrics of a tag are recomputed only when its bins (or the hour) changed. */
const memo = new Map<string, { signature: string; summary: Summary }>();
const MEMO_MAX = 20_000;

function summarize(key: { platform: string; tag: string; metric: string }, bins: HourBin[], nowMs: number, cadenceMs: number | undefined): Summary {
  const id = `${key.platform}|${key.tag}|${key.metric}`;
  const readings = binReadings(bins, nowMs);
  const last = readings[readings.length - 1];
  const signature = `${Math.floor(nowMs / MS_PER_HOUR)}|${cadenceMs}|${readings.length}|${readings[0]?.t}|${last?.t}|${last?.value}`;
  const hit = memo.get(id);
  if (hit?.signature === signature) return hit.summary;
  const summary = summarizeBins(bins, nowMs, cadenceMs);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(id, { signature, summary });
  return summary;
}

export async function buildOverview(store: Store, opts: { metric: string; nowMs?: number }): Promise<Overview> {
  const nowMs = opts.nowMs ?? Date.now();
  const tracked = await listTags(store);
  const generatedAt = new Date(nowMs).toISOString();
  if (!tracked.length) return { generatedAt, metric: opts.metric, tags: [] };
  const keys = { platforms: tracked.map((t) => t.platform), tags: tracked.map((t) => t.tag) };
  const [latest, hourly, failures] = await Promise.all([
    store.run(latestQuery, keys),
    store.run(hourlyPointsQuery, { ...keys, metric: opts.metric, from: new Date(nowMs - OVERVIEW_LOOKBACK_MS - MS_PER_HOUR).toISOString(), to: new Date(nowMs).toISOString() }),
    store.run(failureSummaryQuery, { since: new Date(nowMs - MS_PER_DAY).toISOString() }),
  ]);
  const binsBy = new Map<string, HourBin[]>(hourly.map((r) => [`${r.platform}|${r.tag}`, binsFromColumns(r)]));
  const latestBy = latestByTag(latest);
  const failuresBy = new Map(failures.map((f) => [`${f.platform}|${f.tag}`, f]));
  const count = (r: LatestRow | undefined): LatestCount | null => (r ? { value: r.value, precision: r.precision as LatestCount['precision'], step: r.step, observedAt: r.latest_at } : null);

  const tags = tracked.map((t): OverviewRow => {
    const k = `${t.platform}|${t.tag}`;
    const latestOf = latestBy.get(k);
    const metrics = latestOf?.metrics;
    const bins = binsBy.get(k) ?? [];
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
      ...summarize({ platform: t.platform, tag: t.tag, metric: opts.metric }, bins, nowMs, t.everyMs ?? undefined),
      sparkline: binSparkline(bins, nowMs),
      failures24h: f?.failures ?? 0,
      lastFailure: f ? { kind: f.last_kind, at: f.last_at, message: f.last_message } : null,
    };
  });
  return { generatedAt, metric: opts.metric, tags };
}
