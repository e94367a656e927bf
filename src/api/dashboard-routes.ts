/** The web dashboard and the operations endpoints (pages, assets, /metrics, queue health). */
import * as z from 'zod';
import type { Router } from './router.ts';
import { HttpError, parseQuery } from './router.ts';
import { tagParams, type ApiDeps } from './routes.ts';
import { Metric } from '../schema/observation.ts';
import { TimeInput } from '../util/time.ts';
import { logger } from '../util/log.ts';
import { buildBundle, pageShell, serveAsset, type Bundle } from '../dashboard/assets.ts';
import { buildOverview } from '../dashboard/overview.ts';
import { currentOverview } from '../dashboard/overview-summary.ts';
import { OVERVIEW_ONLY, OVERVIEW_PAGE_SIZE_DEFAULT, OVERVIEW_PAGE_SIZE_MAX, OVERVIEW_SORT_KEYS, OVERVIEW_SOURCES, etagMatches, overviewDataVersion, overviewEtag, pageOverview } from '../dashboard/overview-page.ts';
import { buildChart, buildQuality, RANGES, type RangeName } from '../dashboard/tag-detail.ts';
import { buildOps, prometheusMetrics, type ProcessView } from '../dashboard/ops.ts';
import { parseEvidenceId, readEvidence, type RawRecord } from '../services/raw-evidence.ts';
import { activeDriftAlerts } from '../services/format-drift.ts';

/** Paths of the pages; each serves the same shell and the client renders the view named by the path. */
const PAGES = ['/', '/tag', '/compare', '/ops'] as const;

/** User-written times: the one strict parser, ISO UTC out. */
const isoTime = TimeInput;
export const RangeQuery = z.object({
  metric: Metric.default('views'),
  range: z.enum(Object.keys(RANGES) as [RangeName, ...RangeName[]]).default('30d'),
  from: isoTime.optional(),
  to: isoTime.optional(),
});

/**
 * The overview asks for one page at a time (issue 15; the /api/overview contract): `at` gives the metrics as of that
 * time (windows end at the last full hour before it), for citing and comparing views; the rest filters, sorts and
 * pages on the server (dashboard/overview-page.ts).
 */
export const OverviewQuery = z.object({
  metric: Metric.default('views'),
  at: isoTime.optional(),
  page: z.coerce
    .number({ error: 'page must be a whole number from 1' })
    .int('page must be a whole number from 1')
    .min(1, 'page must be a whole number from 1 (the first page is 1)')
    .max(1_000_000, 'page must be at most 1000000')
    .default(1)
    .describe('1-based page number; a page past the last one is empty (total says how many rows match)'),
  pageSize: z.coerce
    .number({ error: `pageSize must be a whole number from 1 to ${OVERVIEW_PAGE_SIZE_MAX}` })
    .int(`pageSize must be a whole number from 1 to ${OVERVIEW_PAGE_SIZE_MAX}`)
    .min(1, `pageSize must be a whole number from 1 to ${OVERVIEW_PAGE_SIZE_MAX}`)
    .max(OVERVIEW_PAGE_SIZE_MAX, `pageSize must be a whole number from 1 to ${OVERVIEW_PAGE_SIZE_MAX}`)
    .default(OVERVIEW_PAGE_SIZE_DEFAULT)
    .describe(`rows per page, 1 to ${OVERVIEW_PAGE_SIZE_MAX}`),
  sort: z
    .enum(OVERVIEW_SORT_KEYS, { error: `sort must be one of ${OVERVIEW_SORT_KEYS.join(', ')}` })
    .default('velocity24h')
    .describe('column to sort by; nulls always last; ties by platform then tag ascending; views/posts by the exact UInt64'),
  dir: z.enum(['asc', 'desc'], { error: 'dir must be asc or desc' }).default('desc'),
  q: z.string().max(200, 'q must be at most 200 characters').optional().describe('case-insensitive substring of the tag (without #)'),
  platform: z.string().max(64, 'platform must be at most 64 characters').optional().describe('only this platform'),
  only: z.enum(OVERVIEW_ONLY, { error: `only must be one of ${OVERVIEW_ONLY.join(', ')}` }).optional().describe('breakouts: breakouts only; problems: stale or failing tags only'),
  source: z.enum(OVERVIEW_SOURCES, { error: `source must be one of ${OVERVIEW_SOURCES.join(', ')}` }).optional().describe('how the data got here; not-sampled: no schedule samples it'),
});
export const QualityQuery = z.object({ from: isoTime, to: isoTime });
/** Paths of the HTML pages (for the OpenAPI document). */
export const PAGE_PATHS: readonly string[] = PAGES;

