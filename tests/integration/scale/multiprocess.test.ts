/**
 * Scale-out on one machine, with real processes: the owner (`tagpulse run --no-collect`: scheduler, loader, API over
 * the embedded store) and three `tagpulse worker --queues collect` processes share one Redis, with a Redis Cluster
 * style queue prefix ({tp}). 60 collect jobs with explicit slots over 20 tags go through them against a TikTok-shaped
 * server in this process. Shown: the work spreads over every worker process, the per-platform rate limit holds across
 * all of them (as the fixed windows of BullMQ's limiter define it), and every slot is stored exactly once per metric
 * (read with FINAL through the owner's API).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { collectQueueName, openQueue } from '../../../src/queue/queues.ts';
import { connectionFor } from '../../../src/queue/redis.ts';
import type { RemoteStore } from '../../../src/store/remote-store.ts';
import { latestQuery, rawCountQuery, seriesQuery } from '../../../src/store/queries.ts';
import { safeJobId } from '../../../src/schema/jobs.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { childEnv, ownerStore, spawnTagpulse, type TagpulseProcess } from './processes.ts';

const WORKERS = 3;
const TAGS = Array.from({ length: 20 }, (_, i) => `scaletag${String(i).padStart(2, '0')}`);
const SLOTS = ['2031-03-01T00:00:00.000Z', '2031-03-01T01:00:00.000Z', '2031-03-01T02:00:00.000Z'];
const JOBS = TAGS.length * SLOTS.length;
/** The global limit under test: at most RATE_MAX TikTok requests per RATE_WINDOW_MS, across all processes. */
const RATE_MAX = 6;
const RATE_WINDOW_MS = 2000;
/** Per process: 3 x 2 slots exceed RATE_MAX, so only the shared limiter can hold the rate. */
const CONCURRENCY = 2;
const PREFIX = '{tp}';

