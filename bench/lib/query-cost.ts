/**
 * Figure 4: query cost on a generated dataset — rows read (ClickHouse statistics.rows_read, via store.runWithStats)
 * by the queries tagpulse really runs, against the rows they need.
 *
 * Dataset: `rows` observations over `tags` tags (views and posts, hourly) plus one heavy tag sampled every 5 minutes
 * for about a year, generated inside chDB with INSERT … SELECT FROM numbers() into the real observations_v1 table,
 * so the hourly and daily rollups fill through their materialized views exactly as in production.
 *  - single-tag series query (FINAL, sort-key range) and the report of one tag, against that tag's rows;
 *  - the leaderboard (computeLeaderboard), which must read the rollups only.
 * Measured once as inserted (many parts) and once after OPTIMIZE … FINAL (the merged steady state).
 */
import { z } from 'zod';
import { T } from '../../src/store/migrations.ts';
import { seriesQuery } from '../../src/store/queries.ts';
import { defineQuery, type NamedQuery, type QueryStats } from '../../src/store/query.ts';
import type { Store } from '../../src/store/store.ts';
import { buildReport } from '../../src/services/report.ts';
import { computeLeaderboard } from '../../src/services/leaderboard.ts';
import { fmt, type BenchContext } from './context.ts';
import { NO_TOKEN } from './loader.ts';
import type { BenchResult } from './result.ts';

export interface QueryBenchOptions {
  rows: number;
  tags: number;
  heavyRows: number;
}

const PLATFORM = 'benchq';
const BASE = '2025-01-01 00:00:00';
const CHUNK = 1_000_000;
/** Inserts here carry no dedup token of their own (see NO_TOKEN). */
const INSERT = { insert_deduplication_token: NO_TOKEN };

/** Observations of `tags` tags: row n is tag n % tags, metric by parity of n / tags, one hour per pair of rows. */
const GENERATE_SQL = `INSERT INTO ${T.observations} (platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at)
SELECT {platform:String}, concat('bench_', toString(number % {tags:UInt32})), if(intDiv(number, {tags:UInt32}) % 2 = 0, 'views', 'posts'),
  toDateTime64({base:String}, 3, 'UTC') + toIntervalHour(intDiv(number, {tags:UInt32} * 2)) AS t,
  1000000 + intDiv(number, {tags:UInt32} * 2) * 1000 + number % {tags:UInt32}, true, 0, 'exact', 'bench', 'http', 'bench', t, t
FROM numbers({offset:UInt64}, {count:UInt64})`;

/** One heavy tag: views and posts every 5 minutes. */
const GENERATE_HEAVY_SQL = `INSERT INTO ${T.observations} (platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at)
SELECT {platform:String}, 'bench_heavy', if(number % 2 = 0, 'views', 'posts'),
  toDateTime64({base:String}, 3, 'UTC') + toIntervalMinute(intDiv(number, 2) * 5) AS t,
  1000000 + intDiv(number, 2) * 1000, true, 0, 'exact', 'bench', 'http', 'bench', t, t
FROM numbers({count:UInt64})`;

export const tagRowsQuery = defineQuery({
  name: 'bench_tag_rows',
  params: z.object({ platform: z.string(), tag: z.string(), metric: z.string() }),
  row: z.object({ rows: z.coerce.number() }),
  sql: `SELECT count() AS rows FROM ${T.observations} WHERE platform = {platform:String} AND tag = {tag:String} AND metric = {metric:String}`,
});

export const tableRowsQuery = defineQuery({
  name: 'bench_table_rows',
  params: z.object({ platform: z.string(), table: z.string().default(T.observations) }),
  row: z.object({ raw: z.coerce.number(), hourly: z.coerce.number(), daily: z.coerce.number(), parts: z.coerce.number() }),
  sql: `SELECT
  (SELECT count() FROM ${T.observations} WHERE platform = {platform:String}) AS raw,
  (SELECT count() FROM ${T.hourly} WHERE platform = {platform:String}) AS hourly,
  (SELECT count() FROM ${T.daily} WHERE platform = {platform:String}) AS daily,
  (SELECT count() FROM system.parts WHERE table = {table:String} AND active) AS parts`,
});

