/**
 * The DDL of every topology, as src/store/migrations.ts renders it: every statement goes through ClickHouse's own
 * parser (formatQuery in chDB, the statement bound as a parameter), the embedded/single schema is executed for real in
 * a fresh chDB dir, and the cluster schema is checked for what makes it correct across shards.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { migrations, renderAll, renderData, T } from '../../../src/store/migrations.ts';
import type { DdlContext, Topology } from '../../../src/store/ddl.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const TOPOLOGIES: DdlContext[] = [
  { topology: 'embedded', cluster: '{cluster}' },
  { topology: 'single', cluster: '{cluster}' },
  { topology: 'cluster', cluster: '{cluster}' },
  { topology: 'cluster', cluster: 'tagpulse' },
];
/** CREATE statements (ALTER … ADD COLUMN IF NOT EXISTS of later migrations change tables, they create none). */
const creates = (sqls: string[]) => sqls.filter((s) => /\nCREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS /.test(`\n${s.replace(/^(--[^\n]*\n)+/, '')}`));
const cluster = creates(renderAll({ topology: 'cluster', cluster: '{cluster}' }));
/** Tables (not views) of the single-node schema: the names every query is written against. */
const queriedTables = creates(renderAll({ topology: 'embedded', cluster: '{cluster}' })).filter((s) => !s.includes('MATERIALIZED VIEW'));
/** DROP statements (migration 10 drops the v2 rollups and their views). */
const drops = (sqls: string[]) => sqls.map((s) => /\nDROP (?:TABLE|VIEW) IF EXISTS `([^`]+)`/.exec(`\n${s.replace(/^(--[^\n]*\n)+/, '')}`)?.[1]).filter((x): x is string => !!x);
const created = (sql: string) => /CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS `([^`]+)`/.exec(sql)?.[1];
const columnsOf = (list: string) => list.replace(/^\(|\)$/g, '').split(',').map((c) => c.trim());

describe('DDL of every topology', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir('tagpulse-ddl-');
    store = await openClickHouseStore({ dataDir: dir.dir });
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  async function format(sql: string): Promise<string> {
    const rs = await store.client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: sql }, format: 'JSONEachRow' });
    const [row] = (await rs.json()) as { f: string }[];
    return row!.f;
  }

  it('ClickHouse parses every statement of every topology (and its own formatting back)', async () => {
    let n = 0;
    for (const ctx of TOPOLOGIES) {
      for (const sql of renderAll(ctx)) {
        const formatted = await format(sql);
        expect(formatted, sql).toMatch(/^(CREATE (TABLE|MATERIALIZED VIEW|DICTIONARY) IF NOT EXISTS |ALTER TABLE \S+( ON CLUSTER \S+)?\s+\(?ADD COLUMN IF NOT EXISTS |DROP (TABLE|VIEW) IF EXISTS \S+( ON CLUSTER \S+)? SYNC$)/);
        expect(await format(formatted)).toBe(formatted);
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(4 * 11);
    await expect(format('CREATE TABLE x (a UInt8')).rejects.toThrow(/Syntax error/);
  });

  it('creates the embedded/single schema for real, idempotently, and the rollups fill from inserts', async () => {
    const single = renderAll({ topology: 'single', cluster: '{cluster}' });
    const embedded = renderAll({ topology: 'embedded', cluster: '{cluster}' });
    // the embedded store alone has the tracked cadence dictionary (migration 33); otherwise the same DDL
    expect(embedded.filter((s) => s.includes('CREATE DICTIONARY'))).toHaveLength(1);
    expect(single).toEqual(embedded.filter((s) => !s.includes('CREATE DICTIONARY')));
    expect((await store.migrate()).applied).toEqual(migrations.map((m) => m.version));
    expect((await store.migrate()).applied).toEqual([]);
    const rs = await store.client.query({ query: 'SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' });
    const tables = Object.fromEntries(((await rs.json()) as { name: string; engine: string }[]).map((t) => [t.name, t.engine]));
    // every table and view created, minus the v2 rollups and views migration 10 drops
    expect(Object.keys(tables).sort()).toEqual([...creates(single).map(created).filter((t) => !drops(single).includes(t!)), T.trackedCadence].sort());
    expect(tables[T.trackedCadence]).toBe('Dictionary');
    expect(drops(single).sort()).toEqual(['observations_daily_mv_v2', 'observations_daily_v2', 'observations_hourly_mv_v2', 'observations_hourly_v2']);
    expect(tables[T.observations]).toBe('ReplacingMergeTree');
    expect(tables[T.hourly]).toBe('AggregatingMergeTree');
    expect(tables.observations_hourly_mv_v3).toBe('MaterializedView');

    await store.insertObservations([
      obs({ tag: 'ddlcheck', observedAt: '2030-01-01T10:05:00.000Z', value: '100' }),
      obs({ tag: 'ddlcheck', observedAt: '2030-01-01T10:55:00.000Z', value: '160' }),
    ]);
    const rollup = await store.client.query({
      query: `SELECT bucket, argMinMerge(first_value) AS first, argMaxMerge(last_value) AS last FROM ${T.hourly}
              WHERE platform = {platform:String} AND tag = {tag:String} AND metric = 'views' GROUP BY bucket`,
      query_params: { platform: 'tiktok', tag: 'ddlcheck' },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await rollup.json()).toEqual([{ bucket: '2030-01-01 10:00:00', first: '100', last: '160' }]);
  });

  it('cluster: Replicated engines with {shard}/{replica}, ON CLUSTER, one Keeper path per table', () => {
    const paths = new Set<string>();
    for (const sql of cluster) {
      expect(sql).toContain(" ON CLUSTER '{cluster}'");
      const engine = /ENGINE = (\w+)\(([^\n]*)\)\n/.exec(sql + '\n');
      if (!engine || engine[1] === 'Distributed' || /MATERIALIZED VIEW/.test(sql)) continue;
      expect(engine[1]).toMatch(/^Replicated(Replacing|Aggregating)?MergeTree$/);
      const path = /'(\/clickhouse\/tables\/\{shard\}\/\{database\}\/[^']+)', '\{replica\}'/.exec(engine[2]!)?.[1];
      expect(path, sql).toBeDefined();
      expect(paths.has(path!)).toBe(false);
      paths.add(path!);
    }
    expect(paths.size).toBe(queriedTables.length);
    expect(renderAll({ topology: 'cluster', cluster: 'tagpulse' }).every((s) => s.includes(' ON CLUSTER `tagpulse`'))).toBe(true); // ALTERs too
  });

  it('cluster: every queried table is Distributed, sharded by columns of its sort key (a key never spans shards)', () => {
    const locals = new Map<string, string>();
    for (const sql of cluster) {
      const name = created(sql)!;
      const orderBy = /\nORDER BY (\([^)]*\)|\w+)/.exec(sql)?.[1];
      if (orderBy && name.endsWith('_local')) locals.set(name, orderBy);
    }
    const distributed = cluster.filter((s) => s.includes('ENGINE = Distributed('));
    expect(distributed.map(created).sort()).toEqual(queriedTables.map(created).sort());
    for (const sql of distributed) {
      const m = /AS `(\w+_local)`\nENGINE = Distributed\('\{cluster\}', currentDatabase\(\), `(\w+_local)`, (\w+)\(?([^)]*)\)?\)$/.exec(sql);
      expect(m, sql).not.toBeNull();
      const [, as, local, fn, args] = m!;
      expect(as).toBe(local);
      expect(local).toBe(`${created(sql)}_local`);
      const shardColumns = fn === 'cityHash64' ? columnsOf(args!) : [fn!];
      const keyColumns = columnsOf(locals.get(local!)!);
      for (const c of shardColumns) expect(keyColumns, `${local}: shard column ${c}`).toContain(c);
      // Tag data is sharded by (platform, tag): a tag's observations, failures and rollup rows share one shard.
      if (keyColumns.includes('tag')) expect(shardColumns).toEqual(['platform', 'tag']);
    }
  });

  it('cluster: the rollup views read the raw LOCAL table and write the LOCAL rollup of their own shard', () => {
    const all = cluster.filter((s) => s.includes('MATERIALIZED VIEW'));
    // v1 (kept for the pre-migration table) and v2 (the current one, fed at the corrected observed_at), and (issue 15,
    // migration 32) the keys view, which also reads the raw LOCAL table and writes its shard's LOCAL keys table
    // (issue 10, migration 10) and v3, the current rollups with an Int128 order of readings
    expect(all).toHaveLength(7);
    const keysViews = all.filter((v) => v.includes('observation_keys_mv_v1_local'));
    expect(keysViews).toHaveLength(1);
    expect(keysViews[0]).toMatch(/TO `observation_keys_v1_local`\nAS SELECT/);
    expect(keysViews[0]).toContain(`FROM \`${T.observations}_local\``);
    const views = all.filter((v) => !keysViews.includes(v));
    for (const version of ['v1', 'v2', 'v3']) {
      const of = views.filter((v) => v.includes(`_mv_${version}_local`));
      expect(of).toHaveLength(2);
      for (const v of of) {
        expect(v).toMatch(new RegExp(`TO \`observations_(hourly|daily)_${version}_local\`\nAS SELECT`));
        expect(v).toContain(`FROM \`observations_${version === 'v1' ? 'v1' : 'v2'}_local\``);
        expect(v).not.toMatch(/FROM `observations_v[12]`/);
      }
    }
    expect(views.filter((v) => v.includes(`FROM \`${T.observations}_local\``))).toHaveLength(4);
  });

  it('the data step of migration 8 parses in every topology and reads/writes the Distributed tables in a cluster', async () => {
    for (const ctx of TOPOLOGIES) {
      const steps = renderData(ctx);
      // migration 8's copy, (issue 10) migration 10's two rollups derived from the raw table, migration 11's two
      // rollups emptied and derived again and the summary emptied, then (issue 15) migration 32's copy of the keys
      expect(steps).toHaveLength(9);
      const sql = steps[0]!.replace(/^--[^\n]*\n/, '');
      expect(await format(sql)).toMatch(/^INSERT INTO observations_v2/);
      expect(sql).toContain('FROM observations_v1');
      for (const [i, grain] of [[1, 'hourly'], [2, 'daily']] as const) {
        const rollup = steps[i]!.replace(/^--[^\n]*\n/, '');
        expect(await format(rollup)).toMatch(new RegExp(`^INSERT INTO observations_${grain}_v3`));
        expect(rollup).toContain('FROM observations_v2 FINAL');
        expect(rollup).not.toContain('_local');
      }
      for (const [i, grain] of [[3, 'hourly'], [5, 'daily']] as const) {
        const truncate = steps[i]!.replace(/^--[^\n]*\n/, '');
        expect(await format(truncate)).toMatch(new RegExp(`^TRUNCATE TABLE IF EXISTS observations_${grain}_v3${ctx.topology === 'cluster' ? '_local ON CLUSTER' : ' '}`));
        const rollup = steps[i + 1]!.replace(/^--[^\n]*\n/, '');
        expect(rollup).toContain('FROM observations_v2 FINAL');
        expect(rollup).not.toContain('_local');
      }
      expect(await format(steps[7]!.replace(/^--[^\n]*\n/, ''))).toMatch(/^TRUNCATE TABLE IF EXISTS tag_summary_v1/);
      const keys = steps[8]!.replace(/^--[^\n]*\n/, '');
      expect(await format(keys)).toMatch(/^INSERT INTO observation_keys_v1/);
      expect(keys).toContain('FROM observations_v2');
      expect(keys).not.toContain('_local');
    }
  });

  it('no topology the embedded store cannot run is accepted by it', async () => {
    for (const topology of ['single', 'cluster'] as Topology[]) {
      await expect(openClickHouseStore({ dataDir: dir.dir, topology })).rejects.toThrow(/needs a ClickHouse server/);
    }
  });
});
