/**
 * The OpenAPI 3.1 document of the whole HTTP API, generated from the zod schemas the routes use (requests) and from
 * src/api/schemas.ts (responses) with zod's own JSON Schema output (z.toJSONSchema: draft 2020-12, which is OpenAPI
 * 3.1's dialect). Served at GET /api/openapi.json. The table below is written by hand because the router has no
 * place for response schemas; tests/integration/dashboard/openapi.test.ts checks that it lists exactly the mounted
 * routes, that the document validates (@seriousme/openapi-schema-validator), and that real responses match it.
 */
import * as z from 'zod';
import { createRequire } from 'node:module';
import * as S from './schemas.ts';
import { ReportQuery, SeriesQuery, trackedBody } from './routes.ts';
import { AlertsQuery, COMPARE_PARAMS, EXPORT_PARAMS, EventReportQuery, LEADERBOARD_PARAMS, YearQuery } from './analytics-routes.ts';
import { OverviewQuery, PAGE_PATHS, QualityQuery, RangeQuery } from './dashboard-routes.ts';
import { CompareInput } from '../services/compare.ts';
import { LeaderboardInput } from '../services/leaderboard.ts';
import { ExportInput } from '../services/export.ts';
import { EventAddInput } from '../services/events.ts';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

type Auth = 'none' | 'admin' | 'owner';

interface Reply {
  status: number;
  description: string;
  /** JSON body schema (a key of the response components). */
  json?: keyof typeof RESPONSES;
  /** Non-JSON bodies: content type → a short description. */
  content?: Record<string, string>;
  /** Response headers worth documenting: name → description. */
  headers?: Record<string, string>;
}

export interface Operation {
  method: 'GET' | 'POST' | 'DELETE';
  /** Router syntax (/api/tags/:platform/:tag/series); the document uses {platform}. */
  path: string;
  summary: string;
  tag: 'tags' | 'analytics' | 'exports' | 'events' | 'tracking' | 'dashboard' | 'operations' | 'internal';
  auth: Auth;
  query?: z.ZodType;
  /** Request headers the operation reads: name → description. */
  requestHeaders?: Record<string, string>;
  body?: z.ZodType;
  replies: Reply[];
}

/** Response components (name → schema). */
const RESPONSES = {
  Error: S.ErrorResponse,
  Health: S.Health,
  TagList: S.TagList,
  Series: S.Series,
  Report: S.Report,
  Status: S.Status,
  TrackedList: S.TrackedList,
  TrackedRemoved: S.TrackedRemoved,
  Comparison: S.Comparison,
  Leaderboard: S.Leaderboard,
  Citation: S.Citation,
  EventList: S.EventList,
  EventAdded: S.EventAdded,
  EventRemoved: S.EventRemoved,
  EventReport: S.EventReport,
  Alerts: S.Alerts,
  Overview: S.Overview,
  Chart: S.Chart,
  Quality: S.Quality,
  Ops: S.Ops,
  StoreRpcResult: S.StoreRpcResult,
  TagCare: S.TagCare,
  DriftBanners: S.DriftBanners,
  OpenApiDocument: S.OpenApiDocument,
} as const;
export type ResponseName = keyof typeof RESPONSES;
export const RESPONSE_SCHEMAS: Record<ResponseName, z.ZodType> = RESPONSES;

/** Query schemas of the analytics routes: the service's input schema, restricted to the parameters the route takes. */
const pick = (schema: z.ZodType, keys: readonly string[]) => {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? (schema as unknown as { def: { in?: { shape: Record<string, z.ZodType> } } }).def.in?.shape;
  if (!shape) throw new Error('openapi: a query schema without a shape');
  return z.object(Object.fromEntries(keys.map((k) => [k, shape[k]!])));
};

