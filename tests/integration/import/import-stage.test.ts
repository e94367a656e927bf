/**
 * Issue 10 (import rate, figure 5a): a big import no longer checks the whole file before it inserts anything. Each
 * checked block goes into the import's stage (import_stage_<id>: a clone of observations_v2 and of its rollups, fed by
 * copies of the rollup views) while the next block is checked; only an accepted file is moved into the real tables
 * (ATTACH PARTITION … FROM: the stage's parts, nothing read or written again). On a real chDB store:
 *  - the rows are in the stage, and not in observations_v2, until the whole file is accepted;
 *  - a refused file (rounding found at its end, a CSV defect after staged blocks) and a failed stage insert store
 *    nothing and leave no stage;
 *  - a stage left by a killed import is dropped by the next migrate or import; a live one is kept;
 *  - the rollups get the staged rows (the stage's views are the store's views, on the stage's tables); a stage
 *    block re-sent with the same token adds nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { drainPending } from 'chdb';
import { importFile, type ImportRequest } from '../../../src/services/import.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { rawCountQuery, seriesQuery } from '../../../src/store/queries.ts';
import { observationLine } from '../../../src/store/rows.ts';
import { T } from '../../../src/store/migrations.ts';
import type { Store } from '../../../src/store/store.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const HEADER = 'platform,tag,metric,observed_at,value';
const day = (i: number) => `2024-06-${String(i + 1).padStart(2, '0')}T00:00:00Z`;
const rowsOf = (tag: string, values: number[]) => values.map((v, i) => `tiktok,${tag},views,${day(i)},${v}`);
/** Exact-looking values (not multiples of 10^5). */
const exact = (n: number, base = 123456701) => Array.from({ length: n }, (_, i) => base + i * 101);

/** The ids of the stages in the store, from their tables and views (import_stage_<id>[__<rollup>[_mv]]). */
async function stageTables(store: ClickHouseStore): Promise<string[]> {
  const r = await store.client.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'import_stage_') ORDER BY name", format: 'JSONEachRow' });
  return [...new Set(((await r.json()) as { name: string }[]).map((x) => x.name.split('__')[0]!))].sort();
}

async function count(store: ClickHouseStore, sql: string): Promise<number> {
  const r = await store.client.query({ query: sql, format: 'JSONEachRow' });
  return Number(((await r.json()) as { n: string }[])[0]!.n);
}

/** The store with some methods replaced (the others bound to it: its private fields stay reachable). */
function withMethods(store: Store, over: Partial<Store>): Store {
  return new Proxy(store, {
    get: (s, k) => (k in over ? over[k as keyof Store] : typeof s[k as keyof Store] === 'function' ? (s[k as keyof Store] as (...a: unknown[]) => unknown).bind(s) : s[k as keyof Store]),
  });
}

