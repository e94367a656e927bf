/**
 * Issue 15, the overview from a per-tag summary table (tag_summary_v1) without a second metric definition. Real chDB;
 * real Redis for the loader.
 *  - property: for random series (bursty exact samples, and one-decimal rounded display figures), the stored row equals
 *    `summarizeBins(binsFromColumns(rollup bins))` and the report (`buildReport`) at the same asOf, within 1e-9
 *    relative, intervals included; null stays NULL (never 0); a UInt64 near 2^63 stays exact;
 *  - the loader's post-load hook refreshes the tags of a stored batch;
 *  - stale rows (an earlier hour) are refreshed on read, in the background, and the ETag changes when that lands;
 *    missing rows (data written without a refresh) are computed before answering;
 *  - the page query: paging, sorting (NULLS LAST in both directions, UInt64 order for views beyond 2^53), filters;
 *  - 304 on If-None-Match, and a new ETag after a write.
 * Before this change there was no summary table: the overview recomputed every tag's report per request (24 s on
 * 10,000 tags) and read 16 days of raw rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { summaryBinsQuery, summaryRowsQuery, type SummaryRow } from '../../../src/store/summary-queries.ts';
import { refreshSummaries, summaryRefresher, summarySinceMs } from '../../../src/services/tag-summaries.ts';
import { binsFromColumns } from '../../../src/analytics/metrics.ts';
import { summarizeBins } from '../../../src/analytics/summary.ts';
import { buildReport } from '../../../src/services/report.ts';
import { currentOverview, summaryOverviewPage } from '../../../src/dashboard/overview-summary.ts';
import { addTracked } from '../../../src/services/tracking.ts';
import { App } from '../../../src/runtime/app.ts';
import { LOAD_QUEUE, loadJobOptions, qname } from '../../../src/queue/queues.ts';
import { connectProducer } from '../../../src/queue/redis.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { testConfig } from '../../helpers/config.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';
import { waitUntil } from '../../helpers/wait.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN = 60_000;
/** A fixed "now" for the property part (a past hour: the refresher and the report take it as their as-of time). */
const AT = Date.UTC(2026, 10, 20, 15, 23, 0);

const rel = (a: number | null | undefined, b: number | null | undefined): boolean => {
  if (a === null || a === undefined || b === null || b === undefined) return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
};

