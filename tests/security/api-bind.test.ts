/**
 * The API refuses to listen beyond loopback without a token; with one, every request but the health check needs it.
 * The server binds 0.0.0.0, but the test only ever connects through 127.0.0.1.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startApiServer, ApiConfigError, type ApiServer } from '../../src/api/server.ts';
import { mountApi } from '../../src/api/routes.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';

const TOKEN = 'bind-test-token-0123456789';

describe('API bind guard', () => {
  const t = tempDir('tagpulse-bind-');
  let store: ClickHouseStore;
  let api: ApiServer;
  let base: string;

  beforeAll(async () => {
    store = await openClickHouseStore({ dataDir: t.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await api?.close();
    await store?.close();
    t.cleanup();
  });

  const mount = (router: Parameters<NonNullable<Parameters<typeof startApiServer>[0]['mount']>>[0]) => mountApi(router, { store, cfg: testConfig({ dataDir: t.dir }) });

  it.each(['0.0.0.0', '::', '10.1.2.3', 'example.org'])('refuses to listen on %s without a token, and says what to do', async (host) => {
    const started = startApiServer({ store, host, port: 0, mount });
    await expect(started).rejects.toBeInstanceOf(ApiConfigError);
    await expect(started).rejects.toMatchObject({ code: 'API_CONFIG', message: expect.stringMatching(/refusing to listen on .* without a token.*TAGPULSE_ADMIN_TOKEN.*127\.0\.0\.1/s) });
  });

  it('listens on 0.0.0.0 with a token', async () => {
    api = await startApiServer({ store, host: '0.0.0.0', port: 0, adminToken: TOKEN, mount });
    base = api.url;
    expect(new URL(base).hostname).toBe('127.0.0.1');
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('reads without the token are refused (401), with a message saying how to pass it', async () => {
    for (const path of ['/api/status', '/api/tracked', '/api/tags', '/api/tags/tiktok/mentalhealth/series']) {
      const r = await get(path);
      expect(r.status, path).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/Authorization: Bearer/) } });
    }
    expect((await get('/api/status', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await get('/api/status', { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
  });

  it('the token opens reads (header or query string) and writes', async () => {
    expect((await get('/api/status', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(`/api/tracked?token=${TOKEN}`)).status).toBe(200);
    const res = await fetch(`${base}/api/tracked`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['bindtest'], every: '1h' }) });
    expect(res.status).toBe(201);
  });

  it('the health check stays open and says nothing but up/down; the owner RPC needs the owner token', async () => {
    const health = await get('/healthz');
    expect(health).toEqual({ status: 200, body: { ok: true, store: 'up' } });
    const rpc = await fetch(`${base}/internal/store/ping`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(rpc.status).toBe(401);
  });

  it('loopback needs no token for reads, and writes stay closed without one', async () => {
    const local = await startApiServer({ store, host: '127.0.0.1', port: 0, mount });
    try {
      expect((await fetch(`${local.url}/api/status`)).status).toBe(200);
      const w = await fetch(`${local.url}/api/tracked`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['x'] }) });
      expect(w.status).toBe(403);
    } finally {
      await local.close();
    }
  });
});
