/**
 * The dashboard's server side without a browser: pages and assets (CSP, caching), the overview, chart and quality
 * endpoints against a real chDB store filled through the real importer's parser, hostile input, the operations view
 * and /metrics of a server without queues, and the token rule beyond loopback.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { parseImport } from '../../../src/importers/series-import.ts';
import { addTracked } from '../../../src/services/tracking.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import type { Overview } from '../../../src/dashboard/overview.ts';
import type { ChartData, QualityData } from '../../../src/dashboard/tag-detail.ts';
import type { OpsData } from '../../../src/dashboard/ops.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { obs } from '../../helpers/observations.ts';
import { HOSTILE, SEED_TAGS, historyCsv, seedEventsAndFailures } from '../../browser/seed.ts';

const HOUR = 3_600_000;
const TOKEN = 'a-long-admin-token-for-tests';

describe('dashboard API', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;
  let open: ApiServer | undefined;
  let inserted: Observation[];
  const nowMs = Date.now();
  const get = (path: string, init?: RequestInit) => fetch(`${api.url}${path}`, init);
  const json = async <T>(path: string): Promise<T> => {
    const r = await get(path);
    expect(r.status, `${path}: ${r.status}`).toBe(200);
    return (await r.json()) as T;
  };

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const parsed = await parseImport(historyCsv(nowMs, 14), 'csv', { file: 'seed-history.csv', importedAt: new Date(nowMs).toISOString() });
    expect(parsed.errors).toEqual([]);
    // A dense exact series (every 10 minutes for 15 days) to exercise bucketing.
    const dense: Observation[] = [];
    for (let t = nowMs - 15 * 24 * HOUR; t <= nowMs - HOUR; t += 10 * 60_000) dense.push(obs({ tag: 'dense', observedAt: new Date(t).toISOString(), value: String(1_000_000_000 + Math.round((t - nowMs) / 1000) * 10 + 15 * 24 * 3600 * 10) }));
    inserted = [...parsed.observations, ...dense];
    for (let i = 0; i < inserted.length; i += 5000) await store.insertObservations(inserted.slice(i, i + 5000));
    await addTracked(store, { tags: [...Object.keys(SEED_TAGS), 'dense', 'nodata'], platform: 'tiktok', every: '1h' });
    await seedEventsAndFailures(store, nowMs);
    const cfg = testConfig({ dataDir: dir.dir });
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
  });

  afterAll(async () => {
    await open?.close();
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  it('serves every page as a small shell with a strict CSP and hashed, immutable assets', async () => {
    for (const path of ['/', '/tag?platform=tiktok&tag=dense', '/compare', '/ops']) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      const html = await r.text();
      expect(html.length).toBeLessThan(3000);
      expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
      expect(html.match(/<script /g)).toHaveLength(1);
      expect(html.match(/rel="stylesheet"/g)).toHaveLength(1);
    }
    const html = await (await get('/')).text();
    const js = /src="(\/assets\/app-[0-9a-f]{12}\.js)"/.exec(html)![1]!;
    const css = /href="(\/assets\/app-[0-9a-f]{12}\.css)"/.exec(html)![1]!;
    const jr = await get(js);
    expect(jr.headers.get('content-type')).toMatch(/javascript/);
    expect(jr.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = await jr.text();
    expect(body.length).toBeGreaterThan(10_000);
    expect(body.length).toBeLessThan(150_000);
    expect(body).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i); // nothing loaded from elsewhere
    expect(body).not.toContain('innerHTML');
    const etag = jr.headers.get('etag')!;
    expect((await get(js, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await get(css)).headers.get('content-type')).toMatch(/text\/css/);
    expect((await get('/assets/app-000000000000.js')).status).toBe(404);
  });

  it('overview: one row per tracked tag, computed from the stored readings', async () => {
    const o = await json<Overview>('/api/overview');
    expect(o.tags.map((t) => t.tag).sort()).toEqual([...Object.keys(SEED_TAGS), 'dense', 'nodata'].sort());
    const row = (tag: string) => o.tags.find((t) => t.tag === tag)!;
    for (const tag of Object.keys(SEED_TAGS)) {
      const stored = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(row(tag).views?.value).toBe(stored[stored.length - 1]!.value);
      expect(row(tag).views?.precision).toBe(tag === 'tiktoktherapy' ? 'rounded' : 'exact');
      // The cleaned counter over 7 days on a 2-hour grid: monotone, and ending at the latest reading.
      const spark = row(tag).sparkline.values.filter((v): v is number => v !== null);
      expect(spark.length).toBeGreaterThan(80);
      expect(spark).toEqual([...spark].sort((a, b) => a - b));
      expect(spark[spark.length - 1]).toBe(Number(stored[stored.length - 1]!.value));
    }
    // Flat at 900,000/h with ±5 % noise.
    expect(row('mentalhealthmatters').velocity24h!).toBeGreaterThan(900_000 * 0.94);
    expect(row('mentalhealthmatters').velocity24h!).toBeLessThan(900_000 * 1.06);
    // The campaign: the rate jumped 2.5× in the last 24 h.
    expect(row('suicidepreventionmonth').breakout).toBe(true);
    expect(row('suicidepreventionmonth').growth24hPct!).toBeGreaterThan(100);
    expect(row('mentalhealthmatters').breakout).toBe(false);
    // A rounded series has a rounding interval around its velocity.
    expect(row('tiktoktherapy').velocity24hHigh!).toBeGreaterThan(row('tiktoktherapy').velocity24hLow!);
    // Missing is not zero.
    expect(row('nodata')).toMatchObject({ views: null, posts: null, velocity24h: null, breakout: null, lastSampleAt: null, stale: true });
    expect(row('nodata').sparkline.values.every((v) => v === null)).toBe(true);
    expect(row('mentalhealth').failures24h).toBe(1);
    expect(row('mentalhealth').lastFailure).toMatchObject({ kind: 'blocked', message: HOSTILE.failureMessage });
    expect(o.generatedAt).toMatch(/Z$/);
    const posts = await json<Overview>('/api/overview?metric=posts');
    expect(posts.metric).toBe('posts');
    expect(posts.tags.find((t) => t.tag === 'mentalhealthmatters')!.velocity24h!).toBeGreaterThan(150 * 0.9);
  });

  it('overview paging on the server (issue 15): one page, sorted and filtered; ETag and 304 while no row changed', async () => {
    type Page = Overview & { total: number; totalAll: number; page: number; pageSize: number; sort: string; dir: string; asOf: string | null };
    const all = await json<Page>('/api/overview?sort=views&dir=desc&pageSize=500');
    expect(all).toMatchObject({ total: all.totalAll, page: 1, pageSize: 500, sort: 'views', dir: 'desc' });
    // Views descending by the exact count, the tag without data last.
    const known = all.tags.filter((t) => t.views !== null).map((t) => BigInt(t.views!.value));
    expect(known).toEqual([...known].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
    expect(all.tags[all.tags.length - 1]!.tag).toBe('nodata');
    // Page 2 of 2 rows is the 3rd and 4th row of the full order.
    const p2 = await json<Page>('/api/overview?sort=views&dir=desc&pageSize=2&page=2');
    expect(p2.tags.map((t) => t.tag)).toEqual(all.tags.slice(2, 4).map((t) => t.tag));
    expect(p2.total).toBe(all.total);
    const f = await json<Page>('/api/overview?q=MENTAL&sort=tag&dir=asc');
    expect(f.tags.map((t) => t.tag)).toEqual(['mentalhealth', 'mentalhealthmatters']);
    expect(f).toMatchObject({ total: 2, totalAll: all.totalAll });

    const first = await get('/api/overview?pageSize=1&sort=tag&dir=asc');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"ov-/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await get('/api/overview?pageSize=1&sort=tag&dir=asc', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    // Another page is another representation: never a 304 for the ETag of the page before.
    expect((await get('/api/overview?pageSize=1&page=2&sort=tag&dir=asc', { headers: { 'if-none-match': etag } })).status).toBe(200);
    // New data for a tag that is not on this page (page 1 by tag is "dense"; "suicidepreventionmonth" is far away)
    // changes the ETag: it versions the whole answer, not the page.
    const first1 = (await first.json()) as Page;
    expect(first1.tags.map((t) => t.tag)).toEqual(['dense']);
    const latest = (await store.run(seriesQuery, { platform: 'tiktok', tag: 'suicidepreventionmonth', metric: 'views' })).at(-1)!;
    const fresh = obs({ tag: 'suicidepreventionmonth', observedAt: new Date(nowMs - 60_000).toISOString(), value: String(BigInt(latest.value) + 1000n) });
    await store.insertObservations([fresh]);
    inserted.push(fresh); // the /metrics test below counts every stored reading
    const after = await get('/api/overview?pageSize=1&sort=tag&dir=asc', { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(((await after.json()) as Page).tags.map((t) => t.tag)).toEqual(['dense']);
    // Bad paging parameters are 400s that name the parameter.
    for (const [qs, field] of [['page=0', 'page'], ['pageSize=1000', 'pageSize'], ['sort=nonsense', 'sort'], ['dir=sideways', 'dir']]) {
      const r = await get(`/api/overview?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toContain(`query parameter ${field}:`);
    }
  });

  it('chart: a long range is reduced to at most 1,000 stored readings; a short one keeps every sample', async () => {
    const stored = await store.run(seriesQuery, { platform: 'tiktok', tag: 'dense', metric: 'views' });
    const values = new Map(stored.map((r) => [r.observed_at, r.value]));
    const all = await json<ChartData>('/api/tags/tiktok/dense/chart?range=all');
    expect(all.samples).toBe(stored.length);
    expect(all.bucketMs).toBeGreaterThan(1);
    expect(all.points.length).toBeLessThanOrEqual(1000);
    expect(all.points.length).toBeGreaterThan(500);
    for (const p of all.points) expect(values.get(p.t)).toBe(p.value); // each point is a real reading, never an average
    expect(all.points[all.points.length - 1]!.t).toBe(stored[stored.length - 1]!.observed_at);
    expect(all.velocity!.bins.length).toBeGreaterThan(10);
    for (const b of all.velocity!.bins) {
      expect(b.velocityPerHour).toBeCloseTo(36_000, -1); // 10 per second
      expect(b.velocityPerHourLow).toBe(b.velocityPerHourHigh); // exact data: no rounding interval
    }

    const day = await json<ChartData>('/api/tags/tiktok/dense/chart?range=24h');
    expect(day.bucketMs).toBe(1);
    expect(day.to).toBe(stored[stored.length - 1]!.observed_at); // relative ranges end at the latest sample
    expect(day.points).toHaveLength(stored.filter((r) => Date.parse(r.observed_at) >= Date.parse(day.from!)).length);

    const rounded = await json<ChartData>('/api/tags/tiktok/tiktoktherapy/chart?range=7d');
    expect(rounded.points.every((p) => p.precision !== 'exact' || p.step === '0')).toBe(true);
    const banded = rounded.velocity!.bins.filter((b) => b.velocityPerHourHigh! > b.velocityPerHourLow!);
    expect(banded.length).toBe(rounded.velocity!.bins.length);

    const none = await json<ChartData>('/api/tags/tiktok/nodata/chart');
    expect(none).toMatchObject({ lastAt: null, samples: 0, points: [], velocity: null });
  });

  it('quality: sources, precision shares, failures by kind and readings with their provenance', async () => {
    const press = inserted.find((o) => o.precision === 'lower_bound')!;
    const from = new Date(Date.parse(press.observedAt) - 2 * HOUR).toISOString();
    const to = new Date(Date.parse(press.observedAt) + 2 * HOUR).toISOString();
    const q = await json<QualityData>(`/api/tags/tiktok/tiktoktherapy/quality?from=${from}&to=${to}`);
    expect(q.precision.views).toEqual({ exact: 0, rounded: 4, lower_bound: 1 });
    expect(q.precision.posts).toEqual({ exact: 4, rounded: 0, lower_bound: 0 });
    expect(q.sources.map((s) => `${s.metric}:${s.source}:${s.precision}`).sort()).toEqual(['posts:seed.history:exact', 'views:press:lower_bound', 'views:seed.history:rounded']);
    const reading = q.recentObservations.find((o) => o.precision === 'lower_bound')!;
    // Stored and returned verbatim: escaping is the page's job (it inserts text, never HTML).
    expect(reading).toMatchObject({ note: HOSTILE.obsNote, provenance: HOSTILE.provenance, value: '600000000' });

    const mh = await json<QualityData>(`/api/tags/tiktok/mentalhealth/quality?from=${new Date(nowMs - 24 * HOUR).toISOString()}&to=${new Date(nowMs).toISOString()}`);
    expect(mh.failuresByKind).toEqual([expect.objectContaining({ kind: 'blocked', failures: 1 })]);
    expect(mh.recentFailures[0]!.message).toBe(HOSTILE.failureMessage);
  });

  it('refuses markup as a tag and bad parameters with a 400 that says what is wrong', async () => {
    const tag = encodeURIComponent(HOSTILE.tag);
    for (const path of [`/api/tags/tiktok/${tag}/chart`, `/api/tags/tiktok/${tag}/quality?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z`, `/api/tags/tiktok/${tag}/report`]) {
      const r = await get(path);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message).toMatch(/invalid tag .* letters, digits and '_'/);
    }
    const bad = await get('/api/tags/tiktok/dense/chart?range=2w');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/range/);
    expect((await get('/api/overview?metric=%3Cscript%3E')).status).toBe(400);
    expect((await get('/api/tags/tiktok/dense/quality?from=yesterday&to=2024-01-01T00:00:00Z')).status).toBe(400);
  });

  it('operations and /metrics say when the process has no queues', async () => {
    const ops = await json<OpsData>('/api/ops');
    expect(ops.queues).toMatchObject({ available: false, items: [] });
    expect(ops.queues.note).toMatch(/without queues/);
    expect(ops.store).toEqual({ backend: 'chdb', up: true });
    expect(ops.tracked).toBe(Object.keys(SEED_TAGS).length + 2);
    // History ends an hour ago and the cadence is 1 h: within three cadences; nodata has never been sampled.
    expect(ops.stale.map((s) => s.tag)).toEqual(['nodata']);
    expect(ops.failures.lastDay).toEqual([expect.objectContaining({ platform: 'tiktok', kind: 'blocked', failures: 1 })]);

    const r = await get('/metrics');
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]);
    expect(new Set(types).size).toBe(types.length);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+)$/);
    expect(text).toContain('tagpulse_store_up 1');
    expect(text).toContain('tagpulse_queues_available 0');
    expect(text).not.toContain('tagpulse_queue_jobs');
    // Every stored reading counts, the seeded conflicting press figure too (issue 10: kept beside the history, never merged).
    const views = inserted.filter((o) => o.metric === 'views').length + 1;
    expect(text).toContain(`tagpulse_observations_total{platform="tiktok",metric="views"} ${views}`);
    expect(text).toContain('tagpulse_collection_failures_total{platform="tiktok",kind="blocked"} 1');
    expect(text).toContain('tagpulse_stale_tags{platform="tiktok"} 1');
  });

  it('beyond loopback every page, asset and API call needs the token; the page forwards it to its assets', async () => {
    const cfg = testConfig({ dataDir: dir.dir });
    open = await startApiServer({ store, host: '0.0.0.0', port: 0, adminToken: TOKEN, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
    const url = open.url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(`${url}/`)).status).toBe(401);
    expect((await fetch(`${url}/api/overview`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const page = await fetch(`${url}/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const js = /src="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    expect(js).toContain(`?token=${TOKEN}`);
    expect((await fetch(`${url}${js}`)).status).toBe(200);
    expect((await fetch(`${url}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
