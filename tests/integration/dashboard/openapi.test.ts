/**
 * Issue 14, finding 2: an OpenAPI 3.1 document for the whole HTTP API, generated from zod, served at
 * /api/openapi.json. Checks: (1) the document validates with a dedicated OpenAPI validator
 * (@seriousme/openapi-schema-validator); (2) it lists exactly the routes the server mounts (src/api/*,
 * src/api/dashboard-routes.ts), no more, no fewer; (3) every route, called on a real server over real chDB with seeded
 * data, answers with a status, content type and body the document declares (bodies checked with ajv against the
 * document's own JSON Schemas, so the published document, not only the zod source, is what is tested).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { OPERATIONS, openApiPath } from '../../../src/api/openapi.ts';
import { parseImport } from '../../../src/importers/series-import.ts';
import { addTracked } from '../../../src/services/tracking.ts';
import { saveEvidence } from '../../../src/services/raw-evidence.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { SEED_TAGS, historyCsv, seedEventsAndFailures } from '../../browser/seed.ts';

const TOKEN = 'a-long-admin-token-for-openapi';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OpenAPI document', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;
  let doc: Json;
  const nowMs = Date.now();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  /** (METHOD path-template status) of every checked response. */
  const exercised = new Set<string>();
  let rawId = '';

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const parsed = await parseImport(historyCsv(nowMs, 14), 'csv', { file: 'seed-history.csv', importedAt: new Date(nowMs).toISOString() });
    await store.insertObservations(parsed.observations);
    await addTracked(store, { tags: Object.keys(SEED_TAGS), platform: 'tiktok', every: '1h' });
    await seedEventsAndFailures(store, nowMs);
    rawId = await saveEvidence(dir.dir, { keepPerKind: 5, maxBytes: 1 << 20 }, { platform: 'tiktok', tag: 'mentalhealth', kind: 'hollow', message: 'empty page', collectorVersion: 'test', method: 'http', raw: { url: 'http://127.0.0.1/tag/mentalhealth', status: 200, headers: { 'content-type': 'text/html' }, body: '<html></html>', receivedAt: new Date(nowMs).toISOString() } });
    expect(rawId).not.toBe('');
    const cfg = testConfig({ dataDir: dir.dir });
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, adminToken: TOKEN, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
    doc = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as Json;
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, Json>)) validators.set(name, ajv.compile(schema));
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  /** The documented operation a concrete path belongs to. */
  function operationOf(method: string, path: string): { template: string; op: Json } {
    const pathname = new URL(path, 'http://x').pathname;
    for (const [template, ops] of Object.entries(doc.paths as Record<string, Json>)) {
      const re = new RegExp('^' + template.replace(/\{[a-zA-Z]+\}/g, '[^/]+') + '$');
      if (re.test(pathname) && ops[method.toLowerCase()]) return { template, op: ops[method.toLowerCase()] };
    }
    throw new Error(`${method} ${pathname} is not in the OpenAPI document`);
  }

  /** Call a route and check the answer against the document; returns the parsed body (JSON) or the response. */
  async function call(method: string, path: string, opts: { body?: unknown; token?: string; expectStatus?: number; headers?: Record<string, string> } = {}): Promise<{ status: number; body: unknown; type: string; headers: Headers }> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${api.url}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const bytes = Buffer.from(await res.arrayBuffer());
    const { template, op } = operationOf(method, path);
    if (opts.expectStatus !== undefined) expect(res.status, `${method} ${path}: ${bytes.toString('utf8', 0, 300)}`).toBe(opts.expectStatus);
    const declared = op.responses[String(res.status)];
    expect(declared, `${method} ${path} answered ${res.status}, which the document does not declare: ${bytes.toString('utf8', 0, 300)}`).toBeDefined();
    for (const name of Object.keys(declared.headers ?? {})) expect(res.headers.get(name), `${method} ${path}: declared header ${name} missing`).not.toBeNull();
    if (res.status === 304) {
      // Not modified: no body, and the document declares none.
      expect(bytes.length).toBe(0);
      expect(declared.content).toBeUndefined();
      exercised.add(`${method} ${template} ${res.status}`);
      return { status: res.status, body: bytes, type, headers: res.headers };
    }
    expect(Object.keys(declared.content ?? {}), `${method} ${path}: content type ${type} not declared for ${res.status}`).toContain(type);
    let body: unknown = bytes;
    if (type === 'application/json') {
      body = JSON.parse(bytes.toString('utf8'));
      const ref = declared.content['application/json'].schema.$ref as string;
      const validate = validators.get(ref.split('/').pop()!)!;
      const valid = validate(body);
      expect(valid, `${method} ${path} does not match ${ref}: ${JSON.stringify(validate.errors?.slice(0, 5))}`).toBe(true);
    }
    exercised.add(`${method} ${template} ${res.status}`);
    return { status: res.status, body, type, headers: res.headers };
  }

  it('validates as OpenAPI 3.1 with @seriousme/openapi-schema-validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists exactly the routes the server mounts (and the mounted routes are all documented)', () => {
    const mounted = api.routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort();
    const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(documented).toEqual(mounted);
    expect(new Set(mounted).size).toBe(mounted.length);
    // Auth in the document matches the router's.
    for (const r of api.routes) {
      const op = doc.paths[openApiPath(r.path)][r.method.toLowerCase()];
      expect(op.security?.length ?? 0, `${r.method} ${r.path}`).toBe(r.auth === 'none' ? 0 : 1);
    }
  });

  it('every route answers with what the document says (status, content type, body schema)', async () => {
    const iso = (msAgo: number) => new Date(nowMs - msAgo).toISOString();
    const enc = encodeURIComponent;
    await call('GET', '/healthz', { expectStatus: 200 });
    await call('GET', '/api/openapi.json', { expectStatus: 200 });
    const tags = (await call('GET', '/api/tags', { expectStatus: 200 })).body as { tags: unknown[] };
    expect(tags.tags.length).toBe(Object.keys(SEED_TAGS).length);
    await call('GET', `/api/tags/tiktok/mentalhealth/series?from=${enc(iso(6 * 3_600_000))}`, { expectStatus: 200 });
    await call('GET', '/api/tags/tiktok/mentalhealth/report', { expectStatus: 200 });
    await call('GET', '/api/tags/tiktok/nosuchtag/report', { expectStatus: 200 });
    await call('GET', '/api/tags/tiktok/mentalhealth/report?at=not-a-time', { expectStatus: 400 });
    expect((await call('GET', '/api/tags/tiktok/suicidepreventionmonth/care', { expectStatus: 200 })).body).toMatchObject({ sensitive: true });
    expect((await call('GET', '/api/tags/tiktok/tiktoktherapy/care', { expectStatus: 200 })).body).toMatchObject({ sensitive: false, care: null });
    await call('GET', '/api/status', { expectStatus: 200 });
    await call('GET', '/api/tracked', { expectStatus: 200 });
    await call('POST', '/api/tracked', { body: { tags: ['newtag'], platform: 'tiktok' }, expectStatus: 401 });
    await call('POST', '/api/tracked', { body: { tags: ['newtag'], platform: 'tiktok', every: '6h' }, token: TOKEN, expectStatus: 201 });
    await call('POST', '/api/tracked', { body: { tags: [] }, token: TOKEN, expectStatus: 400 });
    await call('DELETE', '/api/tracked/tiktok/newtag', { token: TOKEN, expectStatus: 200 });
    await call('GET', '/api/compare?tags=mentalhealth,suicidepreventionmonth&scale=indexed', { expectStatus: 200 });
    await call('GET', '/api/compare?tags=mentalhealth&bogus=1', { expectStatus: 400 });
    await call('GET', '/api/leaderboard', { expectStatus: 200 });
    await call('GET', '/api/leaderboard?by=breakout', { expectStatus: 200 });
    for (const format of ['csv', 'jsonl', 'parquet']) await call('GET', `/api/export?tags=mentalhealth&format=${format}`, { expectStatus: 200 });
    await call('GET', '/api/export/citation?tags=mentalhealth', { expectStatus: 200 });
    await call('GET', '/api/events', { expectStatus: 200 });
    await call('POST', '/api/events', { body: { name: 'Spring push', start: iso(86_400_000), tags: ['mentalhealth'] }, token: TOKEN, expectStatus: 201 });
    await call('POST', '/api/events', { body: { name: 'Spring push', start: iso(86_400_000), tags: ['mentalhealth'] }, token: TOKEN, expectStatus: 200 });
    await call('POST', '/api/events', { body: { name: '' }, token: TOKEN, expectStatus: 400 });
    await call('GET', '/api/tags/tiktok/mentalhealth/event-report?event=campaign-launch', { expectStatus: 200 });
    await call('GET', '/api/tags/tiktok/mentalhealth/event-report?event=no-such-event', { expectStatus: 404 });
    await call('DELETE', '/api/events/spring-push', { token: TOKEN, expectStatus: 200 });
    await call('GET', '/api/alerts', { expectStatus: 200 });
    for (const page of ['/', '/tag', '/compare', '/ops']) await call('GET', page, { expectStatus: 200 });
    await call('GET', '/assets/favicon.svg', { expectStatus: 200 });
    await call('GET', '/assets/nothing.js', { expectStatus: 404 });
    const ov = await call('GET', '/api/overview', { expectStatus: 200 });
    await call('GET', '/api/overview', { headers: { 'if-none-match': ov.headers.get('etag')! }, expectStatus: 304 });
    expect((await call('GET', '/api/overview?page=2&pageSize=2&sort=views&dir=asc&q=mental&platform=tiktok', { expectStatus: 200 })).body).toMatchObject({ page: 2, pageSize: 2, sort: 'views', dir: 'asc', total: 2, tags: [] });
    await call('GET', '/api/overview?pageSize=501', { expectStatus: 400 });
    await call('GET', '/api/tags/tiktok/mentalhealth/chart?range=7d', { expectStatus: 200 });
    await call('GET', '/api/tags/tiktok/nosuchtag/chart', { expectStatus: 200 });
    await call('GET', `/api/tags/tiktok/mentalhealth/quality?from=${enc(iso(3 * 86_400_000))}&to=${enc(iso(0))}`, { expectStatus: 200 });
    await call('GET', '/api/ops', { expectStatus: 200 });
    await call('GET', '/api/alerts/drift', { expectStatus: 200 });
    await call('GET', '/api/ops/raw/not-an-id', { expectStatus: 400 });
    await call('GET', `/api/ops/raw/${rawId}`, { expectStatus: 200 });
    await call('GET', '/api/ops/raw/tiktok--blocked--20240101T000000000Z--0123abcd', { expectStatus: 404 });
    await call('GET', '/metrics', { expectStatus: 200 });
    await call('POST', '/internal/store/ping', { body: {}, token: api.ownerToken, expectStatus: 200 });
    await call('POST', '/internal/store/ping', { body: {}, expectStatus: 401 });
    // Every documented operation was called and answered its first (success) reply.
    const missing = OPERATIONS.filter((op) => !exercised.has(`${op.method} ${openApiPath(op.path)} ${op.replies[0]!.status}`)).map((op) => `${op.method} ${op.path}`);
    expect(missing).toEqual([]);
  }, 120_000);
});
