/**
 * schedule → collect (TikTok HTTP against a local TikTok-shaped server) → load queue → ClickHouse (chDB) → report,
 * on a real Redis with random queue names and a fresh data dir.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { App } from '../../../src/runtime/app.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { addTracked } from '../../../src/services/tracking.ts';
import { buildReport } from '../../../src/services/report.ts';
import { seriesQuery, rawCountQuery, recentFailuresQuery } from '../../../src/store/queries.ts';
import { collectQueueName } from '../../../src/queue/queues.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { waitUntil } from '../../helpers/wait.ts';

describe('pipeline: schedule → collect → load → store → report', () => {
  let redis: TestRedis;
  let fake: FakeTikTok;
  let app: App;
  let dir: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    redis = await startTestRedis();
    fake = await startFakeTikTok({
      tags: { mentalhealth: { views0: 16_400_000_000n, posts0: 3_456_789n, viewsPerHour: 5_000_000, postsPerHour: 900 } },
      notFound: ['nosuchtag'],
      forceFailure: { slowdown: 'throttled', captchatag: 'captcha' },
    });
    dir = tempDir();
    const cfg = testConfig({ dataDir: dir.dir, tiktokBaseUrl: fake.url, backoffMs: 200, attempts: 3, loadFlushMs: 50, rateLimitMax: 1000, rateLimitDurationMs: 500, lockDurationMs: 5000, stalledIntervalMs: 1000 });
    app = await new App({ cfg, command: 'test', roles: { scheduler: true, collect: true, load: true, api: false }, redis: redis.target, naming: { prefix: 'tp', suffix: randomName('q') }, resyncMs: 500 }).start();
  });

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('samples tracked tags on their schedule and stores exactly what the server served', async () => {
    await addTracked(app.store!, { tags: ['#MentalHealth', 'suicidepreventionmonth'], platform: 'tiktok', every: '10s' });
    await app.resync();
    const schedulers = await app.queues.get('tiktok')!.getJobSchedulers();
    // Grouped scheduling (issue 15): tags of one cadence and phase bucket share one job scheduler (10 s: one bucket).
    expect(schedulers.map((s) => s.key)).toEqual(['group-tiktok-10000-1000-0']);
    expect((schedulers[0]!.template?.data as { tags: string[] }).tags).toEqual(['mentalhealth', 'suicidepreventionmonth']);

    const rows = await waitUntil(async () => {
      const r = await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealth', metric: 'views' });
      return r.length >= 2 ? r : undefined;
    }, { timeoutMs: 40_000, what: 'two scheduled samples of #mentalhealth' });

    const served = new Set(fake.served.filter((s) => s.tag === 'mentalhealth').map((s) => s.views));
    for (const r of rows) {
      expect(served.has(r.value)).toBe(true);
      expect(r).toMatchObject({ exact: true, precision: 'exact', step: '0', source: 'tiktok.rehydration.statsV2', method: 'http' });
      expect(r.provenance).toContain('/tag/mentalhealth');
      expect(Date.parse(r.fetched_at)).toBeGreaterThanOrEqual(Date.parse(r.slot));
    }
    // Posts are stored as their own metric.
    const posts = await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealth', metric: 'posts' });
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fake.served.filter((s) => s.tag === 'mentalhealth').map((s) => s.posts)).has(posts[0]!.value)).toBe(true);

    const report = await buildReport(app.store!, { platform: 'tiktok', tag: 'mentalhealth', metric: 'views' });
    expect(report.latest?.value).toBe(rows[rows.length - 1]!.value);
    expect(report.latest?.exact).toBe(true);
  }, 60_000);

  it('a re-delivered job creates no second row', async () => {
    const q = app.queues.get('tiktok')!;
    const slot = '2030-01-01T00:00:00.000Z';
    // The same work delivered twice (two deliveries of one slot), and the same load re-sent.
    await q.add('collect', { platform: 'tiktok', tag: 'redelivered', slot, reason: 'manual' }, { jobId: 'redeliver-a' });
    await waitUntil(async () => (await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'redelivered', metric: 'views' })).length === 1, { what: 'first delivery stored' });
    await q.add('collect', { platform: 'tiktok', tag: 'redelivered', slot, reason: 'manual' }, { jobId: 'redeliver-b' });
    await waitUntil(async () => (await q.getJobState('redeliver-b')) === 'completed', { what: 'second delivery processed' });
    await new Promise((r) => setTimeout(r, 300));
    const rows = await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'redelivered', metric: 'views' });
    // One row for the slot (its identity); its observed_at is when the value was read, not the slot (issue 10).
    expect(rows.map((r) => r.slot)).toEqual([slot]);
    expect(rows[0]!.observed_at).toBe(rows[0]!.fetched_at);
    const [raw] = await app.store!.run(rawCountQuery, { platform: 'tiktok', tag: 'redelivered' });
    // The second delivery's load job had the same deterministic id, so nothing new reached the table.
    expect(raw).toEqual({ rows: '2', keys: '2' }); // views + posts: one row each
  });

  it('records a not_found failure, stores no value, and gives up without retrying', async () => {
    const q = app.queues.get('tiktok')!;
    await q.add('collect', { platform: 'tiktok', tag: 'nosuchtag', slot: '2030-01-02T00:00:00.000Z', reason: 'manual' }, { jobId: 'nf-1', attempts: 3, backoff: { type: 'fixed', delay: 100 } });
    await waitUntil(async () => (await q.getJobState('nf-1')) === 'failed', { what: 'job failed' });
    const job = await q.getJob('nf-1');
    expect(job!.attemptsMade).toBe(1);
    const failures = await waitUntil(async () => {
      const f = (await app.store!.run(recentFailuresQuery, { since: '2000-01-01T00:00:00Z', limit: 100 })).filter((x) => x.tag === 'nosuchtag');
      return f.length ? f : undefined;
    }, { what: 'failure row' });
    expect(failures[0]).toMatchObject({ kind: 'not_found', platform_code: '10205' });
    const rows = await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'nosuchtag', metric: 'views' });
    expect(rows).toEqual([]);
    expect(collectQueueName('tiktok')).toBe('collect-tiktok');
  });

  it('a throttled answer pauses the platform queue for Retry-After, and records the failure', async () => {
    const q = app.queues.get('tiktok')!;
    await q.add('collect', { platform: 'tiktok', tag: 'slowdown', slot: '2030-01-03T00:00:00.000Z', reason: 'manual' }, { jobId: 'thr-1' });
    const ttl = await waitUntil(async () => {
      const t = await q.getRateLimitTtl();
      return t > 500 ? t : undefined; // longer than the limiter's own 500 ms window: the Retry-After pause
    }, { what: 'rate limit set' });
    expect(ttl).toBeLessThanOrEqual(2000); // Retry-After: 2
    const f = await waitUntil(async () => (await app.store!.run(recentFailuresQuery, { since: '2000-01-01T00:00:00Z', limit: 100 })).find((x) => x.tag === 'slowdown'), { what: 'throttled failure' });
    expect(f).toMatchObject({ kind: 'throttled', status_code: 429 });
    // The job is not burnt: it waits for the limit to pass and is tried again.
    const job = await q.getJob('thr-1');
    expect(['wait', 'waiting', 'active', 'delayed', 'prioritized']).toContain(await job!.getState());
  });

  it('a captcha is retried with backoff and never stored as a value', async () => {
    const q = app.queues.get('tiktok')!;
    await q.add('collect', { platform: 'tiktok', tag: 'captchatag', slot: '2030-01-04T00:00:00.000Z', reason: 'manual' }, { jobId: 'cap-1', attempts: 2, backoff: { type: 'fixed', delay: 100 } });
    await waitUntil(async () => (await q.getJobState('cap-1')) === 'failed', { what: 'captcha job exhausted', timeoutMs: 30_000 });
    expect((await q.getJob('cap-1'))!.attemptsMade).toBe(2);
    const fails = await waitUntil(async () => {
      const f = (await app.store!.run(recentFailuresQuery, { since: '2000-01-01T00:00:00Z', limit: 100 })).filter((x) => x.tag === 'captchatag');
      return f.length === 2 ? f : undefined;
    }, { what: 'two captcha failures' });
    expect(fails.map((f) => f.kind)).toEqual(['captcha', 'captcha']);
    expect(await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'captchatag', metric: 'views' })).toEqual([]);
  });
});
