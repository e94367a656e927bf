/**
 * Issue 10, truth of the record, on the collect path: a slot's identity is (platform, tag, metric, slot, origin), and
 * a re-fetch of the slot (a re-delivered collect job: another value, another read time) used to reach the store beside
 * the first reading whenever the loaded marks did not stop it. Raw FINAL then kept one reading while the rollups'
 * views had folded in both (the max, the first value and time of the hour were the dropped reading's). Now the loader
 * keeps the first stored reading of an identity:
 *  - killed with SIGKILL between its insert and its marks (real child process, real chDB, real Redis): the re-fetched
 *    reading that arrives next is checked against the store (the identity was written ahead, in the loading set) and
 *    left out; the re-delivered job of the first adds nothing;
 *  - two readings of one slot in one insert: one is kept;
 *  - a re-fetch whose job was checked while the first reading's insert was under way: checked again before its insert;
 *  - a re-fetch that comes after the first reading's mark expired (a slot older than the marks' retention): the store
 *    is asked, and the re-fetch left out;
 *  - a reading identified by its own time that is meant to replace the earlier one (a Research API day re-queried after
 *    the marks' retention, with a revised count): inserted, and its buckets rebuilt from raw FINAL.
 * After each, the rollups give what raw FINAL gives (tests/helpers/rollup-invariant.ts) and raw holds one row.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Queue } from 'bullmq';
import { drainPending } from 'chdb';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { Batcher, createLoadWorker } from '../../src/workers/load.ts';
import { connectProducer, connectionFor } from '../../src/queue/redis.ts';
import { LOAD_QUEUE, qname, loadJobOptions } from '../../src/queue/queues.ts';
import { LoadedMarks, observationMark } from '../../src/queue/loaded-marks.ts';
import { seriesQuery, rawCountQuery } from '../../src/store/queries.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { tempDir, randomName } from '../helpers/tmp.ts';
import { obs } from '../helpers/observations.ts';
import { waitUntil } from '../helpers/wait.ts';
import { expectRollupsMatchRaw } from '../helpers/rollup-invariant.ts';

const SLOT = '2026-11-20T10:59:30.000Z';
/** The first read of the slot, and a re-fetch 50 s later (the next hour) with a lower value. */
const first = (tag: string) => obs({ tag, slot: SLOT, observedAt: '2026-11-20T10:59:40.000Z', fetchedAt: '2026-11-20T10:59:40.000Z', value: '9000' });
const refetch = (tag: string) => obs({ tag, slot: SLOT, observedAt: '2026-11-20T11:00:30.000Z', fetchedAt: '2026-11-20T11:00:30.000Z', value: '8000' });
/** Readings of other slots around it, so every bucket has company. */
const around = (tag: string) => [
  obs({ tag, slot: '2026-11-20T10:29:30.000Z', observedAt: '2026-11-20T10:29:31.000Z', value: '8500' }),
  obs({ tag, slot: '2026-11-20T11:29:30.000Z', observedAt: '2026-11-20T11:29:31.000Z', value: '9100' }),
];