export function mountDashboard(router: Router, deps: ApiDeps & { app?: ProcessView }): void {
  const { store, app } = deps;
  let bundle: Promise<Bundle> | undefined;
  const getBundle = async (): Promise<Bundle> => {
    bundle ??= buildBundle();
    try {
      return await bundle;
    } catch (e) {
      bundle = undefined;
      logger('dashboard').error({ err: (e as Error).message }, 'building the dashboard assets failed');
      throw new HttpError(500, 'DASHBOARD_ASSETS', 'the dashboard assets could not be built; see the server log');
    }
  };
  // Warm up: the first page view should not wait for the bundler.
  void getBundle().catch(() => undefined);

  for (const path of PAGES) router.add('GET', path, async (ctx) => pageShell(await getBundle(), path, ctx.url.searchParams.get('token') ?? undefined));
  router.add('GET', '/assets/:name', async (ctx) => {
    const r = serveAsset(await getBundle(), ctx.params.name!, ctx.req.headers['if-none-match']);
    if (!r) throw new HttpError(404, 'NOT_FOUND', `no asset ${ctx.params.name}`);
    return r;
  });

  router.add('GET', '/api/overview', async (ctx) => {
    const q = parseQuery(OverviewQuery, ctx.url);
    if (!q.at) {
      // The current overview: one page read from the per-tag summary table (issue 15; dashboard/overview-summary.ts),
      // filtered, sorted and paged in SQL; the ETag comes from the data version, so a 304 reads nothing else.
      const r = await currentOverview(store, q, ctx.req.headers['if-none-match']);
      const headers = { etag: r.etag, 'cache-control': 'no-cache' };
      if (r.notModified) return { body: '', contentType: 'application/json', status: 304, headers };
      return { json: r.page, headers };
    }
    // An explicit past time: computed per request from the bins of that time (correct, not fast).
    const overview = await buildOverview(store, { metric: q.metric, nowMs: Date.parse(q.at) });
    // The ETag versions the whole answer (every row before filtering and paging) and the query that cut this page.
    const etag = overviewEtag(overviewDataVersion(overview), q);
    const headers = { etag, 'cache-control': 'no-cache' };
    if (etagMatches(ctx.req.headers['if-none-match'], etag)) return { body: '', contentType: 'application/json', status: 304, headers };
    return { json: pageOverview(overview, q), headers };
  });
  router.add('GET', '/api/tags/:platform/:tag/chart', async (ctx) => {
    const key = tagParams(ctx.params);
    const q = parseQuery(RangeQuery, ctx.url);
    return { json: await buildChart(store, { ...key, metric: q.metric }, q) };
  });
  router.add('GET', '/api/tags/:platform/:tag/quality', async (ctx) => {
    const key = tagParams(ctx.params);
    const q = parseQuery(QualityQuery, ctx.url);
    return { json: await buildQuality(store, key, { from: q.from, to: q.to }) };
  });
  router.add('GET', '/api/ops', async () => ({ json: await buildOps(store, app, Date.now(), deps.cfg) }));
  router.add('GET', '/api/alerts/drift', async () => ({ json: { banners: await activeDriftAlerts(store, deps.cfg) } }));
  // A saved raw response (evidence of a failed sample). Read-only; the id is validated (platform--kind--time--hex)
  // and is the only input that becomes a path. Always text/plain with nosniff and a sandboxing CSP: the body is a
  // hostile page and must never render as HTML. ?download=1 gives the JSON record as an attachment (for tagpulse parse).
  router.add('GET', '/api/ops/raw/:id', async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!parseEvidenceId(id)) throw new HttpError(400, 'BAD_RAW_ID', 'not a raw response id (expected platform--kind--YYYYMMDDTHHMMSSmmmZ--8 hex digits, as listed on the operations page)');
    const record = await readEvidence(deps.cfg.dataDir, id);
    if (!record) throw new HttpError(404, 'NOT_FOUND', `no saved response ${id} (kept responses are bounded: older ones are removed)`);
    const download = ctx.url.searchParams.get('download') === '1';
    return {
      body: download ? JSON.stringify(record, null, 1) : rawAsText(record),
      contentType: 'text/plain; charset=utf-8',
      headers: {
        'content-disposition': `${download ? 'attachment' : 'inline'}; filename="${id}.${download ? 'json' : 'txt'}"`,
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'no-store',
      },
    };
  });
  router.add('GET', '/metrics', async () => ({ body: await prometheusMetrics(store, app), contentType: 'text/plain; version=0.0.4; charset=utf-8', headers: { 'cache-control': 'no-store' } }));
}

/** A saved response for reading in the browser: what was asked and answered, then the body exactly as received. */
function rawAsText(r: RawRecord): string {
  const head = [
    `tagpulse raw response ${r.id}`,
    `platform: ${r.platform}   tag: #${r.tag}   kind: ${r.kind}`,
    `message: ${r.message}`,
    `url: ${r.url}`,
    `status: ${r.status}   received: ${r.receivedAt}   collector: ${r.collectorVersion} (${r.method})`,
    ...Object.entries(r.headers).map(([k, v]) => `header ${k}: ${v}`),
    r.bodyTruncated ? 'body: truncated to the first 8 MiB' : `body: ${r.body.length} characters`,
    `re-parse: download this response (?download=1) and run tagpulse parse <file>`,
    '',
    '----- body -----',
  ];
  return `${head.join('\n')}\n${r.body}`;
}
