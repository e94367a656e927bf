/**
 * Issue 15, read path: the faster queries give the same answers as the ones they replace, on random data in real
 * chDB (several sources at one instant, rounded figures, lower bounds, zeros, re-fetched slots, several parts).
 *  - compare reads all its tags in one query (readings_many) instead of one FINAL query per tag: the rows per tag are
 *    those of loadSeries (projected to the columns compare needs), for every kind of range.
 *  - the leaderboard's bins query (FINAL + finalizeAggregation, one GROUP BY tag) returns exactly the bins of the
 *    earlier form (GROUP BY tag, bucket with -Merge states), kept here as the reference.
 *  - the leaderboard ranks on metrics computed without the 7-day Theil–Sen fits and computes the shown rows whole:
 *    its entries equal ranking every tag's whole entry (the earlier code), for every ranking and both windows; and
 *    computeMetrics without fits equals the whole computation with the two fits left out.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { z } from 'zod';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { defineQuery, type NamedQuery } from '../../../src/store/query.ts';
import { T } from '../../../src/store/migrations.ts';
import { chTimeParam } from '../../../src/store/columns.ts';
import { leaderboardHourlyQuery } from '../../../src/store/analytics-queries.ts';
import { latestQuery, readingsManyQuery, seriesQuery, seriesRangeQuery, tagsWithDataQuery } from '../../../src/store/queries.ts';
import { loadReadingsMany, loadSeries, toPoints } from '../../../src/services/series.ts';
import { compareSeries } from '../../../src/analytics/compare.ts';
import { compareTags, MAX_COMPARE_ROWS } from '../../../src/services/compare.ts';
import { computeLeaderboard, leaderboardEntry, type LeaderboardEntry } from '../../../src/services/leaderboard.ts';
import { binsFromColumns, computeMetrics } from '../../../src/analytics/metrics.ts';
import type { Store } from '../../../src/store/store.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { rng, randInt } from '../../unit/analytics/helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = Date.parse('2025-06-20T00:00:00.000Z');
const TAGS = Array.from({ length: 12 }, (_, i) => `rnd_${i}`);

/** The leaderboard bins query as it was before issue 15 (the reference the new form must equal). */
const legacyBinsQuery = defineQuery({
  name: 'test_legacy_leaderboard_bins',
  params: leaderboardHourlyQuery.params,
  row: leaderboardHourlyQuery.row,
  sql: `SELECT tag,
  groupArray(toFloat64(toUnixTimestamp(bucket)) * 1000) AS starts,
  groupArray(toFloat64(toUnixTimestamp64Milli(f_at))) AS first_times, groupArray(toString(f_v)) AS first_values, groupArray(toString(f_s)) AS first_steps,
  groupArray(toFloat64(toUnixTimestamp64Milli(l_at))) AS last_times, groupArray(toString(l_v)) AS last_values, groupArray(toString(l_s)) AS last_steps
FROM (
  SELECT tag, bucket, min(first_at) AS f_at, argMinMerge(first_value) AS f_v, argMinMerge(first_step) AS f_s,
    max(last_at) AS l_at, argMaxMerge(last_value) AS l_v, argMaxMerge(last_step) AS l_s
  FROM ${T.hourly}
  WHERE platform = {platform:String} AND metric = {metric:String}
    AND bucket >= {since:DateTime64(3, 'UTC')} AND bucket <= {at:DateTime64(3, 'UTC')}
  GROUP BY tag, bucket
  ORDER BY tag, bucket
)
GROUP BY tag
ORDER BY tag
SETTINGS max_threads = 1`,
});
void chTimeParam;

