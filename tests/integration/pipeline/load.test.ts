/**
 * The loader batches many load jobs into few inserts, and a failing store leaves the jobs queued for retry.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Queue } from 'bullmq';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { createLoadWorker } from '../../../src/workers/load.ts';
import { connectProducer, connectionFor } from '../../../src/queue/redis.ts';
import { LOAD_QUEUE, qname, loadJobOptions } from '../../../src/queue/queues.ts';
import { LoadedMarks, observationMark } from '../../../src/queue/loaded-marks.ts';
import { seriesQuery, rawCountQuery } from '../../../src/store/queries.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';
import { waitUntil } from '../../helpers/wait.ts';

describe('load worker', () => {
  let redis: TestRedis;
  let store: ClickHouseStore;
  let dir: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    redis = await startTestRedis();
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('gathers 200 jobs into a handful of inserts', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    let inserts = 0;
    const counting: Store = Object.assign(Object.create(store) as Store, {
      run: store.run.bind(store),
      insertObservations: async (rows: Parameters<Store['insertObservations']>[0]) => {
        inserts++;
        return store.insertObservations(rows);
      },
      insertFailures: (rows: Parameters<Store['insertFailures']>[0]) => store.insertFailures(rows),
    });
    const producer = await connectProducer(redis.target);
    const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    const tag = 'batched';
    await q.addBulk(
      Array.from({ length: 200 }, (_, i) => ({
        name: 'observations',
        data: { observations: [obs({ tag, observedAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), value: String(1000 + i) })], failures: [] },
        opts: { ...loadJobOptions(), jobId: `obs-${i}` },
      })),
    );
    const { worker, batcher } = createLoadWorker({ store: counting, connection: connectionFor(redis.target, 'worker'), naming, batchSize: 500, flushMs: 200, lockDurationMs: 10_000, stalledIntervalMs: 5000 });
    try {
      await waitUntil(async () => (await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).length === 200, { what: '200 rows' });
      expect(inserts).toBeLessThanOrEqual(10);
      expect(inserts).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.close();
      await batcher.close();
      await q.close();
      producer.disconnect();
    }
  });

  it('keeps jobs queued while inserts fail, then loads them once, without duplicates', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    let failing = true;
    const flaky: Store = Object.assign(Object.create(store) as Store, {
      insertObservations: async (rows: Parameters<Store['insertObservations']>[0]) => {
        if (failing) throw new Error('store down (injected)');
        return store.insertObservations(rows);
      },
      insertFailures: (rows: Parameters<Store['insertFailures']>[0]) => store.insertFailures(rows),
      // A failed insert leaves its rows "maybe stored" (loaded marks' write-ahead set): the retry asks the store.
      run: store.run.bind(store),
    });
    const producer = await connectProducer(redis.target);
    const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    const tag = 'outage';
    for (let i = 0; i < 20; i++) {
      await q.add('observations', { observations: [obs({ tag, observedAt: new Date(Date.UTC(2024, 1, 1, i)).toISOString(), value: String(5000 + i) })], failures: [] }, { attempts: 50, backoff: { type: 'fixed', delay: 100 }, jobId: `o-${i}` });
    }
    const { worker, batcher } = createLoadWorker({ store: flaky, connection: connectionFor(redis.target, 'worker'), naming, batchSize: 100, flushMs: 50, lockDurationMs: 10_000, stalledIntervalMs: 5000 });
    try {
      await waitUntil(async () => ((await q.getJobCounts('delayed')).delayed ?? 0) > 0, { what: 'retries scheduled' });
      expect(await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).toEqual([]);
      failing = false;
      await waitUntil(async () => ((await q.getJobCounts('completed')).completed ?? 0) === 20, { what: 'all jobs completed', timeoutMs: 30_000 });
      const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => String(5000 + i)));
      const [raw] = await store.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(raw!.rows).toBe(raw!.keys);
    } finally {
      await worker.close();
      await batcher.close();
      await q.close();
      producer.disconnect();
    }
  });
  it('a slot delivered again in another load job (another fetch of it) is not inserted again', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    const producer = await connectProducer(redis.target);
    const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    const tag = 'redelivered_batch';
    const slot = '2024-05-01T10:00:00.000Z';
    const first = [obs({ tag, observedAt: '2024-05-01T10:00:03.000Z', slot, value: '700' }), obs({ tag, observedAt: '2024-05-01T10:00:03.000Z', slot, value: '9', metric: 'posts' })];
    // The same slot read again later (a collect job re-run after its lock was lost): other values, another load job.
    const again = [obs({ tag, observedAt: '2024-05-01T10:00:41.000Z', slot, value: '705' }), obs({ tag, observedAt: '2024-05-01T10:00:41.000Z', slot, value: '9', metric: 'posts' })];
    const other = obs({ tag, observedAt: '2024-05-01T11:00:02.000Z', slot: '2024-05-01T11:00:00.000Z', value: '800' });
    const { worker, batcher } = createLoadWorker({ store, connection: connectionFor(redis.target, 'worker'), naming, batchSize: 500, flushMs: 50, lockDurationMs: 10_000, stalledIntervalMs: 5000 });
    try {
      await q.add('batch', { observations: first, failures: [] }, { ...loadJobOptions(), jobId: 'first' });
      await waitUntil(async () => (await q.getJobState('first')) === 'completed', { what: 'first delivery loaded' });
      await q.add('batch', { observations: [...again, other], failures: [] }, { ...loadJobOptions(), jobId: 'again' });
      await waitUntil(async () => (await q.getJobState('again')) === 'completed', { what: 'second delivery loaded' });
      expect((await q.getJob('again'))!.returnvalue).toMatchObject({ duplicates: 2 });
      const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.map((r) => [r.slot, r.value])).toEqual([[slot, '700'], ['2024-05-01T11:00:00.000Z', '800']]);
      const [raw] = await store.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(raw).toEqual({ rows: '3', keys: '3' });
    } finally {
      await worker.close();
      await batcher.close();
      await q.close();
      producer.disconnect();
    }
  });
  it('marks rows as stored right after their insert, before the post-load hooks: a re-delivery during a slow hook is not inserted again', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    const producer = await connectProducer(redis.target);
    const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    const tag = 'slow_hook';
    const slot = '2024-06-01T10:00:00.000Z';
    const first = obs({ tag, observedAt: '2024-06-01T10:00:02.000Z', slot, value: '900' });
    const again = obs({ tag, observedAt: '2024-06-01T10:00:09.000Z', slot, value: '901' });
    const marksRedis = connectionFor(redis.target, 'producer');
    const marks = new LoadedMarks(marksRedis, `${naming.prefix}:${qname(LOAD_QUEUE, naming)}:loaded`);
    let markedInHook: boolean[] | undefined;
    let releaseHook!: () => void;
    const hookHeld = new Promise<void>((r) => (releaseHook = r));
    let hooks = 0;
    const { worker, batcher } = createLoadWorker({
      store,
      connection: connectionFor(redis.target, 'worker'),
      naming,
      batchSize: 500,
      flushMs: 20,
      lockDurationMs: 10_000,
      stalledIntervalMs: 5000,
      onLoaded: async () => {
        if (hooks++) return;
        // the first load's hook: its rows are marked already, and it stays busy while the slot comes again
        markedInHook = await marks.stored([observationMark(first)]);
        await hookHeld;
      },
    });
    try {
      await q.add('batch', { observations: [first], failures: [] }, { ...loadJobOptions(), jobId: 'first' });
      await waitUntil(async () => markedInHook, { what: 'first load in its post-load hook' });
      expect(markedInHook).toEqual([true]);
      await q.add('batch', { observations: [again], failures: [] }, { ...loadJobOptions(), jobId: 'again' });
      await waitUntil(async () => (await q.getJobState('again')) === 'completed', { what: 'second delivery loaded' });
      expect((await q.getJob('again'))!.returnvalue).toMatchObject({ duplicates: 1 });
      releaseHook();
      await waitUntil(async () => (await q.getJobState('first')) === 'completed', { what: 'first delivery completed' });
      const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.map((r) => [r.slot, r.value])).toEqual([[slot, '900']]);
      const [raw] = await store.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(raw).toEqual({ rows: '1', keys: '1' });
    } finally {
      releaseHook();
      await worker.close();
      await batcher.close();
      await q.close();
      producer.disconnect();
      marksRedis.disconnect();
    }
  });
});
