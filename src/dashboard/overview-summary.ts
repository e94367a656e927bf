/**
 * The current overview read from the per-tag summary (tag_summary_v1; issue 15): one page of rows filtered, sorted
 * and paged in SQL (store/summary-queries.ts), so 10,000 tags cost one scan of 10,000 small rows, not 16 days of
 * bins and a report per tag. The numbers in the table were computed by the analytics' one definition
 * (services/tag-summaries.ts → computeMetrics); nothing here computes a metric.
 *
 * Freshness: a row is current while its `as_of` is the current hour. On each (non-304) read, rows that are missing
 * (a tag with data and no row: written by a path that did not refresh) are computed before answering when there are
 * few (≤ INLINE_MISSING_MAX), and stale rows (an earlier hour), or many missing ones, are refreshed in the background
 * (bounded batches, one refresh at a time per process); the answer shows what is stored, each row with its own
 * asOf, and the ETag changes when the refresh lands.
 *
 * An explicit `at` (a past time) is not served from here: the route computes it per request (buildOverview), correct
 * but not fast.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { overviewPageQuery, overviewTotalsQuery, overviewVersionQuery, summarySparklinesQuery, type OverviewPageRow } from '../store/summary-queries.ts';
import { hourOf, refreshOnRead } from '../services/tag-summaries.ts';
import { originText, originsOf } from '../services/tag-listing.ts';
import { binSparkline } from '../analytics/summary.ts';
import { MS_PER_DAY } from '../analytics/math.ts';
import { isStale, type LatestCount, type OverviewRow } from './overview.ts';
import { etagMatches, type OverviewPage, type OverviewPageQuery } from './overview-page.ts';

/** The contract's query (dashboard/overview-page.ts) with the metric. */
export type SummaryOverviewQuery = OverviewPageQuery & { metric: string };
export type SummaryOverviewPage = OverviewPage;

/**
 * The data version of the current overview at nowMs: the summary, the tracked list, the failures of the last 24 h,
 * the stale tracked tags, the raw table's row count (a write that no refresh followed yet) and the hour (rows turn
 * stale). Cheap: small tables and counts.
 */
export async function summaryDataVersion(store: Store, nowMs: number): Promise<string> {
  const [v] = await store.run(overviewVersionQuery, { since: new Date(nowMs - MS_PER_DAY).toISOString(), now: new Date(nowMs).toISOString() });
  return `${hourOf(nowMs)}|${v?.version ?? ''}`;
}

/** The weak ETag of one answer: data version plus the query that cut the page. */
export function summaryEtag(version: string, q: SummaryOverviewQuery): string {
  const key = [q.metric, q.page, q.pageSize, q.sort, q.dir, q.q ?? '', q.platform ?? '', q.only ?? 'all', q.source ?? 'all'];
  return `W/"ov-s${createHash('sha256').update(version).update(JSON.stringify(key)).digest('base64url').slice(0, 27)}"`;
}

function latest(value: string | null, precision: string, step: string, at: string | null): LatestCount | null {
  if (value === null || at === null) return null;
  return { value, precision: precision as LatestCount['precision'], step, observedAt: at };
}

/** One row of the page query as an OverviewRow (the shape buildOverview gives). */
export function overviewRowOf(r: OverviewPageRow, nowMs: number): OverviewRow {
  const sampled = r.active === true;
  const everyMs = r.every_ms;
  const origins = originsOf(r.methods, sampled);
  const spark = r.sparkline !== null && r.spark_start !== null && r.spark_step_ms !== null && r.has_summary ? { startMs: Date.parse(r.spark_start), stepMs: r.spark_step_ms, values: r.sparkline } : binSparkline([], nowMs);
  return {
    platform: r.platform,
    tag: r.tag,
    everyMs,
    origins,
    sampled,
    originText: originText({ origins, sampled, everyMs, trackingStopped: r.active === false, observations: r.samples }),
    lowerBound: r.lower_bound_only ? r.max_lower_bound : null,
    views: latest(r.views_value, r.views_precision, r.views_step, r.views_at),
    posts: latest(r.posts_value, r.posts_precision, r.posts_step, r.posts_at),
    samples: r.samples,
    lastSampleAt: r.last_sample_at,
    stale: sampled && everyMs !== null ? isStale(r.last_sample_at, everyMs, nowMs) : false,
    asOf: r.window_end,
    velocity24h: r.velocity_24h,
    velocity24hLow: r.velocity_24h_low,
    velocity24hHigh: r.velocity_24h_high,
    growth24hPct: r.growth_24h_pct,
    growth24hPctLow: r.growth_24h_pct_low,
    growth24hPctHigh: r.growth_24h_pct_high,
    velocity7d: r.velocity_7d,
    velocity7dLow: r.velocity_7d_low,
    velocity7dHigh: r.velocity_7d_high,
    growth7dPct: r.growth_7d_pct,
    growth7dPctLow: r.growth_7d_pct_low,
    growth7dPctHigh: r.growth_7d_pct_high,
    doublingDays: r.doubling_days,
    doublingDaysLow: r.doubling_days_low,
    doublingDaysHigh: r.doubling_days_high,
    halvingDays: r.halving_days,
    zScore: r.z_score,
    breakout: r.breakout,
    sparkline: spark,
    failures24h: r.failures,
    lastFailure: r.last_kind !== null && r.last_failure_at !== null ? { kind: r.last_kind, at: r.last_failure_at, message: r.last_message ?? '' } : null,
  };
}