/** The raw table's index granularity: a one-tag read costs at least one granule per part it touches. */
export const granularityQuery = defineQuery({
  name: 'bench_index_granularity',
  params: z.object({ table: z.string() }),
  row: z.object({ engine_full: z.string() }),
  sql: 'SELECT engine_full FROM system.tables WHERE name = {table:String} AND database = currentDatabase()',
});

async function indexGranularity(ctx: BenchContext): Promise<number> {
  const [t] = await ctx.store.run(granularityQuery, { table: T.observations });
  return Number(/index_granularity = (\d+)/.exec(t?.engine_full ?? '')?.[1] ?? 8192);
}

interface Metered {
  store: Store;
  /** Queries run since the last take(), with their statistics. */
  take(): { name: string; sql: string; stats: QueryStats }[];
}

/** The store with every named query's statistics recorded (what a report or a leaderboard really read). */
function metered(store: Store): Metered {
  let log: { name: string; sql: string; stats: QueryStats }[] = [];
  const withStats = async (q: NamedQuery, params: unknown) => {
    const r = await store.runWithStats(q, params as never);
    log.push({ name: q.name, sql: q.sql, stats: r.stats });
    return r;
  };
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'runWithStats') return withStats;
      if (prop === 'run') return async (q: NamedQuery, p: unknown) => (await withStats(q, p)).rows;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    store: proxy,
    take: () => {
      const out = log;
      log = [];
      return out;
    },
  };
}

const rowsRead = (qs: { stats: QueryStats }[]) => qs.reduce((a, q) => a + q.stats.rowsRead, 0);

async function generate(ctx: BenchContext, o: QueryBenchOptions): Promise<number> {
  const t0 = performance.now();
  for (let offset = 0; offset < o.rows; offset += CHUNK) {
    await ctx.store.client.command({ query: GENERATE_SQL, query_params: { platform: PLATFORM, tags: o.tags, base: BASE, offset, count: Math.min(CHUNK, o.rows - offset) }, clickhouse_settings: INSERT });
  }
  await ctx.store.client.command({ query: GENERATE_HEAVY_SQL, query_params: { platform: PLATFORM, base: BASE, count: o.heavyRows }, clickhouse_settings: INSERT });
  const [sizes] = await ctx.store.run(tableRowsQuery, { platform: PLATFORM });
  if (sizes?.raw !== o.rows + o.heavyRows) throw new Error(`generated ${sizes?.raw} rows instead of ${o.rows + o.heavyRows}: an insert was dropped`);
  return (performance.now() - t0) / 1000;
}

interface Costs {
  parts: number;
  typical: { rows: number; series: number; report: number };
  heavy: { rows: number; series: number; report: number };
  leaderboard: { grain: string; rowsRead: number; rawTable: boolean }[];
}

const typicalTag = (o: QueryBenchOptions) => `bench_${Math.floor(o.tags / 2)}`;

async function measure(ctx: BenchContext, m: Metered, o: QueryBenchOptions): Promise<Costs> {
  const tag = async (name: string) => {
    const key = { platform: PLATFORM, tag: name, metric: 'views' };
    const [{ rows }] = (await ctx.store.run(tagRowsQuery, key)) as [{ rows: number }];
    const series = (await ctx.store.runWithStats(seriesQuery, key)).stats.rowsRead;
    m.take();
    await buildReport(m.store, key);
    return { rows, series, report: rowsRead(m.take()) };
  };
  const typical = await tag(typicalTag(o));
  const heavy = await tag('bench_heavy');
  const at = new Date(Date.parse(`${BASE.replace(' ', 'T')}Z`) + (o.rows / o.tags / 2) * 3_600_000).toISOString();
  const leaderboard = [];
  for (const window of ['24h', '7d']) {
    m.take();
    const lb = await computeLeaderboard(m.store, { platform: PLATFORM, metric: 'views', window, at });
    const queries = m.take();
    leaderboard.push({ grain: lb.grain, rowsRead: rowsRead(queries), rawTable: queries.some((q) => new RegExp(`\\b${T.observations}\\b`).test(q.sql)) });
  }
  const [t] = await ctx.store.run(tableRowsQuery, { platform: PLATFORM });
  return { parts: t!.parts, typical, heavy, leaderboard };
}