function rngOf(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** A random series ending at `end`: exponential growth, 2–25 min samples with 15-second bursts; rounded when step > 0. */
function randomSeries(tag: string, seed: number, end: number, step = 0): Observation[] {
  const r = rngOf(seed);
  const start = end - 16 * DAY - Math.floor(r() * 3 * DAY);
  const base = 1e6 + r() * 1e10;
  const doublingDays = 2 + r() * 60;
  const out: Observation[] = [];
  let t = start;
  while (t <= end) {
    const v = base * Math.pow(2, (t - start) / (doublingDays * DAY)) * (1 + 0.002 * r());
    const value = step > 0 ? Math.round(v / step) * step : Math.floor(v);
    out.push(obs({ tag, platform: 'prop', observedAt: new Date(t).toISOString(), value: String(value), ...(step > 0 ? { exact: false, step: String(step), precision: 'rounded', source: 'tiktok.rehydration.stats' } : {}) }));
    t += r() < 0.03 ? 15_000 : Math.floor(2 * MIN + r() * 23 * MIN);
  }
  return out;
}

const FIELDS: [keyof SummaryRow, string][] = [
  ['velocity_24h', 'velocity24h'], ['velocity_24h_low', 'velocity24hLow'], ['velocity_24h_high', 'velocity24hHigh'],
  ['growth_24h_pct', 'growth24hPct'], ['growth_24h_pct_low', 'growth24hPctLow'], ['growth_24h_pct_high', 'growth24hPctHigh'],
  ['velocity_7d', 'velocity7d'], ['velocity_7d_low', 'velocity7dLow'], ['velocity_7d_high', 'velocity7dHigh'],
  ['growth_7d_pct', 'growth7dPct'], ['growth_7d_pct_low', 'growth7dPctLow'], ['growth_7d_pct_high', 'growth7dPctHigh'],
  ['doubling_days', 'doublingDays'], ['doubling_days_low', 'doublingDaysLow'], ['doubling_days_high', 'doublingDaysHigh'],
  ['halving_days', 'halvingDays'], ['z_score', 'zScore'],
];

describe('per-tag summary table (tag_summary_v1)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let redis: TestRedis;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await store?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  const readRow = async (platform: string, tag: string, metric = 'views') => (await store.run(summaryRowsQuery, { platforms: [platform], tags: [tag] })).find((r) => r.metric === metric);

  it('property: a stored row = summarizeBins(rollup bins) = the report at the same asOf (1e-9 relative, intervals included)', async () => {
    const cases = [1, 2, 3, 4, 5, 6].map((seed) => ({ tag: `exact${seed}`, pts: randomSeries(`exact${seed}`, seed, AT - Math.floor(seed * 7) * MIN) }));
    cases.push({ tag: 'rounded1', pts: randomSeries('rounded1', 11, AT, 100_000_000) }, { tag: 'rounded2', pts: randomSeries('rounded2', 12, AT - 40 * MIN, 1000) });
    for (const c of cases) await store.insertObservations(c.pts);
    const written = await refreshSummaries(store, cases.map((c) => ({ platform: 'prop', tag: c.tag })), AT);
    expect(written).toHaveLength(cases.length);
    const bins = await store.run(summaryBinsQuery, {
      platforms: cases.map(() => 'prop'), metrics: cases.map(() => 'views'), tags: cases.map((c) => c.tag),
      at: new Date(AT).toISOString(), since: new Date(summarySinceMs(AT)).toISOString(),
    });
    let informative = 0;
    for (const c of cases) {
      const row = (await readRow('prop', c.tag))!;
      expect(row, c.tag).toBeDefined();
      const b = bins.find((x) => x.tag === c.tag)!;
      const direct = summarizeBins(binsFromColumns(b), AT) as unknown as Record<string, number | null>;
      const report = await buildReport(store, { platform: 'prop', tag: c.tag, metric: 'views', at: new Date(AT).toISOString() });
      const w24 = report.windows.find((w) => w.window === '24h')!;
      const w7 = report.windows.find((w) => w.window === '7d')!;
      const fromReport: Record<string, number | null> = {
        velocity24h: w24.velocityPerHour, velocity24hLow: w24.velocityPerHourLow, velocity24hHigh: w24.velocityPerHourHigh,
        growth24hPct: w24.growthPct, growth24hPctLow: w24.growthPctLow, growth24hPctHigh: w24.growthPctHigh,
        velocity7d: w7.velocityPerHour, velocity7dLow: w7.velocityPerHourLow, velocity7dHigh: w7.velocityPerHourHigh,
        growth7dPct: w7.growthPct, growth7dPctLow: w7.growthPctLow, growth7dPctHigh: w7.growthPctHigh,
        doublingDays: report.counterDoublingDays, doublingDaysLow: report.counterDoublingDaysLow, doublingDaysHigh: report.counterDoublingDaysHigh,
        halvingDays: report.counterHalvingDays, zScore: report.zScore,
      };
      const bad: string[] = [];
      for (const [col, field] of FIELDS) {
        const stored = row[col] as number | null;
        if (!rel(stored, direct[field])) bad.push(`${c.tag} ${col}: stored ${stored} vs summarizeBins ${direct[field]}`);
        if (!rel(stored, fromReport[field])) bad.push(`${c.tag} ${col}: stored ${stored} vs report ${fromReport[field]}`);
      }
      expect(bad).toEqual([]);
      expect(row.window_end).toBe(report.asOf);
      expect(row.breakout).toBe(report.breakout);
      // the latest reading, exact, and the rollup's hour count
      const last = c.pts[c.pts.length - 1]!;
      expect(row.latest_value).toBe(last.value);
      expect(row.latest_at).toBe(last.observedAt);
      expect(row.sample_hours).toBe(new Set(c.pts.map((p) => Math.floor(Date.parse(p.observedAt) / HOUR))).size);
      expect(row.as_of).toBe(new Date(Math.floor(AT / HOUR) * HOUR).toISOString());
      if (row.velocity_24h !== null && row.doubling_days !== null && row.doubling_days_high! > row.doubling_days_low!) informative++;
      if (c.tag.startsWith('rounded')) expect(row.velocity_24h_high! - row.velocity_24h_low!, c.tag).toBeGreaterThan(0);
    }
    // the property is not vacuous: most cases have a velocity and a doubling time with a real interval
    expect(informative).toBeGreaterThanOrEqual(6);
  });

  it('null stays NULL (never 0), a lower bound is the latest of a press-only tag, and a UInt64 near 2^63 is exact', async () => {
    const big = '9223372036854775000';
    await store.insertObservations([
      obs({ tag: 'twopoints', platform: 'nulls', observedAt: new Date(AT - 30 * HOUR).toISOString(), value: '1000' }),
      obs({ tag: 'twopoints', platform: 'nulls', observedAt: new Date(AT - 6 * HOUR).toISOString(), value: '2000' }),
      obs({ tag: 'press', platform: 'nulls', observedAt: new Date(AT - 3 * DAY).toISOString(), value: '2000000000', exact: false, precision: 'lower_bound', method: 'manual', source: 'press' }),
      obs({ tag: 'huge', platform: 'nulls', observedAt: new Date(AT - 2 * HOUR).toISOString(), value: big }),
    ]);
    await refreshSummaries(store, [{ platform: 'nulls', tag: 'twopoints' }, { platform: 'nulls', tag: 'press' }, { platform: 'nulls', tag: 'huge' }], AT);
    const two = (await readRow('nulls', 'twopoints'))!;
    // two readings a day apart: no 7-day velocity and no z (no baseline) — NULL, not 0
    expect(two.velocity_7d).toBeNull();
    expect(two.growth_24h_pct).toBeNull();
    expect(two.z_score).toBeNull();
    const press = (await readRow('nulls', 'press'))!;
    expect(press).toMatchObject({ latest_value: '2000000000', latest_precision: 'lower_bound', velocity_24h: null, window_end: null, sample_hours: 0 });
    expect(press.sparkline.every((v) => v === null)).toBe(true);
    expect((await readRow('nulls', 'huge'))!.latest_value).toBe(big);
  });

  it('page query: paging, sort with NULLS LAST both ways, UInt64 order beyond 2^53, filters, totals', async () => {
    // views just above 2^53: as doubles, 2^53 + 1 and 2^53 + 2 would tie or swap
    const base = 2n ** 53n;
    const tags = ['u1', 'u2', 'u3', 'u4'];
    await store.insertObservations(tags.map((tag, i) => obs({ tag, platform: 'youtube', observedAt: new Date(AT - HOUR).toISOString(), value: String(base + BigInt([2, 1, 3, 0][i]!)) })));
    await addTracked(store, { tags: ['nodata'], platform: 'youtube', every: '1h' });
    await refreshSummaries(store, tags.map((tag) => ({ platform: 'youtube', tag })), AT);
    const q = { metric: 'views', page: 1, pageSize: 10, platform: 'youtube' } as const;
    const desc = await summaryOverviewPage(store, { ...q, sort: 'views', dir: 'desc' }, AT);
    expect(desc.tags.map((t) => t.tag)).toEqual(['u3', 'u1', 'u2', 'u4', 'nodata']);
    expect(desc.tags[0]!.views!.value).toBe(String(base + 3n));
    const asc = await summaryOverviewPage(store, { ...q, sort: 'views', dir: 'asc' }, AT);
    expect(asc.tags.map((t) => t.tag)).toEqual(['u4', 'u2', 'u1', 'u3', 'nodata']);
    // a tracked tag without data is listed, with nulls, last whatever the direction
    expect(asc.tags[4]).toMatchObject({ tag: 'nodata', views: null, velocity24h: null, sampled: true, origins: ['tracked'] });
    for (const dir of ['asc', 'desc'] as const) {
      const v = await summaryOverviewPage(store, { ...q, sort: 'velocity24h', dir }, AT);
      expect(v.tags.map((t) => t.velocity24h)).toEqual([null, null, null, null, null]); // one reading each: unknown, not 0
      expect(v.tags.map((t) => t.tag)).toEqual(['nodata', 'u1', 'u2', 'u3', 'u4']); // all null: ties by platform, tag
    }
    // nulls last with real values too: the property tags have velocities, the press-only one has none
    for (const dir of ['asc', 'desc'] as const) {
      const all = await summaryOverviewPage(store, { metric: 'views', page: 1, pageSize: 500, sort: 'velocity24h', dir }, AT);
      const vs = all.tags.map((t) => t.velocity24h);
      const firstNull = vs.indexOf(null);
      expect(firstNull).toBeGreaterThan(0);
      expect(vs.slice(firstNull).every((v) => v === null)).toBe(true);
      const known = vs.slice(0, firstNull) as number[];
      expect(known).toEqual([...known].sort((a, b) => (dir === 'asc' ? a - b : b - a)));
    }
    const p2 = await summaryOverviewPage(store, { ...q, pageSize: 2, page: 2, sort: 'views', dir: 'desc' }, AT);
    expect(p2.tags.map((t) => t.tag)).toEqual(['u2', 'u4']);
    expect(p2).toMatchObject({ total: 5, page: 2, pageSize: 2 });
    expect(p2.totalAll).toBeGreaterThan(5);
    expect(p2.platforms).toEqual(expect.arrayContaining(['youtube', 'prop', 'nulls']));
    const past = await summaryOverviewPage(store, { ...q, page: 9, sort: 'views', dir: 'desc' }, AT);
    expect(past).toMatchObject({ total: 5, tags: [] });
    const text = await summaryOverviewPage(store, { metric: 'views', page: 1, pageSize: 10, sort: 'tag', dir: 'asc', q: 'U3' }, AT);
    expect(text.tags.map((t) => `${t.platform}/${t.tag}`)).toEqual(['youtube/u3']);
    const notSampled = await summaryOverviewPage(store, { ...q, sort: 'tag', dir: 'asc', source: 'not-sampled' }, AT);
    expect(notSampled.tags.map((t) => t.tag)).toEqual(['u1', 'u2', 'u3', 'u4']);
  });

  it('the page query leaves the sparklines out; they are read for the page rows only, by key, and equal the stored ones', async () => {
    const P = 'sparks';
    const tags = ['sa', 'sb', 'sc', 'sd'];
    for (const [i, tag] of tags.entries()) await store.insertObservations(randomSeries(tag, 50 + i, AT - i * 7 * MIN).map((o) => ({ ...o, platform: P })));
    await refreshSummaries(store, tags.map((tag) => ({ platform: P, tag })), AT);
    const names: { name: string; params: unknown }[] = [];
    const counted = new Proxy(store, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (prop === 'run') return (q: { name: string }, p: unknown) => (names.push({ name: q.name, params: p }), (v as (q: unknown, p: unknown) => unknown).call(target, q, p));
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as typeof store;
    const page = await summaryOverviewPage(counted, { metric: 'views', page: 1, pageSize: 2, sort: 'tag', dir: 'asc', platform: P } as never, AT);
    expect(page.tags.map((r) => r.tag)).toEqual(['sa', 'sb']);
    expect(page.total).toBe(4);
    const sparkCalls = names.filter((n) => n.name === 'summary_sparklines');
    expect(sparkCalls).toHaveLength(1);
    expect((sparkCalls[0]!.params as { tags: string[] }).tags).toEqual(['sa', 'sb']); // the page's rows, not the listing
    for (const r of page.tags) {
      const stored = (await readRow(P, r.tag))!;
      expect(r.sparkline.values, r.tag).toEqual(stored.sparkline);
      expect(r.sparkline.startMs).toBe(Date.parse(stored.spark_start));
      expect(r.sparkline.values.filter((v) => v !== null).length).toBeGreaterThan(10);
    }
  });

  it('stale rows are refreshed on read in the background; missing rows before answering; 304 on If-None-Match', async () => {
    const now = AT + 3 * HOUR;
    // a row computed two hours before: stale at `now`
    await store.insertObservations([obs({ tag: 'old', platform: 'stale', observedAt: new Date(AT - 2 * HOUR).toISOString(), value: '500' })]);
    await refreshSummaries(store, [{ platform: 'stale', tag: 'old' }], AT - HOUR);
    expect((await readRow('stale', 'old'))!.as_of).toBe(new Date(Math.floor((AT - HOUR) / HOUR) * HOUR).toISOString());
    // a tag written without any refresh: missing
    await store.insertObservations([obs({ tag: 'unseen', platform: 'stale', observedAt: new Date(AT).toISOString(), value: '700' })]);
    const q = { metric: 'views', page: 1, pageSize: 10, sort: 'tag', dir: 'asc', platform: 'stale' } as const;
    const first = await currentOverview(store, q, undefined, now);
    if (first.notModified) throw new Error('expected a page');
    // answered at once with what is stored: the stale row as it was, the missing one computed
    expect(first.page.tags.map((t) => t.tag)).toEqual(['old', 'unseen']);
    expect(first.page.tags[1]!.views?.value).toBe('700');
    await summaryRefresher(store).idle();
    expect((await readRow('stale', 'old'))!.as_of).toBe(new Date(Math.floor(now / HOUR) * HOUR).toISOString());
    // the refresh landed: the old ETag no longer matches, the new one does (304, nothing read)
    const second = await currentOverview(store, q, first.etag, now);
    expect(second.notModified).toBe(false);
    // that read may have scheduled other stale rows of this store (earlier tests' platforms): let them land too, so
    // the data version is settled before the 304 check
    await summaryRefresher(store).idle();
    const settled = await currentOverview(store, q, undefined, now);
    const third = await currentOverview(store, q, settled.etag, now);
    expect(third).toEqual({ etag: settled.etag, notModified: true });
    // another page of the same data is another representation
    expect((await currentOverview(store, { ...q, page: 2 }, settled.etag, now)).notModified).toBe(false);
  });

  it('the loader refreshes the summary rows of the tags of each batch it stores (real Redis, App post-load hook)', async () => {
    const naming = { prefix: 'tp', suffix: randomName('q') };
    const cfg = testConfig({ dataDir: dir.dir, loadFlushMs: 100 });
    const app = await new App({ cfg, command: 'test', roles: { scheduler: false, collect: false, load: true, api: false }, store, redis: redis.target, naming, collectors: new Map() }).start();
    const producer = await connectProducer(redis.target);
    const queue = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
    try {
      const now = Date.now();
      const observations = [48, 30, 24, 12, 2, 1].map((h, i) => obs({ tag: 'loaded', platform: 'loader', observedAt: new Date(now - h * HOUR).toISOString(), value: String(10_000 + i * 1000) }));
      await queue.add('observations', { observations, failures: [] }, { ...loadJobOptions(), jobId: 'summary-1' });
      const row = await waitUntil(async () => {
        const r = await readRow('loader', 'loaded');
        return r && r.latest_value === '15000' ? r : undefined;
      }, { what: 'the summary row of the loaded tag', timeoutMs: 30_000 });
      expect(row.as_of).toBe(new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString());
      expect(row.latest_at).toBe(observations[5]!.observedAt);
      expect(row.velocity_24h).not.toBeNull();
      // a second batch moves it on
      await queue.add('observations', { observations: [obs({ tag: 'loaded', platform: 'loader', observedAt: new Date(now).toISOString(), value: '16000' })], failures: [] }, { ...loadJobOptions(), jobId: 'summary-2' });
      await waitUntil(async () => (await readRow('loader', 'loaded'))?.latest_value === '16000', { what: 'the second batch in the summary', timeoutMs: 30_000 });
    } finally {
      await queue.close();
      producer.disconnect();
      await app.stop();
    }
  });
});