/** Random series: irregular samples, rounded and exact figures, imports at the same instants, lower bounds, zeros, re-fetches. */
function randomObservations(seed: number): Observation[] {
  const r = rng(seed);
  const out: Observation[] = [];
  for (const [k, tag] of TAGS.entries()) {
    const startMs = AT - randInt(r, 2, 20) * DAY - randInt(r, 0, 23) * HOUR;
    const endMs = AT + randInt(r, 0, 3) * HOUR;
    const rounded = k % 4 === 1;
    const step = 1000n;
    let v = BigInt(randInt(r, 10_000, 5_000_000_000));
    for (let t = startMs; t <= endMs; t += randInt(r, 4, 150) * 60_000 + randInt(r, 0, 59_999)) {
      v += BigInt(Math.floor(r() * r() * 200_000));
      const at = new Date(t).toISOString();
      const roll = r();
      if (roll < 0.03) {
        out.push(obs({ tag, observedAt: at, value: String(v / 2n), precision: 'lower_bound', exact: false, source: 'press', method: 'manual', slot: at }));
        continue;
      }
      if (roll < 0.05) {
        out.push(obs({ tag, observedAt: at, value: '0', slot: at }));
        continue;
      }
      const value = rounded ? ((v + step / 2n) / step) * step : v;
      out.push(obs({ tag, observedAt: at, value: String(value), slot: at, ...(rounded ? { precision: 'rounded', exact: false, step: String(step), source: 'tiktok.rehydration.shareMeta' } : {}) }));
      // an import of the same instant, another value (kept beside the collected reading)
      if (r() < 0.08) out.push(obs({ tag, observedAt: at, value: String(v + BigInt(randInt(r, -5000, 5000))), method: 'import', source: 'import', provenance: `file-${k}.csv`, slot: at }));
      // the same slot fetched again later with another value (FINAL keeps the later write; the rollup sees both)
      if (r() < 0.05) out.push(obs({ tag, observedAt: new Date(t + 30_000).toISOString(), value: String(value + 7n), slot: at, fetchedAt: new Date(t + 30_000).toISOString() }));
    }
  }
  // other metric and platform, which no read here may return
  for (const o of out.slice(0, 300)) out.push({ ...o, metric: 'posts' }, { ...o, platform: 'instagram' });
  return out;
}

/** Counts the named queries a service runs. */
function counting(store: Store): { store: Store; names: string[] } {
  const names: string[] = [];
  const proxy = new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === 'run' || prop === 'runWithStats') {
        return (q: NamedQuery, p: unknown) => {
          names.push(q.name);
          return (v as (q: NamedQuery, p: unknown) => unknown).call(target, q, p);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: proxy, names };
}