describe('collect path: a re-fetched slot never leaves its dropped reading in the rollups (real chDB, real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  const rawRows = async (store: ClickHouseStore, tag: string) => Number((await store.run(rawCountQuery, { platform: 'tiktok', tag }))[0]!.rows);
  /** Raw and rollups hold the slot's first reading (9000) between its neighbours, and raw one row per slot. */
  const expectFirstReadingKept = async (store: ClickHouseStore, tag: string) => {
    await expectRollupsMatchRaw(store, [tag]);
    expect((await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).map((r) => r.value)).toEqual(['8500', '9000', '9100']);
    expect(await rawRows(store, tag)).toBe(3);
  };

  it('killed between the insert and the marks: the re-fetch is checked against the store and left out; raw and rollups hold the first reading', async () => {
    const t = tempDir('tagpulse-load-redelivery-');
    const suffix = randomName('q');
    const tag = 'redeliver';
    try {
      const job = { observations: [first(tag), ...around(tag)], failures: [] };
      const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/faults/load-redelivery-child.ts', t.dir, redis.socket, suffix, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      await once(child, 'exit');
      expect(child.signalCode, out).toBe('SIGKILL');
      expect(out).toContain('inserted');

      const store = await openClickHouseStore({ dataDir: t.dir });
      const naming = { prefix: 'tp', suffix };
      const producer = await connectProducer(redis.target);
      const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
      try {
        await store.migrate();
        expect(await rawRows(store, tag)).toBe(3); // stored by the killed process, never marked
        // The re-fetched reading of the slot arrives (a re-delivered collect job), then the killed job is re-delivered.
        await q.add('observations', { observations: [refetch(tag)], failures: [] }, { ...loadJobOptions(), jobId: 'refetch' });
        const { worker, batcher } = createLoadWorker({ store, connection: connectionFor(redis.target, 'worker'), naming, batchSize: 100, flushMs: 20, lockDurationMs: 2000, stalledIntervalMs: 1000 });
        try {
          await waitUntil(async () => ((await q.getJobCounts('completed')).completed ?? 0) === 2, { what: 'both jobs completed', timeoutMs: 60_000 });
        } finally {
          await worker.close();
          await batcher.close();
        }
        await expectFirstReadingKept(store, tag);
        // The identity is marked now: a later re-delivery stops at the worker's first check.
        expect(await new LoadedMarks(producer, `tp:${qname(LOAD_QUEUE, naming)}:loaded`).stored([observationMark(refetch(tag))])).toEqual([true]);
      } finally {
        await q.close();
        producer.disconnect();
        await store.close();
        await drainPending();
      }
    } finally {
      t.cleanup();
    }
  }, 120_000);

  describe('in one process', () => {
    let store: ClickHouseStore;
    const t = tempDir('tagpulse-load-race-');
    beforeAll(async () => {
      store = await openClickHouseStore({ dataDir: t.dir });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await drainPending();
      t.cleanup();
    });
    const marksFor = async () => {
      const producer = await connectProducer(redis.target);
      return { producer, marks: new LoadedMarks(producer, `tp:${randomName('loaded')}`) };
    };

    /**
     * A slot's first reading (with two readings around it) and a re-fetch of the slot, given to one Batcher as two parts;
     * `batchSize` rows per insert decides whether they share an insert. The first reading is kept either way.
     */
    const firstReadingKept = async (tag: string, batchSize: number) => {
      const { producer, marks } = await marksFor();
      const batcher = new Batcher(store, { batchSize, flushMs: 10_000, markStored: (m) => marks.mark(m), marks });
      try {
        const parts = batcher.addParts([
          { observations: [first(tag), ...around(tag)], failures: [], marks: [first(tag), ...around(tag)].map(observationMark) },
          { observations: [refetch(tag)], failures: [], marks: [observationMark(refetch(tag))] },
        ]);
        await batcher.flush();
        await Promise.all(parts);
        await expectFirstReadingKept(store, tag);
      } finally {
        await batcher.close();
        producer.disconnect();
      }
    };

    it('two readings of one slot in one insert: the first is kept, raw and rollups agree', async () => {
      await firstReadingKept('race_one_insert', 100);
    }, 60_000);

    it('a re-fetch checked while the first reading was being inserted is checked again before its own insert', async () => {
      // batchSize 3 rows: the first part (3 rows) is one insert, and its insert and marks complete before the
      // re-fetch's insert begins.
      await firstReadingKept('race_two_inserts', 3);
    }, 60_000);

    it('a slot re-fetched after its mark expired (a worker that slept for hours): the store is asked, the first reading kept', async () => {
      const tag = 'refetch_after_retention';
      const producer = await connectProducer(redis.target);
      // Retention 0: the first reading's mark has expired by the re-fetch's check, as when the re-fetch comes hours later.
      const marks = new LoadedMarks(producer, `tp:${randomName('loaded')}`, 0);
      const batcher = new Batcher(store, { batchSize: 100, flushMs: 10_000, markStored: (m) => marks.mark(m), marks });
      const send = async (rows: ReturnType<typeof obs>[]) => {
        const parts = batcher.addParts([{ observations: rows, failures: [], marks: rows.map(observationMark) }]);
        await batcher.flush();
        await Promise.all(parts);
      };
      try {
        await send([first(tag), ...around(tag)]);
        await send([refetch(tag)]);
        await expectFirstReadingKept(store, tag);
      } finally {
        await batcher.close();
        producer.disconnect();
      }
    }, 60_000);

    it('a Research API day re-queried after the marks expired, with a revised count: raw FINAL and the rollups hold the new count', async () => {
      const tag = 'research_day';
      const producer = await connectProducer(redis.target);
      // Retention 0: every mark has expired by the next check (as after an hour), so only the store can tell.
      const marks = new LoadedMarks(producer, `tp:${randomName('loaded')}`, 0);
      const rebuilt: string[][] = [];
      const counting = Object.assign(Object.create(store) as ClickHouseStore, {
        insertObservations: store.insertObservations.bind(store),
        run: store.run.bind(store),
        rebuildRollups: async (hours: Parameters<ClickHouseStore['rebuildRollups']>[0]) => {
          rebuilt.push(hours.map((h) => h.hour));
          return store.rebuildRollups(hours);
        },
      });
      const batcher = new Batcher(counting, { batchSize: 100, flushMs: 10_000, markStored: (m) => marks.mark(m), marks });
      const day = (value: string, note: string) =>
        obs({ platform: 'tiktok_research', metric: 'videos_created', tag, method: 'api', timePrecision: 'day', observedAt: '2026-11-19T23:59:59.999Z', slot: '2026-11-20T06:00:00.000Z', value, note });
      const other = obs({ platform: 'tiktok_research', metric: 'videos_created', tag, method: 'api', timePrecision: 'day', observedAt: '2026-11-18T23:59:59.999Z', slot: '2026-11-20T06:00:00.000Z', value: '300' });
      try {
        // The third query reads the same count again: nothing the rollups hold changes, so nothing is rebuilt.
        for (const rows of [[other, day('520', 'first query')], [day('480', 'second query: two videos removed')], [day('480', 'third query')]]) {
          const parts = batcher.addParts([{ observations: rows, failures: [], marks: rows.map(observationMark) }]);
          await batcher.flush();
          await Promise.all(parts);
        }
        await expectRollupsMatchRaw(store, [tag]);
        expect((await store.run(seriesQuery, { platform: 'tiktok_research', tag, metric: 'videos_created' })).map((r) => r.value)).toEqual(['300', '480']);
        expect(rebuilt).toEqual([['2026-11-19T23:00:00.000Z']]);
      } finally {
        await batcher.close();
        producer.disconnect();
      }
    }, 60_000);

    it('a replacing day reading whose rebuild did not run (the insert done, then the process gone): the retried job rebuilds', async () => {
      const tag = 'research_unsure';
      const producer = await connectProducer(redis.target);
      const marks = new LoadedMarks(producer, `tp:${randomName('loaded')}`, 60_000);
      let dies = false;
      const failing = Object.assign(Object.create(store) as ClickHouseStore, {
        insertObservations: store.insertObservations.bind(store),
        run: store.run.bind(store),
        rebuildRollups: async (hours: Parameters<ClickHouseStore['rebuildRollups']>[0]) => {
          if (dies) throw new Error('process gone before the rebuild (injected)');
          return store.rebuildRollups(hours);
        },
      });
      const batcher = new Batcher(failing, { batchSize: 100, flushMs: 10_000, markStored: (m) => marks.mark(m), marks });
      const day = (value: string) => obs({ platform: 'tiktok_research', metric: 'videos_created', tag, method: 'api', timePrecision: 'day', observedAt: '2026-11-19T23:59:59.999Z', slot: '2026-11-20T06:00:00.000Z', value });
      const send = async (o: ReturnType<typeof day>) => {
        const parts = batcher.addParts([{ observations: [o], failures: [], marks: [observationMark(o)] }]);
        await batcher.flush();
        return Promise.allSettled(parts);
      };
      try {
        expect((await send(day('520')))[0]!.status).toBe('fulfilled');
        // The marks of the first reading are gone (their retention passed); the re-query's insert goes in, its rebuild not.
        await producer.del(`${marks.key}`);
        dies = true;
        expect((await send(day('480')))[0]!.status).toBe('rejected');
        dies = false;
        // The job is retried with the same reading: the store holds it already, the loading set says it may have been
        // stored without its rebuild, so the buckets are rebuilt now.
        expect((await send(day('480')))[0]!.status).toBe('fulfilled');
        await expectRollupsMatchRaw(store, [tag]);
        expect((await store.run(seriesQuery, { platform: 'tiktok_research', tag, metric: 'videos_created' })).map((r) => r.value)).toEqual(['480']);
      } finally {
        await batcher.close();
        producer.disconnect();
      }
    }, 60_000);
  });
});
