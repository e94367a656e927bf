/**
 * Issue 15, write path: the outcomes of the collect jobs a worker runs together go to the load queue as ONE load job
 * (queue/load-buffer.ts), not one per sample; a slot delivered twice in separate load jobs is stored once (the loader's
 * marks, queue/loaded-marks.ts). Real Redis, real chDB, the TikTok HTTP collector against the local server.
 * On the old code each sample was its own load job: 48 samples gave 48 load jobs.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { App } from '../../../src/runtime/app.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { seriesQuery, rawCountQuery } from '../../../src/store/queries.ts';
import { LoadJob } from '../../../src/schema/jobs.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { waitUntil } from '../../helpers/wait.ts';

const CONCURRENCY = 8;
const SAMPLES = 48;

describe('write path: one load job per batch of samples', () => {
  let redis: TestRedis;
  let fake: FakeTikTok;
  let app: App;
  let dir: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    redis = await startTestRedis();
    // Some latency, so a worker's jobs are in flight together, as they are against the real site.
    fake = await startFakeTikTok({ latencyMs: 150 });
    dir = tempDir();
    const cfg = testConfig({ dataDir: dir.dir, tiktokBaseUrl: fake.url, collectConcurrency: CONCURRENCY, collectBatchMs: 1000, loadFlushMs: 50, rateLimitMax: 10_000, rateLimitDurationMs: 1000, lockDurationMs: 10_000, stalledIntervalMs: 5000 });
    app = await new App({ cfg, command: 'test', roles: { scheduler: false, collect: true, load: true, api: false }, redis: redis.target, naming: { prefix: 'tp', suffix: randomName('q') } }).start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it(`${SAMPLES} samples at concurrency ${CONCURRENCY} become at most ${(2 * SAMPLES) / CONCURRENCY} load jobs, each sample stored once`, async () => {
    const q = app.queues.get('tiktok')!;
    const tags = Array.from({ length: 12 }, (_, i) => `batch${i}`);
    const slots = Array.from({ length: SAMPLES / tags.length }, (_, i) => new Date(Date.UTC(2031, 0, 1, i)).toISOString());
    await q.addBulk(tags.flatMap((tag) => slots.map((slot) => ({ name: 'collect', data: { platform: 'tiktok', tag, slot, reason: 'manual' }, opts: { jobId: `b-${tag}-${Date.parse(slot)}` } }))));
    await waitUntil(async () => ((await q.getJobCounts('completed')).completed ?? 0) === SAMPLES, { timeoutMs: 60_000, what: 'every collect job completed' });
    const load = app.loadQueue!;
    await waitUntil(async () => ((await load.getJobCounts('waiting', 'active', 'delayed')) as Record<string, number>).waiting === 0 && (await load.getActiveCount()) === 0, { timeoutMs: 30_000, what: 'the load queue drained' });
    const jobs = await load.getJobs(['completed', 'failed']);
    // A wave of CONCURRENCY jobs in flight together shares one load job; allow for waves that split.
    expect(jobs.length).toBeGreaterThanOrEqual(Math.ceil(SAMPLES / CONCURRENCY));
    expect(jobs.length).toBeLessThanOrEqual((2 * SAMPLES) / CONCURRENCY);
    expect(jobs.every((j) => j.finishedOn && !j.failedReason)).toBe(true);
    const carried = jobs.flatMap((j) => LoadJob.parse(j.data).observations.filter((o) => o.metric === 'views').map((o) => `${o.tag}|${o.slot}`));
    expect(carried.length).toBe(SAMPLES);
    expect(new Set(carried).size).toBe(SAMPLES);
    for (const tag of tags) {
      const rows = await app.store!.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.map((r) => r.slot).sort()).toEqual(slots);
      const [raw] = await app.store!.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(raw).toEqual({ rows: String(2 * slots.length), keys: String(2 * slots.length) });
    }
  }, 90_000);
});
