/** The web dashboard and the operations endpoints (pages, assets, /metrics, queue health). */
import { z } from 'zod';
import type { Router } from '../api/router.ts';
import { HttpError, parseQuery } from '../api/router.ts';
import { tagParams, type ApiDeps } from '../api/routes.ts';
import type { App } from '../runtime/app.ts';
import { Metric } from '../schema/observation.ts';
import { TimeInput } from '../util/time.ts';
import { logger } from '../util/log.ts';
import { buildBundle, pageShell, serveAsset, type Bundle } from './assets.ts';
import { buildOverview } from './overview.ts';
import { buildChart, buildQuality, RANGES, type RangeName } from './tag-detail.ts';
import { buildOps, prometheusMetrics } from './ops.ts';

/** Paths of the pages; each serves the same shell and the client renders the view named by the path. */
const PAGES = ['/', '/tag', '/compare', '/ops'] as const;

/** User-written times: the one strict parser, ISO UTC out. */
const isoTime = TimeInput;
const RangeQuery = z.object({
  metric: Metric.default('views'),
  range: z.enum(Object.keys(RANGES) as [RangeName, ...RangeName[]]).default('30d'),
  from: isoTime.optional(),
  to: isoTime.optional(),
});

export function mountDashboard(router: Router, deps: ApiDeps & { app?: App }): void {
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
    const q = parseQuery(z.object({ metric: Metric.default('views') }), ctx.url);
    return { json: await buildOverview(store, { metric: q.metric }) };
  });
  router.add('GET', '/api/tags/:platform/:tag/chart', async (ctx) => {
    const key = tagParams(ctx.params);
    const q = parseQuery(RangeQuery, ctx.url);
    return { json: await buildChart(store, { ...key, metric: q.metric }, q) };
  });
  router.add('GET', '/api/tags/:platform/:tag/quality', async (ctx) => {
    const key = tagParams(ctx.params);
    const q = parseQuery(z.object({ from: isoTime, to: isoTime }), ctx.url);
    return { json: await buildQuality(store, key, { from: q.from, to: q.to }) };
  });
  router.add('GET', '/api/ops', async () => ({ json: await buildOps(store, app) }));
  router.add('GET', '/metrics', async () => ({ body: await prometheusMetrics(store, app), contentType: 'text/plain; version=0.0.4; charset=utf-8', headers: { 'cache-control': 'no-store' } }));
}