export async function benchQueryCost(ctx: BenchContext, o: QueryBenchOptions): Promise<BenchResult[]> {
  const m = metered(ctx.store);
  const generatedS = await generate(ctx, o);
  const fresh = await measure(ctx, m, o);
  const t0 = performance.now();
  await ctx.store.client.command({ query: `OPTIMIZE TABLE ${T.observations} FINAL` });
  const optimizeS = (performance.now() - t0) / 1000;
  const merged = await measure(ctx, m, o);
  const granule = await indexGranularity(ctx);
  const [sizes] = await ctx.store.run(tableRowsQuery, { platform: PLATFORM });
  const dataset = `${fmt(sizes!.raw)} observations over ${fmt(o.tags + 1)} tags (generated in ${fmt(generatedS)} s); rollups: ${fmt(sizes!.hourly)} hourly, ${fmt(sizes!.daily)} daily rows`;
  const states = `as inserted (${fresh.parts} active parts) / after OPTIMIZE FINAL (${merged.parts} parts, ${fmt(optimizeS)} s)`;
  const perTag = (id: string, which: 'typical' | 'heavy', kind: 'series' | 'report'): BenchResult => {
    const f = fresh[which];
    const s = merged[which];
    const ratio = s[kind] / s.rows;
    return {
      id,
      title: `${kind === 'series' ? 'Single-tag series query (FINAL)' : 'Report of one tag'}: rows read vs the tag's rows — ${which} tag (${fmt(s.rows)} rows of its metric)`,
      measured: `${fmt(s[kind])} rows read after merges; ${fmt(f[kind])} as inserted`,
      ratio,
      ratioOf: 'rows read ÷ tag rows, merged',
      target: '≤ 2',
      met: ratio <= 2,
      notes: [
        `Dataset: ${dataset}. States: ${states}. As inserted the ratio is ${(f[kind] / f.rows).toFixed(2)}.`,
        `The floor is one granule (index_granularity ${fmt(granule)} rows) per part the range touches, and FINAL reads the granules around the range: ${fmt(s[kind] / granule, 1)} granules here.`,
      ],
    };
  };
  const lb = merged.leaderboard;
  return [
    perTag('4a', 'typical', 'series'),
    perTag('4b', 'typical', 'report'),
    perTag('4c', 'heavy', 'series'),
    perTag('4d', 'heavy', 'report'),
    {
      id: '4e',
      title: 'Leaderboard (computeLeaderboard, 24h and 7d windows) reads rollups only',
      measured: lb.map((l) => `${l.grain}: ${fmt(l.rowsRead)} rows read${l.rawTable ? ' (touches the raw table!)' : ''}`).join('; ') + `; raw table ${fmt(sizes!.raw)} rows`,
      ratio: Math.max(...lb.map((l) => l.rowsRead)) / sizes!.raw,
      ratioOf: 'rows read ÷ raw rows',
      target: 'rollup tables only; ≪ 1',
      met: lb.every((l) => !l.rawTable) && lb.every((l) => l.rowsRead < sizes!.raw / 2),
      notes: [`Dataset: ${dataset}. Leaderboard at the end of the generated hours; checked by the SQL of every query it ran (none names ${T.observations}).`],
    },
  ];
}
