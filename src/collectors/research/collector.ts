/**
 * TikTok Research API collector (platform `tiktok_research`). The API has no hashtag totals, so it yields two metrics
 * named for what they are, from all videos with `hashtag_name EQ <tag>` created in a window of complete UTC days
 * ending yesterday (researchWindowDays, at most 30):
 *  - `videos_created`: videos created on each UTC day; one observation per day, observed_at = the last millisecond of
 *    that day (23:59:59.999Z, time precision 'day'): the count covers the whole day. Re-querying a day later rewrites
 *    the same key with the newer count. Days without videos are not stored (an empty day cannot be told apart from one
 *    the API has not indexed yet).
 *  - `video_views_sum`: the sum of those videos' view_count at query time; observed_at = query time; the note names
 *    the window and the number of videos. Not the tag's lifetime views: a different series.
 * If the page budget (researchMaxRequestsPerCollect) or the daily quota runs out before the last page, what was read
 * is stored as lower bounds and the note says so. Nothing is ever extrapolated.
 */
import type { Collector, CollectContext, CollectOutcome } from '../types.ts';
import type { Reading } from '../../schema/observation.ts';
import { ResearchApiError, MAX_PAGE_SIZE, MAX_WINDOW_DAYS, type ResearchClient, type Video } from './client.ts';
import { msUntilUtcMidnight, QuotaExhaustedError, QuotaLedgerError, type FileQuotaLedger } from './quota.ts';

export const RESEARCH_VERSION = 'tiktok-research/1.0.0';
const DAY_MS = 86_400_000;

export interface ResearchWindow {
  /** YYYYMMDD, as the API wants them. */
  startDate: string;
  endDate: string;
  /** YYYY-MM-DD of every day in the window. */
  days: string[];
}

/** The `days` complete UTC days ending yesterday. Throws on windows the API refuses (more than 30 days). */
export function researchWindow(nowMs: number, days: number): ResearchWindow {
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) throw new RangeError(`a Research API window is 1 to ${MAX_WINDOW_DAYS} days, not ${days}`);
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const list = Array.from({ length: days }, (_, i) => new Date(today - (days - i) * DAY_MS).toISOString().slice(0, 10));
  const compact = (d: string) => d.replaceAll('-', '');
  return { startDate: compact(list[0]!), endDate: compact(list[list.length - 1]!), days: list };
}

export interface ResearchCollectorOptions {
  /** Undefined when no credentials are configured: every sample then fails with `auth` and says what to set. */
  client: ResearchClient | undefined;
  ledger: FileQuotaLedger;
  windowDays: number;
  maxRequestsPerCollect: number;
  now?: () => number;
}

interface Tally {
  ids: Set<string>;
  perDay: Map<string, number>;
  viewsSum: bigint;
  withoutViews: number;
  /** Why the result is incomplete, or null. */
  truncated: string | null;
}

export class ResearchCollector implements Collector {
  readonly platform = 'tiktok_research';
  readonly version = RESEARCH_VERSION;
  readonly #now: () => number;

  constructor(private readonly opts: ResearchCollectorOptions) {
    this.#now = opts.now ?? Date.now;
  }