const ok = (json: ResponseName, description = 'OK'): Reply => ({ status: 200, description, json });
const bad: Reply = { status: 400, description: 'a bad parameter or body; the message names it', json: 'Error' };
const unauthorized: Reply = { status: 401, description: 'the admin token is missing or wrong (Authorization: Bearer <token>)', json: 'Error' };
const notFound: Reply = { status: 404, description: 'not found', json: 'Error' };

const OVERVIEW_HEADERS = {
  ETag: 'weak ETag of this answer: a hash of every row of the whole answer (before filtering and paging) and of the query',
  'Cache-Control': 'no-cache: revalidate with If-None-Match',
};

export const OPERATIONS: Operation[] = [
  { method: 'GET', path: '/healthz', summary: 'Liveness and store reachability (no token needed, even beyond loopback)', tag: 'operations', auth: 'none', replies: [ok('Health')] },
  {
    method: 'POST',
    path: '/internal/store/:method',
    summary: 'Store RPC between local tagpulse processes (owner token only; not for users)',
    tag: 'internal',
    auth: 'owner',
    body: z.record(z.string(), z.unknown()),
    replies: [ok('StoreRpcResult'), { status: 200, description: 'bytes of an export', content: { 'application/octet-stream': 'raw bytes' } }, unauthorized],
  },
  { method: 'GET', path: '/api/openapi.json', summary: 'This document', tag: 'operations', auth: 'none', replies: [ok('OpenApiDocument')] },
  { method: 'GET', path: '/api/tags', summary: 'Every tag with data or a schedule (tracked, imported, backfilled, sampled once), how it got there, and its latest values', tag: 'tags', auth: 'none', replies: [ok('TagList')] },
  { method: 'GET', path: '/api/tags/:platform/:tag/series', summary: "One tag's stored observations with provenance", tag: 'tags', auth: 'none', query: SeriesQuery, replies: [ok('Series'), bad] },
  { method: 'GET', path: '/api/tags/:platform/:tag/report', summary: 'Growth report: latest value, 1h/24h/7d velocity and growth, doubling time, breakout', tag: 'analytics', auth: 'none', query: ReportQuery, replies: [ok('Report'), bad] },
  { method: 'GET', path: '/api/tags/:platform/:tag/care', summary: 'Sensitive topics: crisis resources shown on the tag page (or null)', tag: 'tags', auth: 'none', replies: [ok('TagCare'), bad] },
  { method: 'GET', path: '/api/status', summary: 'Tracked tags with their latest values, and recent collection failures', tag: 'operations', auth: 'none', replies: [ok('Status')] },
  { method: 'GET', path: '/api/tracked', summary: 'Tracked tags and their cadence', tag: 'tracking', auth: 'none', replies: [ok('TrackedList')] },
  {
    method: 'POST',
    path: '/api/tracked',
    summary: 'Track tags (admin): sample them on a schedule',
    tag: 'tracking',
    auth: 'admin',
    body: trackedBody('1h'),
    replies: [{ status: 201, description: 'tracked', json: 'TrackedList' }, bad, unauthorized],
  },
  { method: 'DELETE', path: '/api/tracked/:platform/:tag', summary: 'Stop tracking a tag (admin); its data stays', tag: 'tracking', auth: 'admin', replies: [ok('TrackedRemoved'), bad, unauthorized] },
  { method: 'GET', path: '/api/compare', summary: 'Tags on one time grid: absolute, log, or indexed to 100', tag: 'analytics', auth: 'none', query: pick(CompareInput, COMPARE_PARAMS), replies: [ok('Comparison'), bad] },
  { method: 'GET', path: '/api/leaderboard', summary: 'Tags ranked by velocity, growth or breakout (from the rollups)', tag: 'analytics', auth: 'none', query: pick(LeaderboardInput, LEADERBOARD_PARAMS), replies: [ok('Leaderboard'), bad] },
  {
    method: 'GET',
    path: '/api/export',
    summary: 'Observations with provenance as CSV, JSON lines or Parquet; the citation is linked (Link: rel="describedby")',
    tag: 'exports',
    auth: 'none',
    query: pick(ExportInput, EXPORT_PARAMS),
    replies: [
      { status: 200, description: 'the exported file (headers x-tagpulse-rows, x-tagpulse-sha256, x-tagpulse-snapshot)', content: { 'text/csv': 'CSV with a header row', 'application/x-ndjson': 'one JSON object per line', 'application/vnd.apache.parquet': 'Apache Parquet' } },
      bad,
    ],
  },
  { method: 'GET', path: '/api/export/citation', summary: 'The citation of an export (same parameters)', tag: 'exports', auth: 'none', query: pick(ExportInput, EXPORT_PARAMS), replies: [ok('Citation'), bad] },
  { method: 'GET', path: '/api/events', summary: 'Built-in awareness days and user events', tag: 'events', auth: 'none', query: YearQuery, replies: [ok('EventList'), bad] },
  { method: 'POST', path: '/api/events', summary: 'Add or update a user event (admin)', tag: 'events', auth: 'admin', body: EventAddInput, replies: [{ status: 201, description: 'created', json: 'EventAdded' }, ok('EventAdded', 'updated'), bad, unauthorized] },
  { method: 'DELETE', path: '/api/events/:slug', summary: 'Remove a user event (admin)', tag: 'events', auth: 'admin', replies: [ok('EventRemoved'), unauthorized, notFound] },
  { method: 'GET', path: '/api/tags/:platform/:tag/event-report', summary: 'Growth before, during and after an event, and in earlier years', tag: 'analytics', auth: 'none', query: EventReportQuery, replies: [ok('EventReport'), bad, notFound] },
  { method: 'GET', path: '/api/alerts', summary: 'Alert rules and recent deliveries', tag: 'analytics', auth: 'none', query: AlertsQuery, replies: [ok('Alerts'), bad] },
  ...PAGE_PATHS.map((path): Operation => ({ method: 'GET', path, summary: `Dashboard page ${path}`, tag: 'dashboard', auth: 'none', replies: [{ status: 200, description: 'HTML shell of the dashboard', content: { 'text/html': 'HTML' } }] })),
  { method: 'GET', path: '/assets/:name', summary: 'Dashboard assets (hashed names, immutable)', tag: 'dashboard', auth: 'none', replies: [{ status: 200, description: 'a script, style sheet or icon', content: { 'text/javascript': 'JavaScript', 'text/css': 'CSS', 'image/svg+xml': 'SVG' } }, notFound] },
  {
    method: 'GET',
    path: '/api/overview',
    summary: 'One page of the overview (one summary row per tag with data), filtered, sorted and paged on the server',
    tag: 'dashboard',
    auth: 'none',
    query: OverviewQuery,
    requestHeaders: { 'If-None-Match': 'the ETag of an earlier answer to the same URL: 304 while no row of the whole answer changed' },
    replies: [
      { ...ok('Overview'), headers: OVERVIEW_HEADERS },
      { status: 304, description: 'not modified: If-None-Match names the current ETag (no row of the whole answer changed); empty body', headers: OVERVIEW_HEADERS },
      bad,
    ],
  },
  { method: 'GET', path: '/api/tags/:platform/:tag/chart', summary: "One tag's series for a chart, bucketed, with velocity bins", tag: 'dashboard', auth: 'none', query: RangeQuery, replies: [ok('Chart'), bad] },
  { method: 'GET', path: '/api/tags/:platform/:tag/quality', summary: "Where one tag's readings came from, their precision, and its failures", tag: 'dashboard', auth: 'none', query: QualityQuery, replies: [ok('Quality'), bad] },
  { method: 'GET', path: '/api/ops', summary: 'Operations view: process, store, queues, stale tags, failures', tag: 'operations', auth: 'none', replies: [ok('Ops')] },
  { method: 'GET', path: '/api/alerts/drift', summary: 'Open format-drift alerts (a platform changed its page or API format): banners', tag: 'operations', auth: 'none', replies: [ok('DriftBanners')] },
  {
    method: 'GET',
    path: '/api/ops/raw/:id',
    summary: 'A saved raw response of a failed sample, as plain text (never rendered); ?download=1 gives the JSON record',
    tag: 'operations',
    auth: 'none',
    query: z.object({ download: z.enum(['1']).optional().describe('1: the JSON record as an attachment (for tagpulse parse)') }),
    replies: [{ status: 200, description: 'the request and the response body exactly as received', content: { 'text/plain': 'text' } }, bad, notFound],
  },
  { method: 'GET', path: '/metrics', summary: 'Prometheus metrics', tag: 'operations', auth: 'none', replies: [{ status: 200, description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': 'metrics' } }] },
];

/** /api/tags/:platform/:tag → /api/tags/{platform}/{tag} */
export const openApiPath = (path: string) => path.replace(/:([a-zA-Z]+)/g, '{$1}');

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

function queryParameters(schema: z.ZodType): Json[] {
  const js = jsonSchema(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: 'query', required: required.has(name), ...(typeof s.description === 'string' ? { description: s.description } : {}), schema: s }));
}

let cached: Json | undefined;

/** The OpenAPI 3.1 document (built once per process). */
export function openApiDocument(): Json {
  if (cached) return cached;
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/:([a-zA-Z]+)/g)].map((m) => ({ name: m[1]!, in: 'path', required: true, schema: { type: 'string' } }));
    const responses: Record<string, Json> = {};
    for (const r of op.replies) {
      const prev = responses[String(r.status)];
      const content: Record<string, Json> = (prev?.content as Record<string, Json> | undefined) ?? {};
      if (r.json) content['application/json'] = { schema: { $ref: `#/components/schemas/${r.json}` } };
      for (const [type, description] of Object.entries(r.content ?? {})) content[type] = { schema: type === 'text/html' || type.startsWith('text/') ? { type: 'string', description } : { type: 'string', contentMediaType: type, description } };
      const headers = { ...((prev?.headers as Json | undefined) ?? {}), ...Object.fromEntries(Object.entries(r.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) };
      responses[String(r.status)] = { description: prev ? `${prev.description}; or ${r.description}` : r.description, ...(Object.keys(headers).length ? { headers } : {}), ...(Object.keys(content).length ? { content } : {}) };
    }
    const operation: Json = {
      operationId: `${op.method.toLowerCase()}${op.path.replace(/[^a-zA-Z]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: op.summary,
      tags: [op.tag],
      ...(op.auth === 'none' ? {} : { security: [{ [op.auth === 'owner' ? 'ownerToken' : 'adminToken']: [] }] }),
      parameters: [...params, ...(op.query ? queryParameters(op.query) : []), ...Object.entries(op.requestHeaders ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } }))],
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } } : {}),
      responses,
    };
    (paths[openApiPath(op.path)] ??= {})[op.method.toLowerCase()] = operation;
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'tagpulse API',
      version: VERSION,
      description:
        'Hashtag counters with provenance, their growth, exports and citations. Read-only without a token on loopback; ' +
        'writes need the admin token (TAGPULSE_ADMIN_TOKEN) as `Authorization: Bearer <token>`; beyond loopback every request ' +
        'needs it. Counts are decimal strings (exact UInt64). Errors are `{"error": {"code", "message"}}`. ' +
        'Guide for R and Python: docs/r-and-python.md.',
    },
    servers: [{ url: '/' }],
    tags: ['tags', 'analytics', 'exports', 'events', 'tracking', 'dashboard', 'operations', 'internal'].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(RESPONSES).map(([name, schema]) => [name, jsonSchema(schema, 'output')])),
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'the admin token (TAGPULSE_ADMIN_TOKEN); also accepted as ?token=' },
        ownerToken: { type: 'http', scheme: 'bearer', description: 'the per-process owner token of local tagpulse processes' },
      },
    },
  };
  return cached;
}
