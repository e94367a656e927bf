/**
 * Issue 10 (figure 5b, peak RSS of a 2M-row import against a 200k-row one): an import's stage merges all the time, and
 * when 100 or more merged-away parts of one stage table wait at one cleanup (every import of about 1M rows or more,
 * never a small one; and when a stage with that many parts is dropped), ClickHouse removed them with its
 * parts-cleaning pool: up to 128 threads, started for it and kept for the rest of the process (a 2M-row import went
 * from 35 to 161 threads). The stage's tables now remove parts on one thread (concurrent_part_removal_threshold), so a
 * big import starts no thread a small one does not. The stage's raw table and daily rollup also write 64 KiB
 * compression blocks (their merges of a big file's parts hold a block buffer per column stream). Its own file: chDB's thread pools live as long as the process, and
 * vitest runs each file in a fresh one, so no earlier test has started the pool.
 */
import { readFileSync } from 'node:fs';
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { observationLine } from '../../../src/store/rows.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

describe('import stage: merged-away parts are removed without a thread burst (real chDB)', () => {
  const t = tempDir('tagpulse-import-stage-cleanup-');
  let store: ClickHouseStore;
  beforeAll(async () => {
    store = await openClickHouseStore({ dataDir: t.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    t.cleanup();
  });

  it('a stage of 150 parts is dropped without starting the parts-cleaning pool', async () => {
    const stage = (await store.openImportStage())!;
    const tables = async () => {
      const r = await store.client.query({ query: `SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'import_stage_${stage}') AND engine LIKE '%MergeTree'`, format: 'JSONEachRow' });
      return ((await r.json()) as { name: string }[]).map((x) => x.name);
    };
    const stageTables = await tables();
    expect(stageTables.length).toBe(4); // raw, hourly, daily, keys
    // Every part stays a part: one block, one part, in each of the four tables.
    for (const name of stageTables) await store.client.command({ query: `SYSTEM STOP MERGES ${name}` });
    for (let i = 0; i < 150; i++) {
      const o = obs({ tag: `cleanup${i}`, observedAt: new Date(Date.UTC(2024, 5, 1, i)).toISOString(), value: String(1000 + i) });
      await store.stageObservationLines(stage, observationLine(o) + '\n', { dedupToken: `cleanup-${i}` });
    }
    const parts = async () => {
      const r = await store.client.query({ query: `SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND startsWith(table, 'import_stage_${stage}') AND active`, format: 'JSONEachRow' });
      return Number(((await r.json()) as { n: string }[])[0]!.n);
    };
    expect(await parts()).toBe(600);
    const before = threads();
    await store.dropImportStage(stage);
    expect(await tables()).toEqual([]);
    // Before: 150 parts at one drop ≥ concurrent_part_removal_threshold (100) → the pool's threads (measured +100 or more).
    expect(threads() - before).toBeLessThan(10);
  });

  it('the stage writes 64 KiB compression blocks in its raw table and daily rollup, 1 MiB (the default) in the hourly one', async () => {
    const stage = (await store.openImportStage())!;
    const r = await store.client.query({ query: `SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'import_stage_${stage}') AND engine LIKE '%MergeTree' ORDER BY name`, format: 'JSONEachRow' });
    const created = Object.fromEntries(((await r.json()) as { name: string; q: string }[]).map((x) => [x.name.replace(`import_stage_${stage}`, 'stage'), x.q]));
    expect(Object.keys(created).sort()).toEqual(['stage', 'stage__observation_keys_v1', 'stage__observations_daily_v3', 'stage__observations_hourly_v3']);
    for (const [name, q] of Object.entries(created)) {
      expect(q, name).toMatch(/concurrent_part_removal_threshold = 1000000000/);
      expect(/max_compress_block_size = 65536/.test(q), name).toBe(name === 'stage' || name === 'stage__observations_daily_v3');
    }
    await store.dropImportStage(stage);
  });
});
