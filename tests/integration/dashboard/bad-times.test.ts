/**
 * Issue 10, finding 3 (API half): every time parameter of the API goes through the one strict parser, so `1` and
 * `March 7` are a 400 saying how to write a time (they used to become dates in 2001), `+275760-09-13T00:00:00Z` is a
 * 400 (it used to be a 500), and a malformed percent-escape in a path or a query is a 400, never a 500.
 * Real chDB store, real HTTP server, every route mounted.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { addTracked } from '../../../src/services/tracking.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { obs } from '../../helpers/observations.ts';

describe('API: bad times and bad percent-escapes are 400s', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    await store.insertObservations([obs({ tag: 'tiktok', observedAt: '2024-03-01T00:00:00.000Z', value: '1000' }), obs({ tag: 'tiktok', observedAt: '2024-03-02T00:00:00.000Z', value: '2000' })]);
    await addTracked(store, { tags: ['tiktok'], platform: 'tiktok', every: '1h' });
    const cfg = testConfig({ dataDir: dir.dir });
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  const get = async (path: string) => {
    const r = await fetch(`${api.url}${path}`);
    const body = (await r.json()) as { error?: { code: string; message: string } };
    return { status: r.status, body };
  };

  const SERIES = '/api/tags/tiktok/tiktok/series';
  const TIMED = [
    (t: string) => `${SERIES}?from=${t}`,
    (t: string) => `${SERIES}?to=${t}`,
    (t: string) => `/api/tags/tiktok/tiktok/report?at=${t}`,
    (t: string) => `/api/tags/tiktok/tiktok/chart?from=${t}`,
    (t: string) => `/api/tags/tiktok/tiktok/quality?from=${t}&to=2024-03-02`,
    (t: string) => `/api/compare?tags=tiktok&from=${t}`,
    (t: string) => `/api/compare?tags=tiktok&indexAt=${t}`,
    (t: string) => `/api/leaderboard?at=${t}`,
    (t: string) => `/api/export?tags=tiktok&to=${t}`,
  ];

  it.each([
    ['1', /bare number/],
    ['March%207', /not an ISO 8601 time/],
    ['2024-02-30', /no such date/],
    ['%2B275760-09-13T00:00:00Z', /year outside 1900–2299/],
  ])('time %s → 400 with what was wrong and an example, on every endpoint that takes a time', async (t, why) => {
    for (const path of TIMED.map((f) => f(t))) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.error?.message, path).toMatch(why);
      expect(r.body.error?.message, path).toMatch(/2024-09-10/);
    }
  });

  it('a good time still answers 200 (the space form is UTC)', async () => {
    const r = await fetch(`${api.url}${SERIES}?from=2024-03-02%2000:00:00&to=2024-03-02T00:00:00Z`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { points: { observed_at: string; value: string }[] };
    expect(body.points.map((p) => [p.observed_at, p.value])).toEqual([['2024-03-02T00:00:00.000Z', '2000']]);
  });

  it.each([
    '/api/tags/tiktok/%E0%A4%A/series',
    '/api/tags/%E0%A4%A/tiktok/series',
    '/api/tags/tiktok/%zz/report',
    '/api/events/%C3%28',
    `${SERIES}?from=%E0%A4%A`,
    `${SERIES}?metric=%zz`,
    '/api/compare?tags=%E0%A4%A',
  ])('malformed percent-escape %s → 400', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('BAD_URL');
    expect(r.body.error?.message).toMatch(/malformed percent-escape/);
  });
});
