/**
 * The JSON API (read-only unless the admin token is given). Used by the dashboard and documented in the README.
 */
import * as z from 'zod';
import type { Store } from '../store/store.ts';
import type { Config } from '../config/config.ts';
import type { Router } from './router.ts';
import { HttpError, parseInput, parseQuery } from './router.ts';
import { loadSeriesJson } from '../services/series.ts';
import { buildReport } from '../services/report.ts';
import { storeStatus } from '../services/status.ts';
import { addTracked, listTracked, removeTracked } from '../services/tracking.ts';
import { listTagsWithLatest } from '../services/tag-listing.ts';
import { CARE, isSensitiveTag, parseSensitiveTopics } from '../services/care.ts';
import { tryNormalizeTag } from '../schema/tag.ts';
import { Metric, Platform } from '../schema/observation.ts';
import { TimeInput } from '../util/time.ts';

/** User-written times: the one strict parser (ISO 8601 or `YYYY-MM-DD HH:MM:SS`, UTC without a zone), ISO UTC out. */
const isoTime = TimeInput;

/** Request schemas of these routes (also the source of the OpenAPI document, src/api/openapi.ts). */
export const SeriesQuery = z.object({ metric: Metric.default('views'), from: isoTime.optional(), to: isoTime.optional() });
export const ReportQuery = z.object({ metric: Metric.default('views'), at: isoTime.optional() });
export const trackedBody = (defaultEvery: string) =>
  z.object({ tags: z.array(z.string()).min(1), platform: z.string().default('tiktok'), every: z.string().default(defaultEvery) });

export function tagParams(params: Record<string, string>): { platform: string; tag: string } {
  const platform = Platform.safeParse(params.platform);
  if (!platform.success) throw new HttpError(400, 'BAD_REQUEST', `invalid platform ${JSON.stringify(params.platform)}`);
  const tag = tryNormalizeTag(params.tag ?? '');
  if (!tag.ok) throw new HttpError(400, 'BAD_REQUEST', tag.error.message);
  return { platform: platform.data, tag: tag.tag };
}

export interface ApiDeps {
  store: Store;
  cfg: Config;
}

export function mountApi(router: Router, deps: ApiDeps): void {
  const { store } = deps;
  // Every tag with data or a schedule, with how it got there (tracked, imported, backfilled, sampled once).
  router.add('GET', '/api/tags', async () => ({ json: { tags: await listTagsWithLatest(store) } }));
  router.add('GET', '/api/tags/:platform/:tag/series', async (ctx) => {
    const key = tagParams(ctx.params);
    const q = parseQuery(SeriesQuery, ctx.url);
    // { platform, tag, metric, points: loadSeries(…) }: the points array as ClickHouse wrote it (loadSeriesJson: the same
    // objects as loadSeries, without parsing and re-writing every row; tests/integration/api/series-json.test.ts)
    const points = await loadSeriesJson(store, { ...key, metric: q.metric }, { ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) });
    const head = JSON.stringify({ ...key, metric: q.metric }).slice(0, -1);
    return { body: Buffer.concat([Buffer.from(`${head},"points":`), points, Buffer.from('}')]), contentType: 'application/json; charset=utf-8', headers: { 'cache-control': 'no-store' } };
  });
  router.add('GET', '/api/tags/:platform/:tag/report', async (ctx) => {
    const key = tagParams(ctx.params);
    const q = parseQuery(ReportQuery, ctx.url);
    return { json: await buildReport(store, { ...key, metric: q.metric, ...(q.at ? { at: q.at } : {}) }) };
  });
  // Sensitive topics: the resource line of a tag page (text and links from services/care.ts), or null.
  router.add('GET', '/api/tags/:platform/:tag/care', async (ctx) => {
    const key = tagParams(ctx.params);
    const sensitive = isSensitiveTag(key.tag, parseSensitiveTopics(deps.cfg.sensitiveTopics));
    return { json: { ...key, sensitive, care: sensitive ? { resources: CARE.resources, links: CARE.links, reporting: CARE.reporting } : null } };
  });
  router.add('GET', '/api/status', async () => ({ json: await storeStatus(store) }));
  router.add('GET', '/api/tracked', async () => ({ json: { tracked: await listTracked(store) } }));
  router.add(
    'POST',
    '/api/tracked',
    async (ctx) => {
      const b = parseInput(trackedBody(deps.cfg.defaultEvery), await ctx.body());
      return { json: { tracked: await addTracked(store, b) }, status: 201 };
    },
    'admin',
  );
  router.add(
    'DELETE',
    '/api/tracked/:platform/:tag',
    async (ctx) => {
      const key = tagParams(ctx.params);
      return { json: await removeTracked(store, { platform: key.platform, tags: [key.tag] }) };
    },
    'admin',
  );
}
