/**
 * A generated read-path store (bench figure 7, and any helper that needs a large realistic store): `tags` tracked
 * TikTok tags, each sampled hourly for 30–60 days (its own length), views every hour and posts once a day, ending at
 * the same hour for every tag — about 11M observations for 10,000 tags.
 *
 * Why generated in SQL: on two shared cores, building 11M rows through the app's insert path (JSON rows, zod, the
 * HTTP-like client) takes far too long. Instead every row is made inside chDB by INSERT … SELECT FROM numbers(), with
 * exactly the columns the collector writes (ClickHouseStore.insertObservations: platform, tag, metric, observed_at,
 * value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note,
 * time_precision; origin, key_at and ingested_at come from their DEFAULTs as for every writer), into the real
 * observations_v2 table, so the hourly and daily rollups fill through their materialized views exactly as in
 * production. Inserts go in chunks of whole tags (sort-key order, ~1M rows each), so every chunk is one large sorted
 * part whose tags no other part holds: close to the merged steady state without an OPTIMIZE (merging 11M rollup
 * rows costs as much as building them).
 *
 * Where the build time goes: not the rows (a plain copy of observations_v2 takes 1M rows in ~9 s on this loaded
 * machine) but the rollup views: argMaxState/argMinState over Tuple(DateTime64, UInt8, UInt64) keys use ClickHouse's
 * generic (Field-based) state, about 20× the cost of a plain argMax (1M rows: 134 s against 7 s at load ~15). On two
 * cores busy with other work 10,000 tags took 20–40 minutes; on a quiet machine (2026-12-06) 114 s. It is built once
 * per generator version and size.
 *
 * Realistic growth, deterministic per tag (cityHash64 of the tag number, so a rebuild gives the same store):
 *  - counters start between 10^3 and 10^10 (log-uniform) and grow 0.2–6 %/day, with a daily rhythm (the counter
 *    stays monotone: time is warped by t + 3 h·sin(2πt/24 h), whose derivative never goes below zero);
 *  - 3 % of tags break out: 6× their rate over the last 48 hours;
 *  - 15 % of tags (those above 10^5) show rounded display figures (precision rounded, step = 10^(digits − 3),
 *    source tiktok.rehydration.shareMeta), the rest exact counts (tiktok.api.statsV2);
 *  - each sample lands 0–90 s after its slot (observed_at = fetched_at; slot = the hour), 1 % of hours are missed.
 *
 * Built once and cached: `readStoreDir(base, opts)` names the directory by GENERATOR_VERSION and the size, and
 * meta.json is written last, so a half-built directory (interrupted) is thrown away and rebuilt. Bump
 * GENERATOR_VERSION whenever the generated data or the schema it needs changes. Figure 7 asks for a live store
 * (`liveWithinMs`): its data ends at the hour it was built, and the cache is built again (~2 min for 10,000 tags on
 * this machine, plus the summary refresh) once that end is more than 6 hours old.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { T } from '../../src/store/migrations.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';

export const GENERATOR_VERSION = 1;

export interface ReadStoreOptions {
  tags: number;
  /** Days of history per tag: [min, max] (each tag draws its own), or one number for all. Default [30, 60]. */
  days?: number | [number, number];
  /** End of the data (exclusive, rounded down to an hour); default: 2026-12-01T00:00:00Z (fixed, so a cache stays valid). */
  endIso?: string;
  /**
   * A live store instead: the data ends at the hour the store is built (endIso is then ignored), and a cached store
   * whose data ended longer ago than this is built again. Figure 7 reads "as of now" (its leaderboard's 24 h window,
   * the overview's windows): on data that stopped days before, those windows are empty, and the figures would time
   * reading nothing (a store ending 2026-12-01 read on 2026-12-06 gave the 24 h baseline 10 ms against 114 ms).
   */
  liveWithinMs?: number;
}

export interface ReadStoreMeta {
  generatorVersion: number;
  tags: number;
  minDays: number;
  maxDays: number;
  platform: string;
  /** Tag names are `${tagPrefix}${i}` for i in 0 … tags − 1. */
  tagPrefix: string;
  /** First hour of the longest series and the end (exclusive): the last samples are in the hour before endIso. */
  startIso: string;
  endIso: string;
  observations: number;
  hourlyRows: number;
  buildSeconds: number;
  /** How long each phase took (s). */
  phases: Record<string, number>;
}