/** The page query's parameters for a query, a time and a window of rows. */
export function pageParams(q: SummaryOverviewQuery, nowMs: number, limit: number, offset: number) {
  return {
    metric: q.metric,
    since: new Date(nowMs - MS_PER_DAY).toISOString(),
    now: new Date(nowMs).toISOString(),
    q: (q.q ?? '').trim().replace(/^#/, ''),
    platform: q.platform ?? '',
    only: q.only ?? 'all',
    source: q.source ?? 'all',
    limit,
    offset,
  };
}

/** One page of the current overview, from the summary table. */
export async function summaryOverviewPage(store: Store, q: SummaryOverviewQuery, nowMs: number): Promise<SummaryOverviewPage> {
  const [rows, totals] = await Promise.all([
    store.run(overviewPageQuery(q.sort, q.dir), pageParams(q, nowMs, q.pageSize, (q.page - 1) * q.pageSize)),
    store.run(overviewTotalsQuery, { metric: q.metric }),
  ]);
  const t = totals[0];
  const total = rows[0]?.total ?? (q.page > 1 ? await countAfterFilter(store, q, nowMs) : 0);
  // the page's sparklines, by key (the page query leaves them out: they are most of its bytes)
  const withSummary = rows.filter((r) => r.has_summary);
  if (withSummary.length) {
    const sparks = await store.run(summarySparklinesQuery, { metric: q.metric, platforms: withSummary.map((r) => r.platform), tags: withSummary.map((r) => r.tag) });
    const byKey = new Map(sparks.map((x) => [`${x.platform}|${x.tag}`, x.sparkline]));
    for (const r of withSummary) r.sparkline = byKey.get(`${r.platform}|${r.tag}`) ?? null;
  }
  return {
    generatedAt: new Date(nowMs).toISOString(),
    metric: q.metric,
    asOf: t?.as_of ?? null,
    total,
    totalAll: t?.total_all ?? 0,
    platforms: t?.platforms ?? [],
    page: q.page,
    pageSize: q.pageSize,
    sort: q.sort,
    dir: q.dir,
    tags: rows.map((r) => overviewRowOf(r, nowMs)),
  };
}

/** A page past the last one has no rows to carry the window count: ask for the first row of the same filter. */
async function countAfterFilter(store: Store, q: SummaryOverviewQuery, nowMs: number): Promise<number> {
  const r = await store.run(overviewPageQuery(q.sort, q.dir), pageParams(q, nowMs, 1, 0));
  return r[0]?.total ?? 0;
}

/**
 * The route's work for a current overview: the ETag first (a 304 reads nothing else), then refresh-on-read, then the
 * page. `notModified` when If-None-Match named the current ETag.
 */
export async function currentOverview(store: Store, q: SummaryOverviewQuery, ifNoneMatch: string | undefined, nowMs = Date.now()): Promise<{ etag: string; notModified: true } | { etag: string; notModified: false; page: SummaryOverviewPage }> {
  let etag = summaryEtag(await summaryDataVersion(store, nowMs), q);
  if (etagMatches(ifNoneMatch, etag)) return { etag, notModified: true };
  const r = await refreshOnRead(store, nowMs);
  if (r.inline) etag = summaryEtag(await summaryDataVersion(store, nowMs), q);
  return { etag, notModified: false, page: await summaryOverviewPage(store, q, nowMs) };
}
