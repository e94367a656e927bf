/**
 * API endpoints of the analytics: compare, leaderboard, export (+ citation), events, event reports and alerts.
 * Query parameters are validated by the same schemas as the CLI flags; a bad or unknown parameter is a 400 that
 * names it. Writes (events) need the admin token.
 */
import * as z from 'zod';
import { secretValues } from '../config/config.ts';
import { HttpError, parseQuery, type RouteContext, type RouteResult, type Router } from './router.ts';
import { tagParams, type ApiDeps } from './routes.ts';
import { AnalyticsInputError, durationInput, MetricInput, parseAnalyticsInput } from '../services/analytics-inputs.ts';
import { compareTags, type CompareInput } from '../services/compare.ts';
import { computeLeaderboard, type LeaderboardInput } from '../services/leaderboard.ts';
import { exportObservations, type ExportInput } from '../services/export.ts';
import { addEvent, EventNotFoundError, listEvents, removeEvent, type EventAddInput } from '../services/events.ts';
import { buildEventReport } from '../services/report.ts';
import { recentAlerts } from '../services/alerts.ts';
import { parseSensitiveTopics } from '../services/care.ts';

const QueryRecord = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** Query parameters as a record; a parameter outside `allowed` is a 400 (a typo must not be ignored silently). */
function queryInput(ctx: RouteContext, allowed: readonly string[]): Record<string, string | string[]> {
  const q = parseQuery(QueryRecord, ctx.url);
  delete q.token; // the server's own authentication parameter
  const unknown = Object.keys(q).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new HttpError(400, 'BAD_REQUEST', `unknown query parameter(s) ${unknown.join(', ')}; this endpoint takes ${allowed.join(', ')}`);
  return q;
}

/** Input mistakes become 400 (404 for a missing event) with the service's message. */
async function answer(fn: () => Promise<RouteResult>): Promise<RouteResult> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AnalyticsInputError) throw new HttpError(400, 'BAD_REQUEST', e.message);
    if (e instanceof EventNotFoundError) throw new HttpError(404, e.code, e.message);
    throw e;
  }
}

export const COMPARE_PARAMS = ['tags', 'platform', 'metric', 'scale', 'indexAt', 'from', 'to', 'step'] as const;
export const LEADERBOARD_PARAMS = ['by', 'window', 'metric', 'platform', 'limit', 'at'] as const;
export const EXPORT_PARAMS = ['tags', 'platform', 'metric', 'from', 'to', 'format', 'cleaned', 'snapshot'] as const;

export const EventReportQuery = z.object({
  event: z.string().min(1, 'give an event slug or name (GET /api/events lists them)'),
  metric: MetricInput,
  year: z.coerce.number().int().min(1970).max(2299).optional(),
  beforeDays: z.coerce.number().int().min(1).max(366).optional(),
  afterDays: z.coerce.number().int().min(1).max(366).optional(),
});
export const AlertsQuery = z.object({
  since: durationInput(60_000, 400 * 86_400_000, '7d').default(7 * 86_400_000),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
export const YearQuery = z.object({ year: z.coerce.number().int().min(1970).max(2299).optional() });

/** attachment; filename="…" with an ASCII fallback and the UTF-8 name (RFC 6266). */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function mountAnalyticsApi(router: Router, deps: ApiDeps): void {
  const { store, cfg } = deps;
  const exportOptions = () => ({ instance: cfg.publicUrl, secrets: secretValues(cfg), sensitiveTopics: parseSensitiveTopics(cfg.sensitiveTopics) });

  // The services validate their raw input with the same schemas as the CLI: the casts only name the shape.
  router.add('GET', '/api/compare', (ctx) => answer(async () => ({ json: await compareTags(store, queryInput(ctx, COMPARE_PARAMS) as CompareInput) })));

  router.add('GET', '/api/leaderboard', (ctx) => answer(async () => ({ json: await computeLeaderboard(store, queryInput(ctx, LEADERBOARD_PARAMS) as LeaderboardInput) })));

  router.add('GET', '/api/export', (ctx) =>
    answer(async () => {
      const q = queryInput(ctx, EXPORT_PARAMS) as ExportInput;
      const r = await exportObservations(store, q, exportOptions());
      const citation = new URLSearchParams({ ...(q as Record<string, string>), snapshot: r.citation.query.parameters.snapshot as string });
      return {
        body: r.bytes,
        contentType: r.contentType,
        headers: {
          'content-disposition': attachment(r.fileName),
          'cache-control': 'no-store',
          'x-tagpulse-rows': String(r.rows),
          'x-tagpulse-sha256': r.citation.sha256,
          'x-tagpulse-snapshot': String(r.citation.query.parameters.snapshot),
          link: `</api/export/citation?${citation.toString()}>; rel="describedby"; type="application/json"`,
        },
      };
    }),
  );

  router.add('GET', '/api/export/citation', (ctx) =>
    answer(async () => ({ json: (await exportObservations(store, queryInput(ctx, EXPORT_PARAMS) as ExportInput, exportOptions())).citation })),
  );

  router.add('GET', '/api/events', (ctx) =>
    answer(async () => {
      const q = parseAnalyticsInput(YearQuery, queryInput(ctx, ['year']));
      return { json: { events: await listEvents(store, q.year === undefined ? {} : { year: q.year }) } };
    }),
  );

  router.add(
    'POST',
    '/api/events',
    (ctx) =>
      answer(async () => {
        const r = await addEvent(store, (await ctx.body()) as EventAddInput);
        return { json: r, status: r.created ? 201 : 200 };
      }),
    'admin',
  );

  router.add('DELETE', '/api/events/:slug', (ctx) => answer(async () => ({ json: { removed: await removeEvent(store, ctx.params.slug!) } })), 'admin');

  router.add('GET', '/api/tags/:platform/:tag/event-report', (ctx) =>
    answer(async () => {
      const key = tagParams(ctx.params);
      const q = parseAnalyticsInput(EventReportQuery, queryInput(ctx, ['event', 'metric', 'year', 'beforeDays', 'afterDays']));
      return { json: await buildEventReport(store, { ...key, ...q }) };
    }),
  );

  router.add('GET', '/api/alerts', (ctx) =>
    answer(async () => {
      const q = parseAnalyticsInput(AlertsQuery, queryInput(ctx, ['since', 'limit']));
      return { json: { rules: cfg.alerts?.rules ?? [], deliveries: await recentAlerts(store, { sinceMs: q.since, limit: q.limit }) } };
    }),
  );

}