export const READ_STORE_PLATFORM = 'tiktok';
export const READ_STORE_TAG_PREFIX = 'rp';
const DEFAULT_END = '2026-12-01T00:00:00.000Z';
const HOUR_MS = 3_600_000;
/** Numbers per INSERT (whole tags per chunk). */
const CHUNK_NUMBERS = 1_500_000;

function daysOf(o: ReadStoreOptions): [number, number] {
  const d = o.days ?? [30, 60];
  return typeof d === 'number' ? [d, d] : d;
}

/** The cache directory of a store of this size under `base` (one per generator version and size). */
export function readStoreDir(base: string, o: ReadStoreOptions): string {
  const [min, max] = daysOf(o);
  return join(base, `read-store-g${GENERATOR_VERSION}-${o.tags}t-${min}-${max}d${o.endIso ? `-${o.endIso.slice(0, 13)}` : ''}`);
}

/** The meta of a complete store in `dir`, or null (missing, half-built, or of another generator version). */
export function readStoreMeta(dir: string): ReadStoreMeta | null {
  const f = join(dir, 'meta.json');
  if (!existsSync(f)) return null;
  const m = JSON.parse(readFileSync(f, 'utf8')) as ReadStoreMeta;
  return m.generatorVersion === GENERATOR_VERSION ? m : null;
}

/** Uniform [0, 1) from the tag number and a salt: every tag's parameters are fixed by its number. */
const u = (salt: string) => `(cityHash64(i, '${salt}') % 1000000) / 1000000.0`;

/**
 * Rows for tags [firstTag, firstTag + tagCount): i = tag number, h = hour index from the store's start. The counter
 * (a Float64 before rounding) is base · exp(rate · (τ(h) + breakout boost)) with τ(h) = h + 3·sin(2πh/24 + phase) in
 * hours; it is monotone in h.
 */
function generateSql(metric: 'views' | 'posts'): string {
  const keep = metric === 'views' ? `cityHash64(i, h, 'miss') % 100 != 0` : `h % 24 = 12`;
  return `INSERT INTO ${T.observations} (platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision)
SELECT {platform:String}, concat({prefix:String}, toString(i)), '${metric}', observed_at,
  toUInt64(if(rounded, round(v / step_f) * step_f, floor(v))) AS value, NOT rounded, toUInt64(if(rounded, step_f, 0)),
  if(rounded, 'rounded', 'exact'), if(rounded, 'tiktok.rehydration.shareMeta', 'tiktok.api.statsV2'), 'http', 'bench-gen-${GENERATOR_VERSION}',
  slot, observed_at, concat('https://www.tiktok.com/tag/', {prefix:String}, toString(i)), '', 'instant'
FROM (
  SELECT i, h, slot, observed_at, rounded, v, if(rounded, pow(10, greatest(floor(log10(v)) - 2, 0)), 1) AS step_f
  FROM (
    SELECT i, h,
      toDateTime64({start:String}, 3, 'UTC') + toIntervalHour(h) AS slot,
      slot + toIntervalMillisecond(cityHash64(i, h, 'jitter') % 90000) AS observed_at,
      pow(10, 3 + 7 * ${u('base')}) AS base,
      0.002 + 0.058 * pow(${u('rate')}, 2) AS rate_per_day,
      ${u('breakout')} < 0.03 AS breakout,
      base > 100000 AND ${u('rounded')} < 0.15 AS rounded,
      h + 3 * sin(2 * pi() * h / 24 + 6.283 * ${u('phase')}) + if(breakout, 5 * greatest(0, h - ({hours:UInt32} - 48)), 0) AS tau,
      base * exp(rate_per_day * tau / 24) ${metric === 'posts' ? `/ (300 + 2000 * ${u('per_post')}) + 1` : ''} AS v,
      {minDays:UInt32} + cityHash64(i, 'days') % ({maxDays:UInt32} - {minDays:UInt32} + 1) AS days
    FROM (SELECT {firstTag:UInt32} + intDiv(number, {hours:UInt32}) AS i, number % {hours:UInt32} AS h FROM numbers({count:UInt64}))
    WHERE h >= {hours:UInt32} - days * 24 AND ${keep}
  )
)`;
}

