/**
 * Issue 15, figure 2 (loader ÷ raw insert): jobs that reach the loader faster than its flush timer (a burst, a backlog
 * after an outage) were gathered into one insert of every waiting row, however many — unbounded memory, and in chDB
 * slower per row than inserts of `batchSize` (one 100k-row insert ran ~20 % slower than twenty of 5k). The Batcher now
 * inserts at most `batchSize` rows at a time (whole parts), every part stored once; when the store is down, the first
 * failed insert rejects the rest without trying them. Real chDB; the store is wrapped only to record the calls.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { Batcher } from '../../../src/workers/load.ts';
import { rawCountQuery } from '../../../src/store/queries.ts';
import { StoreUnavailableError } from '../../../src/store/errors.ts';
import type { Store } from '../../../src/store/store.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';

/** The store with insertObservations recorded (sizes) and, while `down` is set, refused as unreachable. */
function recording(store: ClickHouseStore): { store: Store; sizes: number[]; down: { on: boolean } } {
  const sizes: number[] = [];
  const down = { on: false };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'insertObservations')
        return async (rows: Observation[]) => {
          sizes.push(rows.length);
          if (down.on) throw new StoreUnavailableError('test: the store is down');
          return target.insertObservations(rows);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as unknown as Store;
  return { store: wrapped, sizes, down };
}

/** Two rows per part (views and posts of one sample), like a collect job's outcome. */
const sample = (tag: string, i: number): Observation[] => {
  const at = new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString();
  return [obs({ tag, observedAt: at, value: String(1000 + i) }), obs({ tag, observedAt: at, value: String(10 + i), metric: 'posts' })];
};

describe('Batcher: inserts of at most batchSize rows', () => {
  let store: ClickHouseStore;
  let dir: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('a burst of 50 parts (100 rows) arriving before the flush is stored in inserts of at most 10 rows, each row once', async () => {
    const r = recording(store);
    const batcher = new Batcher(r.store, { batchSize: 10, flushMs: 50 });
    const done = Array.from({ length: 50 }, (_, i) => batcher.add(sample('burst', i), []));
    await Promise.all(done);
    await batcher.close();
    expect(r.sizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...r.sizes)).toBeLessThanOrEqual(10);
    expect(r.sizes.length).toBe(10);
    const [n] = await store.run(rawCountQuery, { platform: 'tiktok', tag: 'burst' });
    expect(n).toMatchObject({ rows: '100', keys: '100' });
  });

  it('with the store down, the first failed insert rejects every part of the flush and the rest are not tried', async () => {
    const r = recording(store);
    r.down.on = true;
    const batcher = new Batcher(r.store, { batchSize: 10, flushMs: 50 });
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => batcher.add(sample('down', i), [])));
    expect(settled.every((s) => s.status === 'rejected' && s.reason instanceof StoreUnavailableError)).toBe(true);
    expect(r.sizes).toEqual([10]);
    expect(batcher.pendingRows).toBe(0);
    await batcher.close();
  });
});