describe('read path: one query per answer, same answers (random data, chDB)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const rows = randomObservations(20251215);
    // several inserts, in shuffled chunks: the rollup then holds several states per (tag, bucket) across parts
    const r = rng(7);
    const shuffled = rows.map((o) => [r(), o] as const).sort((a, b) => a[0] - b[0]).map(([, o]) => o);
    for (let i = 0; i < shuffled.length; i += 1500) await store.insertObservations(shuffled.slice(i, i + 1500));
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('store.run maps JSONCompact rows to exactly the objects the JSON format gave (series, readings, bins, latest, tags)', async () => {
    // issue 15 (7g): run reads JSONCompact (names once, rows as arrays) instead of JSON; every row must be the same
    // object, key for key and value for value, as parsing the JSON format gave before (so every answer is unchanged).
    const viaJson = async <Q extends NamedQuery>(q: Q, params: unknown): Promise<unknown[]> => {
      const rs = await store.client.query({ query: q.sql, query_params: q.params.parse(params) as Record<string, unknown>, format: 'JSON', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
      return ((await rs.json()) as { data: unknown[] }).data.map((r) => q.row.parse(r));
    };
    const cases: [NamedQuery, unknown][] = [
      ...TAGS.slice(0, 4).map((tag) => [seriesQuery, { platform: 'tiktok', tag, metric: 'views' }] as [NamedQuery, unknown]),
      [seriesRangeQuery, { platform: 'tiktok', tag: TAGS[5], metric: 'views', from: new Date(AT - 4 * DAY).toISOString(), to: new Date(AT).toISOString() }],
      [readingsManyQuery, { platform: 'tiktok', metric: 'views', tags: TAGS }],
      [leaderboardHourlyQuery, { platform: 'tiktok', metric: 'views', since: new Date(AT - 15 * DAY).toISOString(), at: new Date(AT).toISOString() }],
      [latestQuery, { platforms: TAGS.map(() => 'tiktok'), tags: TAGS }],
      [tagsWithDataQuery, {}],
    ];
    let rows = 0;
    for (const [q, params] of cases) {
      const now = await store.run(q, params as never);
      expect(now, q.name).toEqual(await viaJson(q, params));
      expect(JSON.stringify(now), q.name).toBe(JSON.stringify(await viaJson(q, params)));
      rows += now.length;
    }
    expect(rows).toBeGreaterThan(2000);
  });

  /** The reference: each tag's rows by the single-tag read (loadSeries, all stored columns). */
  const seriesPerTag = async (tags: string[], range: { from?: string; to?: string } = {}) =>
    new Map(await Promise.all(tags.map(async (tag) => [tag, await loadSeries(store, { platform: 'tiktok', tag, metric: 'views' }, range)] as const)));

  it('compare runs one query for all its tags (it ran one FINAL query per tag)', async () => {
    const c = counting(store);
    const r = await compareTags(c.store, { tags: TAGS.slice(0, 5).join(','), from: new Date(AT - 4 * DAY).toISOString(), to: new Date(AT).toISOString() });
    // reading_columns(_range): readings_many's rows as columns (compare-chosen.test.ts; was readings_many(_range), then chosen_many(_range))
    expect(c.names).toEqual(['reading_columns_range']);
    expect(r.series.map((s) => s.tag)).toEqual(TAGS.slice(0, 5));
    expect(r.series.every((s) => s.observations > 0)).toBe(true);
    const all = counting(store);
    await compareTags(all.store, { tags: TAGS.slice(3, 8).join(',') });
    // no bound: reading_columns_all (no time predicate; tests/integration/store/whole-time-range.test.ts)
    expect(all.names).toEqual(['reading_columns_all']);
  });

  it('compare reads all its tags in one query, with only the columns the choice per instant needs: loadReadingsMany = loadSeries of each tag projected, for every kind of range, and the comparison is unchanged', async () => {
    const tags = [...TAGS.slice(0, 7), 'no_such_tag'];
    const ranges = [{}, { from: new Date(AT - 3 * DAY - 17 * 60_000).toISOString() }, { to: new Date(AT - 5 * DAY + 1234).toISOString() }, { from: new Date(AT - 9 * DAY).toISOString(), to: new Date(AT - 2 * DAY).toISOString() }];
    let compared = 0;
    let imports = 0;
    for (const range of ranges) {
      const full = await seriesPerTag(tags, range);
      const narrow = await loadReadingsMany(store, { platform: 'tiktok', metric: 'views', tags }, range);
      expect([...narrow.keys()]).toEqual(tags);
      expect(narrow.get('no_such_tag')).toEqual([]);
      const key = (x: { observed_at: string; source: string; value: string; method: string }) => `${x.observed_at}|${x.source}|${x.value}|${x.method}`;
      for (const tag of tags) {
        const projected = full.get(tag)!.map((r) => ({ observed_at: r.observed_at, value: r.value, step: r.step, precision: r.precision, source: r.source, method: r.method, provenance: r.method === 'import' ? r.provenance : '' }));
        expect([...narrow.get(tag)!].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(projected.sort((a, b) => key(a).localeCompare(key(b))));
        // the analytics input (one reading per instant) is the same from either
        expect(toPoints(narrow.get(tag)!)).toEqual(toPoints(full.get(tag)!));
        compared += projected.length;
        imports += projected.filter((r) => r.method === 'import').length;
      }
    }
    expect(compared).toBeGreaterThan(2000);
    expect(imports).toBeGreaterThan(0);
    // and compare's answer equals the comparison of the full rows
    const r = await compareTags(store, { tags: TAGS.slice(0, 5).join(',') });
    const full = await seriesPerTag(TAGS.slice(0, 5));
    const fromFull = compareSeries(TAGS.slice(0, 5).map((tag) => ({ key: tag, points: toPoints(full.get(tag)!) })), { scale: 'linear', stepMs: r.step === '24h' ? DAY : HOUR, maxRows: MAX_COMPARE_ROWS + 1 });
    expect(r.rows).toEqual(fromFull.rows);
    expect(r.rows.length).toBeGreaterThan(5);
  });

  it('the leaderboard bins equal those of the earlier query, bin for bin, at several times', async () => {
    let bins = 0;
    for (const atMs of [AT, AT - 37 * 60_000, AT - 5 * DAY + 13 * 60_000, AT + 2 * HOUR]) {
      const since = Math.floor((atMs - 16 * DAY - HOUR) / HOUR) * HOUR;
      const params = { platform: 'tiktok', metric: 'views', at: new Date(atMs).toISOString(), since: new Date(since).toISOString() };
      const fresh = await store.run(leaderboardHourlyQuery, params);
      const legacy = await store.run(legacyBinsQuery, params);
      expect(fresh).toEqual(legacy);
      bins += fresh.reduce((a, x) => a + x.starts.length, 0);
      // every tag's bins are in time order
      for (const x of fresh) expect(x.starts).toEqual([...x.starts].sort((a, b) => a - b));
    }
    expect(bins).toBeGreaterThan(1000);
    // and the rounded tags' bins carry their steps
    const rows = await store.run(leaderboardHourlyQuery, { platform: 'tiktok', metric: 'views', at: new Date(AT).toISOString(), since: new Date(AT - 17 * DAY).toISOString() });
    expect(rows.find((x) => x.tag === 'rnd_1')!.first_steps).toContain('1000');
  });

  it('the leaderboard equals ranking every tag by its whole entry (fits computed for all), for every ranking and window', async () => {
    const HISTORY = 16 * DAY;
    let checked = 0;
    for (const atMs of [AT, AT - 5 * DAY + 13 * 60_000]) {
      for (const [by, window, windowMs] of [['velocity', '24h', DAY], ['velocity', '7d', 7 * DAY], ['growth', '24h', DAY], ['growth', '7d', 7 * DAY], ['breakout', '24h', DAY]] as const) {
        const since = Math.floor((atMs - Math.max(2 * windowMs, HISTORY) - HOUR) / HOUR) * HOUR;
        const rows = await store.run(leaderboardHourlyQuery, { platform: 'tiktok', metric: 'views', at: new Date(atMs).toISOString(), since: new Date(since).toISOString() });
        const whole = rows.map((r) => leaderboardEntry(r.tag, binsFromColumns(r), { atMs, windowMs }));
        const value = (e: LeaderboardEntry) => (by === 'growth' ? e.growthPct : by === 'breakout' ? e.zScore : e.velocityPerHour);
        const ranked = whole.filter((e) => value(e) !== null).sort((a, b) => {
          if (by === 'breakout' && a.breakout !== b.breakout) return a.breakout === true ? -1 : b.breakout === true ? 1 : a.breakout === false ? -1 : 1;
          return value(b)! - value(a)! || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
        });
        const limit = 4;
        const lb = await computeLeaderboard(store, { by, window, at: new Date(atMs).toISOString(), limit });
        expect(lb.entries).toEqual(ranked.slice(0, limit).map((e, i) => ({ ...e, rank: i + 1 })));
        expect(lb.tagsRanked).toBe(ranked.length);
        checked += lb.entries.filter((e) => e.doublingDays !== null).length;
        // computeMetrics without fits = the whole computation without the two fits
        for (const r of rows) {
          const bins = binsFromColumns(r);
          const full = computeMetrics(bins, { atMs, windowsMs: [windowMs] });
          expect(computeMetrics(bins, { atMs, windowsMs: [windowMs], fits: false })).toEqual({ ...full, counterGrowth: null, velocityGrowth: null });
        }
      }
    }
    // the shown rows carry their doubling times (the fits were computed for them)
    expect(checked).toBeGreaterThan(5);
  });

  it('the leaderboard ranks the random tags in both windows', async () => {
    for (const window of ['24h', '7d']) {
      const lb = await computeLeaderboard(store, { window, at: new Date(AT).toISOString(), limit: 50 });
      expect(lb.tagsSeen).toBe(TAGS.length);
      expect(lb.entries.length).toBeGreaterThan(3);
    }
  });
});