describe('import stage: checked blocks are staged while the file is read; only an accepted file is stored (real chDB)', () => {
  const t = tempDir('tagpulse-import-stage-');
  let store: ClickHouseStore;
  beforeAll(async () => {
    store = await openClickHouseStore({ dataDir: t.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    t.cleanup();
  });
  let n = 0;
  const write = (lines: string[]) => {
    const file = join(t.dir, `f${++n}.csv`);
    writeFileSync(file, [HEADER, ...lines].join('\n'));
    return file;
  };
  const request = (file: string, extra: Partial<ImportRequest> = {}): ImportRequest => ({ file, format: 'csv', ctx: { file: 'f.csv', importedAt: new Date().toISOString() }, batchSize: 3, ...extra });
  const values = async (tag: string) => (await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).map((r) => r.value);

  it('holds the checked rows in a stage, not in observations_v2, until the whole file is accepted; then moves them and drops the stage', async () => {
    const rows = exact(10);
    const file = write(rowsOf('staged', rows));
    let beforeMove: { stages: string[]; staged: number; stored: string[] } | undefined;
    const looking = withMethods(store, {
      commitImportStage: async (stage: string) => {
        beforeMove = { stages: await stageTables(store), staged: await count(store, `SELECT count() AS n FROM import_stage_${stage}`), stored: await values('staged') };
        return store.commitImportStage(stage);
      },
    });
    const out = await importFile(looking, request(file));
    expect(out).toMatchObject({ rows: 10, loaded: 10, refused: [] });
    expect(beforeMove).toEqual({ stages: [expect.stringMatching(/^import_stage_\d{13}_[0-9a-f]{12}$/)], staged: 10, stored: [] });
    expect(out.loaded).toBe(10);
    expect(await values('staged')).toEqual(rows.map(String));
    expect(await stageTables(store)).toEqual([]);
  }, 60_000);

  it('a stage holds the rows before the move; observations_v2 does not', async () => {
    // The same, observed from inside: stage blocks by hand the way the import does, look, then commit.
    const stage = (await store.openImportStage())!;
    expect(stage).toMatch(/^\d{13}_[0-9a-f]{12}$/);
    const lines = exact(4).map((v, i) => observationLine(obs({ tag: 'byhand', observedAt: day(i).replace('Z', '.000Z'), value: String(v) })) + '\n');
    expect(await store.stageObservationLines(stage, lines.slice(0, 2).join(''))).toBe(2);
    expect(await store.stageObservationLines(stage, lines.slice(2).join(''))).toBe(2);
    expect(await stageTables(store)).toEqual([`import_stage_${stage}`]);
    expect(await count(store, `SELECT count() AS n FROM import_stage_${stage}`)).toBe(4);
    expect(await values('byhand')).toEqual([]);
    expect(await store.commitImportStage(stage)).toBe(4);
    expect(await values('byhand')).toEqual(exact(4).map(String));
    expect(await stageTables(store)).toEqual([]);
  }, 60_000);

  it('a refused file stores nothing and leaves no stage, though blocks of it were staged', async () => {
    // Rounding is known only at the end of the file: 9 exact rows (3 staged blocks) come first.
    const rounded = write([...rowsOf('refusedok', exact(9)), ...rowsOf('refusedrounded', [16400000000, 16500000000, 16600000000])]);
    let staged = 0;
    const counting = withMethods(store, {
      stageObservationLines: async (stage: string, lines: string | Uint8Array) => {
        const k = await store.stageObservationLines(stage, lines);
        staged += k;
        return k;
      },
    });
    const out = await importFile(counting, request(rounded));
    expect(out.refused.join(' ')).toMatch(/display-rounded/);
    expect(staged).toBeGreaterThanOrEqual(9);
    expect(await values('refusedok')).toEqual([]);
    expect(await stageTables(store)).toEqual([]);

    // A CSV defect after staged blocks.
    const broken = write([...rowsOf('refusedcsv', exact(9)), 'tiktok,refusedcsv,views,"2024-07-01T00:00:00Z,5']);
    const out2 = await importFile(store, request(broken));
    expect(out2.fileError?.line).toBe(11);
    expect(await values('refusedcsv')).toEqual([]);
    expect(await stageTables(store)).toEqual([]);
  }, 60_000);

  it('a failed stage insert stores nothing and leaves no stage', async () => {
    const file = write(rowsOf('stagefails', exact(9)));
    let calls = 0;
    const failing = withMethods(store, {
      stageObservationLines: async (stage: string, lines: string | Uint8Array) => {
        if (++calls === 2) throw new Error('disk on fire');
        return store.stageObservationLines(stage, lines);
      },
    });
    await expect(importFile(failing, request(file))).rejects.toThrow('disk on fire');
    expect(await values('stagefails')).toEqual([]);
    expect(await stageTables(store)).toEqual([]);
  }, 60_000);

  it('the rollups get the staged rows: the hourly and daily rollups hold them after the move', async () => {
    const rows = exact(8);
    const file = write(rowsOf('rolled', rows));
    expect(await importFile(store, request(file))).toMatchObject({ rows: 8, loaded: 8, refused: [] });
    const last = async (table: string) =>
      ((await (await store.client.query({ query: `SELECT toString(bucket) AS b, toString(finalizeAggregation(last_value)) AS v FROM ${table} FINAL WHERE tag = 'rolled' ORDER BY bucket`, format: 'JSONEachRow' })).json()) as { b: string; v: string }[]).map((r) => r.v);
    expect(await last(T.hourly)).toEqual(rows.map(String));
    expect(await last(T.daily)).toEqual(rows.map(String));
  }, 60_000);

  it("the stage's views are the store's rollup views, on the stage's tables; a stage block re-sent with the same token adds nothing", async () => {
    const stage = (await store.openImportStage())!;
    const views = async (like: string) =>
      ((await (await store.client.query({ query: `SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' AND name LIKE {like:String} ORDER BY name`, query_params: { like }, format: 'JSONEachRow' })).json()) as { name: string; q: string }[]);
    // the two rollup views and (issue 15, migration 32) the keys view
    const live = [...(await views('observations_%_mv_v3')), ...(await views('observation_keys_mv_v1'))];
    const staged = await views(`import_stage_${stage}%`);
    expect(live).toHaveLength(3);
    expect(staged).toHaveLength(3);
    // The same statement once the stage's names are put back (and the database-qualified names made plain).
    const plain = (q: string) => q.replace(/\b[\w]+\.(`?)(observations|observation_keys|import_stage)/g, '$1$2').replace(new RegExp(`import_stage_${stage}__(observations_\\w+_v3|observation_keys_v1)_mv`, 'g'), '$1').replace(new RegExp(`import_stage_${stage}__`, 'g'), '').replace(new RegExp(`import_stage_${stage}`, 'g'), T.observations);
    const byTarget = (q: string) => /TO\s+\S*?(observations_\w+_v3|observation_keys_v1)/.exec(plain(q))?.[1];
    for (const v of live) {
      const twin = staged.find((x) => byTarget(x.q) === byTarget(v.q));
      expect(twin, v.name).toBeDefined();
      expect(plain(twin!.q).replace(/VIEW \S+/, 'VIEW v')).toBe(plain(v.q).replace(/VIEW \S+/, 'VIEW v'));
    }
    const lines = exact(5).map((v, i) => observationLine(obs({ tag: 'resent', observedAt: day(i).replace('Z', '.000Z'), value: String(v) })) + '\n').join('');
    expect(await store.stageObservationLines(stage, lines, { dedupToken: 'resent-1' })).toBe(5);
    expect(await store.stageObservationLines(stage, lines, { dedupToken: 'resent-1' })).toBe(5);
    expect(await store.commitImportStage(stage)).toBe(5);
    expect((await store.run(rawCountQuery, { platform: 'tiktok', tag: 'resent' }))[0]).toEqual({ rows: '5', keys: '5' });
  }, 60_000);
});

describe('import stage: a stage left by a killed import is dropped by the next one (real chDB)', () => {
  const t = tempDir('tagpulse-import-stale-');
  afterAll(() => t.cleanup());

  it('the next migrate drops a stage this process did not open, and keeps its own', async () => {
    // A process that staged rows and died: its store is closed without a commit or a drop.
    const first = await openClickHouseStore({ dataDir: t.dir });
    await first.migrate();
    const stage = (await first.openImportStage())!;
    await first.stageObservationLines(stage, observationLine(obs({ tag: 'killed', observedAt: '2024-06-01T00:00:00.000Z', value: '123456701' })) + '\n');
    await first.close();
    await drainPending();

    const next = await openClickHouseStore({ dataDir: t.dir });
    try {
      expect(await stageTables(next)).toEqual([`import_stage_${stage}`]);
      await next.migrate();
      expect(await stageTables(next)).toEqual([]);
      expect((await next.run(rawCountQuery, { platform: 'tiktok', tag: 'killed' }))[0]).toEqual({ rows: '0', keys: '0' });
      // A stage of this process (an import in progress) survives a migrate and the opening of another stage.
      const live = (await next.openImportStage())!;
      await next.migrate();
      const other = (await next.openImportStage())!;
      expect(await stageTables(next)).toEqual([`import_stage_${live}`, `import_stage_${other}`].sort());
      await next.dropImportStage(live);
      await next.dropImportStage(other);
      expect(await stageTables(next)).toEqual([]);
    } finally {
      await next.close();
      await drainPending();
    }
  }, 60_000);
});