const TRACKED_SQL = `INSERT INTO ${T.tracked} (platform, tag, every_ms, added_at, active)
SELECT {platform:String}, concat({prefix:String}, toString(number)), 3600000, toDateTime64({start:String}, 3, 'UTC'), true FROM numbers({tags:UInt32})`;

async function count(store: ClickHouseStore, sql: string): Promise<number> {
  const r = await store.client.query({ query: sql, format: 'JSONEachRow' });
  return Number(((await r.json()) as { n: string | number }[])[0]?.n ?? 0);
}

/**
 * Build the store in `dir` unless a complete one of this generator version is there; returns its meta. Opens and
 * closes chDB itself unless `store` (already open on `dir`) is given: chDB holds one data dir per process.
 */
export async function generateReadStore(dir: string, o: ReadStoreOptions, opts: { store?: ClickHouseStore; log?: (line: string) => void } = {}): Promise<ReadStoreMeta> {
  const log = opts.log ?? (() => undefined);
  const cached = readStoreMeta(dir);
  const live = o.liveWithinMs !== undefined;
  if (cached && cached.tags === o.tags && (!live || Date.now() - Date.parse(cached.endIso) <= o.liveWithinMs!)) return cached;
  if (cached && live) log(`the cached store's data ended at ${cached.endIso}, more than ${Math.round(o.liveWithinMs! / HOUR_MS)} h ago: building it again, ending now`);
  if (!opts.store) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const store = opts.store ?? (await openClickHouseStore({ dataDir: dir }));
  try {
    await store.migrate();
    const [minDays, maxDays] = daysOf(o);
    const endMs = Math.floor((live ? Date.now() : Date.parse(o.endIso ?? DEFAULT_END)) / HOUR_MS) * HOUR_MS;
    const hours = maxDays * 24;
    const startMs = endMs - hours * HOUR_MS;
    const start = new Date(startMs).toISOString().replace('T', ' ').replace('Z', '');
    const base = { platform: READ_STORE_PLATFORM, prefix: READ_STORE_TAG_PREFIX, start, hours, minDays, maxDays };
    const t0 = performance.now();
    const tagsPerChunk = Math.max(1, Math.floor(CHUNK_NUMBERS / hours));
    for (let first = 0; first < o.tags; first += tagsPerChunk) {
      const n = Math.min(tagsPerChunk, o.tags - first);
      for (const metric of ['views', 'posts'] as const) {
        // a token of its own per chunk: chDB keeps per-query settings for its session (see ClickHouseStore.#insert)
        await store.client.command({
          query: generateSql(metric),
          query_params: { ...base, firstTag: first, count: n * hours },
          clickhouse_settings: { insert_deduplication_token: `read-store-${GENERATOR_VERSION}-${metric}-${first}-${n}-${startMs}` },
        });
      }
      log(`read store: tags ${first + n}/${o.tags} inserted (${Math.round((performance.now() - t0) / 1000)} s)`);
    }
    await store.client.command({ query: TRACKED_SQL, query_params: { platform: READ_STORE_PLATFORM, prefix: READ_STORE_TAG_PREFIX, start, tags: o.tags }, clickhouse_settings: { insert_deduplication_token: '' } });
    const insertS = (performance.now() - t0) / 1000;
    const meta: ReadStoreMeta = {
      generatorVersion: GENERATOR_VERSION,
      tags: o.tags,
      minDays,
      maxDays,
      platform: READ_STORE_PLATFORM,
      tagPrefix: READ_STORE_TAG_PREFIX,
      startIso: new Date(startMs).toISOString(),
      endIso: new Date(endMs).toISOString(),
      observations: await count(store, `SELECT count() AS n FROM ${T.observations}`),
      hourlyRows: await count(store, `SELECT count() AS n FROM ${T.hourly}`),
      buildSeconds: Math.round((performance.now() - t0) / 100) / 10,
      phases: { insert: Math.round(insertS * 10) / 10 },
    };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    return meta;
  } finally {
    if (!opts.store) await store.close();
  }
}

/** Where benchmarks keep generated stores between runs (TAGPULSE_BENCH_DATA, default bench/.data; not committed). */
export function benchDataBase(): string {
  return process.env.TAGPULSE_BENCH_DATA ?? new URL('../.data/', import.meta.url).pathname;
}