/** Most timestamps inside any window [t, t + windowMs). */
function maxInSlidingWindow(timesMs: number[], windowMs: number): number {
  const t = [...timesMs].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('scale-out: owner + 3 collect worker processes on one Redis', () => {
  let redis: TestRedis;
  let fake: FakeTikTok;
  let dir: ReturnType<typeof tempDir>;
  let owner: TagpulseProcess;
  let workers: TagpulseProcess[] = [];
  let producer: Redis;
  let queue: Queue;
  let store: RemoteStore;

  beforeAll(async () => {
    redis = await startTestRedis();
    fake = await startFakeTikTok({});
    dir = tempDir('tp-scale-');
    const env = childEnv({
      TAGPULSE_QUEUE_PREFIX: PREFIX,
      TAGPULSE_TIKTOK_BASE_URL: fake.url,
      TAGPULSE_LOG_LEVEL: 'warn',
      TAGPULSE_RATE_LIMIT_MAX: String(RATE_MAX),
      TAGPULSE_RATE_LIMIT_DURATION_MS: String(RATE_WINDOW_MS),
      TAGPULSE_COLLECT_CONCURRENCY: String(CONCURRENCY),
      TAGPULSE_LOCK_DURATION_MS: '10000',
      TAGPULSE_STALLED_INTERVAL_MS: '2000',
      TAGPULSE_LOAD_FLUSH_MS: '100',
    });
    const common = ['--redis-url', redis.url];
    owner = spawnTagpulse('owner', ['run', '--no-collect', '--data-dir', join(dir.dir, 'owner'), '--port', '0', ...common], { env, cwd: dir.dir });
    workers = Array.from({ length: WORKERS }, (_, i) => {
      const dataDir = join(dir.dir, `worker${i}`);
      mkdirSync(dataDir);
      return spawnTagpulse(`worker${i}`, ['worker', '--queues', 'collect', '--data-dir', dataDir, ...common], { env, cwd: dataDir });
    });
    store = await ownerStore(owner, join(dir.dir, 'owner'), 45_000);
    await Promise.all(workers.map((w) => w.waitForOutput(/worker started \(queues collect/, 45_000)));
    producer = connectionFor(redis.target, 'producer');
    queue = openQueue(collectQueueName('tiktok'), producer, { prefix: PREFIX });
    await waitUntil(async () => (await queue.getWorkers()).length >= WORKERS, { timeoutMs: 15_000, what: `${WORKERS} workers registered on the queue` });
  }, 90_000);

  afterAll(async () => {
    await queue?.close();
    producer?.disconnect();
    await Promise.all([...workers, ...(owner ? [owner] : [])].map((p) => p.stop()));
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  }, 60_000);

  it('spreads 60 jobs over all workers, holds the global rate limit, and stores every slot exactly once', async () => {
    const started = Date.now();
    await queue.addBulk(
      TAGS.flatMap((tag) =>
        SLOTS.map((slot) => ({
          name: 'collect',
          data: { platform: 'tiktok', tag, slot, reason: 'manual' as const },
          opts: { jobId: safeJobId('scale', tag, String(Date.parse(slot))), attempts: 3, backoff: { type: 'fixed', delay: 200 }, removeOnComplete: false, removeOnFail: false },
        })),
      ),
    );
    await waitUntil(async () => (await queue.getJobCounts('completed')).completed === JOBS, {
      timeoutMs: 45_000,
      intervalMs: 250,
      what: `${JOBS} completed collect jobs`,
    }).catch(async (e: Error) => Promise.reject(new Error(`${e.message}: ${JSON.stringify(await queue.getJobCounts())}\n${workers.map((w) => `${w.name}:\n${w.output()}`).join('\n')}`)));
    const collectMs = Date.now() - started;

    // 1. Work spread: BullMQ records the worker name (<host>:<pid>) of each job; every process did some.
    const jobs = await queue.getJobs(['completed'], 0, -1);
    expect(jobs).toHaveLength(JOBS);
    const perProcess = new Map(workers.map((w) => [`${hostname()}:${w.pid}`, 0]));
    for (const j of jobs) {
      expect(perProcess.has(j.processedBy!), `job ${j.id} processed by ${j.processedBy}`).toBe(true);
      perProcess.set(j.processedBy!, perProcess.get(j.processedBy!)! + 1);
    }
    for (const [name, n] of perProcess) expect(n, `${name} processed jobs`).toBeGreaterThan(0);

    // 2. The rate limit is global: request arrival times at the server, over all processes. BullMQ's limiter counts
    // fixed windows (the first job opens one for RATE_WINDOW_MS; at most RATE_MAX jobs start in it), so:
    //  - RATE_MAX jobs per window makes 60 jobs need 10 windows: the requests span at least 9 windows. Limits per
    //    process would finish 3x sooner, no limit at once;
    //  - a span shorter than a window touches at most two windows: at most 2 x RATE_MAX requests (10% of the window
    //    is left for the delay between a job's start and its request). Limits per process would allow 3 x RATE_MAX.
    const times = fake.served.map((s) => Date.parse(s.at));
    expect(fake.requests).toBe(fake.served.length);
    expect(times.length).toBeGreaterThanOrEqual(JOBS);
    const spanMs = Math.max(...times) - Math.min(...times);
    expect(spanMs).toBeGreaterThanOrEqual((Math.ceil(JOBS / RATE_MAX) - 1) * RATE_WINDOW_MS * 0.9);
    expect(maxInSlidingWindow(times, RATE_WINDOW_MS * 0.9)).toBeLessThanOrEqual(2 * RATE_MAX);

    // 3. Nothing lost or duplicated: every (tag, slot) once per metric, read with FINAL through the owner's API.
    await waitUntil(async () => {
      const latest = await store.run(latestQuery, { platforms: TAGS.map(() => 'tiktok'), tags: TAGS });
      return latest.length === TAGS.length * 2 && latest.every((r) => r.samples === String(SLOTS.length));
    }, { timeoutMs: 20_000, what: 'all observations loaded' });
    for (const tag of TAGS) {
      const served = new Set(fake.served.filter((s) => s.tag === tag).flatMap((s) => [s.views, s.posts]));
      for (const metric of ['views', 'posts']) {
        const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric });
        // One row per slot (the identity); observed_at is each job's own read time (issue 10).
        expect(rows.map((r) => r.slot).sort()).toEqual([...SLOTS].sort());
        for (const r of rows) expect(r.observed_at).toBe(r.fetched_at);
        for (const r of rows) expect(served.has(r.value), `${tag} ${metric} ${r.value} was served`).toBe(true);
      }
      expect(await store.run(rawCountQuery, { platform: 'tiktok', tag })).toEqual([{ rows: '6', keys: '6' }]);
    }

    // 4. Redis Cluster-safe: every key of the queues carries the {tp} hash tag, so each queue's keys share a slot.
    const keys = await producer.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.startsWith(`${PREFIX}:`), k).toBe(true);
    expect(keys.some((k) => k.startsWith(`${PREFIX}:load:`))).toBe(true);

    console.info(
      `[scale] ${JOBS} jobs in ${collectMs} ms (requests spread over ${spanMs} ms) by ${WORKERS} processes: ${[...perProcess.values()].join('/')}; ` +
        `limit ${RATE_MAX}/${RATE_WINDOW_MS} ms; most requests in any ${RATE_WINDOW_MS / 2} ms: ${maxInSlidingWindow(times, RATE_WINDOW_MS / 2)}, ` +
        `in any ${RATE_WINDOW_MS} ms: ${maxInSlidingWindow(times, RATE_WINDOW_MS)}`,
    );
  }, 90_000);
});