  async collect(tag: string, _ctx: CollectContext = {}): Promise<CollectOutcome> {
    const client = this.opts.client;
    const failure = (kind: ResearchApiError['kind'], message: string, extra: { statusCode?: number; platformCode?: string; retryAfterMs?: number } = {}): CollectOutcome => ({
      ok: false,
      kind,
      message,
      method: 'api',
      url: client?.queryUrl ?? '',
      statusCode: extra.statusCode ?? 0,
      platformCode: extra.platformCode ?? '',
      ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
    });
    if (!client) return failure('auth', 'no TikTok Research API credentials: set researchClientKey and researchClientSecret (TAGPULSE_RESEARCH_CLIENT_KEY / TAGPULSE_RESEARCH_CLIENT_SECRET)');
    const window = researchWindow(this.#now(), this.opts.windowDays);
    const tally: Tally = { ids: new Set(), perDay: new Map(), viewsSum: 0n, withoutViews: 0, truncated: null };
    let cursor: number | undefined;
    let searchId: string | undefined;
    for (let requests = 0; ; requests++) {
      if (requests >= this.opts.maxRequestsPerCollect) {
        tally.truncated = `stopped after ${requests} requests (researchMaxRequestsPerCollect)`;
        break;
      }
      try {
        await this.opts.ledger.reserveRequest(MAX_PAGE_SIZE);
        const page = await client.queryVideos({ tag, startDate: window.startDate, endDate: window.endDate, ...(cursor !== undefined ? { cursor } : {}), ...(searchId ? { searchId } : {}) });
        await this.opts.ledger.addRecords(page.videos.length);
        for (const v of page.videos) count(tally, v, window);
        if (!page.hasMore || page.videos.length === 0) break;
        cursor = page.cursor;
        searchId = page.searchId || searchId;
      } catch (e) {
        if (e instanceof QuotaLedgerError) return failure('refused', e.message);
        if (!(e instanceof QuotaExhaustedError || e instanceof ResearchApiError)) throw e;
        const quota = e instanceof QuotaExhaustedError || e.kind === 'quota';
        if (e instanceof ResearchApiError && e.kind === 'quota') await this.opts.ledger.markExhausted();
        if (quota && requests > 0) {
          tally.truncated = `the daily quota ran out after ${requests} requests`;
          break;
        }
        const codes = e instanceof ResearchApiError ? { statusCode: e.statusCode, platformCode: e.platformCode } : {};
        if (quota) return failure('quota', e.message, { ...codes, retryAfterMs: msUntilUtcMidnight(this.#now()) });
        const api = e as ResearchApiError;
        return failure(api.kind, api.message, { ...codes, ...(api.retryAfterMs !== undefined ? { retryAfterMs: api.retryAfterMs } : {}) });
      }
    }
    if (tally.ids.size === 0) {
      if (tally.truncated) return failure('no_data', `no videos read: ${tally.truncated}`);
      return failure('not_found', `the Research API has no public videos with #${tag} created ${window.days[0]}..${window.days.at(-1)} (UTC)`);
    }
    return { ok: true, readings: readingsOf(tag, tally, window, new Date(this.#now()).toISOString()), method: 'api', url: client.queryUrl, statusCode: 200, format: 'research_video_query' };
  }
}

function count(t: Tally, v: Video, w: ResearchWindow): void {
  if (t.ids.has(v.id)) return; // pages can repeat a video
  t.ids.add(v.id);
  const day = new Date(v.createTime * 1000).toISOString().slice(0, 10);
  if (w.days.includes(day)) t.perDay.set(day, (t.perDay.get(day) ?? 0) + 1);
  if (v.viewCount === null) t.withoutViews++;
  else t.viewsSum += BigInt(v.viewCount);
}

function readingsOf(tag: string, t: Tally, w: ResearchWindow, queriedAt: string): Reading[] {
  const precision = t.truncated ? ('lower_bound' as const) : ('exact' as const);
  const partial = t.truncated ? ` Incomplete (${t.truncated}): a lower bound.` : '';
  const span = `${w.days[0]}..${w.days.at(-1)}`;
  const readings: Reading[] = [...t.perDay].map(([day, n]) => ({
    metric: 'videos_created',
    value: String(n),
    precision,
    step: '0',
    source: 'tiktok_research.video_query.create_time',
    observedAt: `${day}T23:59:59.999Z`,
    timePrecision: 'day',
    note: `Videos with #${tag} created on ${day} (UTC), counted at ${queriedAt} by the Research API (window ${span}).${partial}`,
  }));
  if (t.viewsSum > 0n) {
    const missing = t.withoutViews ? ` ${t.withoutViews} videos had no view_count and are not in the sum: a lower bound.` : '';
    readings.push({
      metric: 'video_views_sum',
      value: t.viewsSum.toString(),
      precision: t.withoutViews ? 'lower_bound' : precision,
      step: '0',
      source: 'tiktok_research.video_query.view_count_sum',
      observedAt: queriedAt,
      timePrecision: 'instant',
      note: `Sum of view_count at query time of ${t.ids.size} videos with #${tag} created ${span} (UTC). Not the tag's lifetime views.${partial}${missing}`,
    });
  }
  return readings;
}
