/**
 * Boot guards and connection roles (stack-practices §8.3):
 *  - a Redis whose maxmemory-policy may evict keys is refused at start (App.start → assertNoEviction);
 *  - producers fail fast while Redis is down (no offline queue), so a user or an API call gets an error at once;
 *  - workers retry forever (maxRetriesPerRequest null): a worker lives through an outage and resumes by itself.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { App } from '../../src/runtime/app.ts';
import { connectProducer } from '../../src/queue/redis.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { tempDir, randomName } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, slots, uniqueTags, type Rig } from './rig.ts';

describe('startup guard: Redis that may evict keys', () => {
  let redis: TestRedis;
  const dir = tempDir('tagpulse-guard-');
  beforeAll(async () => {
    redis = await startTestRedis(['--maxmemory-policy', 'allkeys-lru']);
  });
  afterAll(async () => {
    await redis?.cleanup();
    dir.cleanup();
  });

  it('refuses to start and says how to fix it', async () => {
    const probe = new Redis({ path: redis.socket });
    expect(await probe.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    probe.disconnect();
    const app = new App({ cfg: testConfig({ dataDir: dir.dir }), command: 'guard-test', roles: { scheduler: false, collect: true, load: false, api: false }, redis: redis.target, naming: { prefix: randomName('g') } });
    const started = app.start();
    await expect(started).rejects.toMatchObject({ code: 'REDIS_EVICTION_POLICY', message: expect.stringMatching(/allkeys-lru.*noeviction/s) });
  });
});

describe('connection roles during a Redis outage', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig?.close());

  it('producers fail fast, workers wait it out and resume', async () => {
    const [before, after] = uniqueTags('outage_before', 'outage_after');
    const app = await rig.startApp({ collect: true, load: true });
    await rig.enqueue([before!], slots(2));
    await waitUntil(() => rig.history.keys('ok').size === 2, { what: 'samples before the outage' });

    await rig.redis.kill();
    rig.history.fault('redis kill -9');
    // Fail fast = reject while Redis is still down: a producer that queued the command instead would wait for the
    // restart below, which only happens after these assertions, so the test would hang rather than pass.
    await expect(rig.enqueue([after!], slots(1, '2031-05-01T00:00:00.000Z'))).rejects.toThrow();
    await expect(connectProducer(rig.redis.target, 1500)).rejects.toMatchObject({ code: 'REDIS_SETUP', message: expect.stringMatching(/cannot reach Redis/) });

    // An outage longer than several reconnect attempts; the workers must not give up or crash meanwhile.
    await new Promise((r) => setTimeout(r, 3000));
    await rig.redis.restart();
    rig.history.fault('redis restarted');
    await waitUntil(async () => (await rig.enqueue([after!], slots(3, '2031-05-01T00:00:00.000Z'))).length === 3, { timeoutMs: 30_000, intervalMs: 500, what: 'the producer to accept jobs again' });

    const result = await rig.waitClean('worker through a Redis outage', [before!, after!]);
    expect(result.storedSlots).toBe(5);
    expect(app.workers.every((w) => w.isRunning())).toBe(true);
  }, 90_000);
});
