/**
 * Issue 15, "ClickHouse error codes are mapped, so a permanent insert error stops retrying its batch": with real
 * chDB and real Redis, a load job whose rows ClickHouse refuses (a table constraint: code 469 VIOLATED_CONSTRAINT)
 * fails at once, after one attempt instead of up to 200, and stays in the load queue's failed set with its rows;
 * the jobs that shared its batch are stored. Before the change every job of the batch was retried with backoff.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Queue } from 'bullmq';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { createLoadWorker } from '../../../src/workers/load.ts';
import { connectProducer, connectionFor } from '../../../src/queue/redis.ts';
import { LOAD_QUEUE, qname, loadJobOptions } from '../../../src/queue/queues.ts';
import { seriesQuery, rawCountQuery } from '../../../src/store/queries.ts';
import { T } from '../../../src/store/migrations.ts';
import { StoreRejectedError, StoreUnavailableError } from '../../../src/store/errors.ts';
import { LoadJob } from '../../../src/schema/jobs.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';
import { waitUntil } from '../../helpers/wait.ts';

describe('load worker and permanent store errors', () => {
  let redis: TestRedis;
  let store: ClickHouseStore;
  let dir: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    redis = await startTestRedis();
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    // The store refuses rows whose note is 'poison' (this test's own data dir): a data-dependent, permanent refusal.
    await store.client.command({ query: `ALTER TABLE ${T.observations} ADD CONSTRAINT IF NOT EXISTS no_poison CHECK note != 'poison'` });
  });
  afterAll(async () => {
    await store?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('maps the refusal to a permanent StoreRejectedError with the ClickHouse code', async () => {
    const err = await store.insertObservations([obs({ tag: 'direct', observedAt: '2024-03-01T00:00:00.000Z', value: '1', note: 'poison' })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreRejectedError);
    expect(err).toMatchObject({ code: 'STORE_REJECTED', retryable: false, clickhouseCode: 469, clickhouseName: 'VIOLATED_CONSTRAINT' });
    expect((err as Error).cause).toBeDefined();
    // A missing table is permanent too (60 UNKNOWN_TABLE), whatever the rows.
    const other = await store.client.insert({ table: 'no_such_table_v1', values: [{ a: 1 }], format: 'JSONEachRow' }).catch((e: unknown) => e);
    const { storeErrorFrom } = await import('../../../src/store/clickhouse-errors.ts');
    expect(storeErrorFrom('insert', other)).toMatchObject({ code: 'STORE_REJECTED', clickhouseCode: 60, retryable: false });
    expect(storeErrorFrom('insert', new Error('connect ECONNREFUSED 127.0.0.1:8123'))).toBeInstanceOf(StoreUnavailableError);
  });

  it('fails the refused job after one attempt, keeps its rows in the failed set, and stores the rest of its batch', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    const producer = await connectProducer(redis.target);
    const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    const tag = 'mixed';
    const at = (h: number) => new Date(Date.UTC(2024, 3, 1, h)).toISOString();
    await q.addBulk([
      { name: 'observations', data: { observations: [obs({ tag, observedAt: at(0), value: '100' })], failures: [] }, opts: { ...loadJobOptions(), jobId: 'good-1' } },
      { name: 'observations', data: { observations: [obs({ tag, observedAt: at(1), value: '150', note: 'poison' })], failures: [] }, opts: { ...loadJobOptions(), jobId: 'refused' } },
      { name: 'observations', data: { observations: [obs({ tag, observedAt: at(2), value: '200' })], failures: [] }, opts: { ...loadJobOptions(), jobId: 'good-2' } },
    ]);
    expect(loadJobOptions().attempts).toBeGreaterThan(1); // it would be retried, were the error not permanent
    let batches = 0;
    const { worker, batcher } = createLoadWorker({ store, connection: connectionFor(redis.target, 'worker'), naming, batchSize: 100, flushMs: 300, lockDurationMs: 10_000, stalledIntervalMs: 5000, onLoaded: () => void batches++ });
    try {
      const refused = await waitUntil(async () => ((await q.getJob('refused'))?.failedReason ? q.getJob('refused') : undefined), { what: 'the refused job to fail', timeoutMs: 30_000 });
      expect(await refused!.getState()).toBe('failed');
      expect(refused!.attemptsMade).toBe(1);
      expect(refused!.failedReason).toMatch(/STORE_REJECTED/);
      expect(refused!.failedReason).toMatch(/VIOLATED_CONSTRAINT|469/);
      // Its rows are kept with the job, intact, for a person to look at (and counted as failed by `tagpulse status`).
      expect(LoadJob.parse(refused!.data).observations.map((o) => o.value)).toEqual(['150']);
      expect((await q.getJobCounts('failed')).failed).toBe(1);
      await waitUntil(async () => ((await q.getJobCounts('completed')).completed ?? 0) === 2, { what: 'the two good jobs' });
      expect((await q.getJobCounts('delayed', 'waiting')).delayed).toBe(0);
      const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.map((r) => r.value)).toEqual(['100', '200']);
      expect(batches).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.close();
      await batcher.close();
      await q.close();
      producer.disconnect();
    }
  });
  it('a batched load job with one refused sample: the other samples are stored once, the job fails once and keeps every row', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    const producer = await connectProducer(redis.target);
    const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    const tag = 'batchmixed';
    const at = (h: number) => new Date(Date.UTC(2024, 4, 1, h)).toISOString();
    // One load job carrying five samples (as the collect worker's buffer sends them), the third refused by the store.
    const rows = [0, 1, 2, 3, 4].map((h) => obs({ tag, observedAt: at(h), value: String(100 + h), ...(h === 2 ? { note: 'poison' } : {}) }));
    await q.add('batch', { observations: rows, failures: [] }, { ...loadJobOptions(), jobId: 'batch-1' });
    let inserts = 0;
    const counting = Object.assign(Object.create(store) as ClickHouseStore, {
      insertObservations: (r: Parameters<ClickHouseStore['insertObservations']>[0]) => {
        inserts++;
        return store.insertObservations(r);
      },
      // A refused insert leaves its rows "maybe stored" (loaded marks' write-ahead set): the manual retry asks the store.
      run: store.run.bind(store),
    });
    const { worker, batcher } = createLoadWorker({ store: counting, connection: connectionFor(redis.target, 'worker'), naming, batchSize: 100, flushMs: 100, lockDurationMs: 10_000, stalledIntervalMs: 5000 });
    try {
      const job = await waitUntil(async () => ((await q.getJob('batch-1'))?.failedReason ? q.getJob('batch-1') : undefined), { what: 'the batch job to fail', timeoutMs: 30_000 });
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toMatch(/STORE_REJECTED: 1 of 5 sample\(s\) refused/);
      expect(LoadJob.parse(job!.data).observations).toHaveLength(5);
      const stored = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(stored.map((r) => r.value)).toEqual(['100', '101', '103', '104']);
      // Halving, not one insert per sample: the whole batch, then halves down to the refused sample.
      expect(inserts).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(5)) + 1);
      // Retrying the failed job by hand inserts only the refused sample again (the stored ones are marked).
      const before = inserts;
      await job!.retry('failed');
      await waitUntil(async () => ((await q.getJob('batch-1'))?.attemptsMade ?? 0) >= 2 && (await q.getJobState('batch-1')) === 'failed', { what: 'the retried job to fail again', timeoutMs: 30_000 });
      expect(inserts - before).toBe(1);
      const [raw] = await store.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(raw).toEqual({ rows: '4', keys: '4' });
    } finally {
      await worker.close();
      await batcher.close();
      await q.close();
      producer.disconnect();
    }
  });
});
