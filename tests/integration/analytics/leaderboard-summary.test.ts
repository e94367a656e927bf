/**
 * Issue 15, the current leaderboard served from the per-tag summary (tag_summary_v1, migration 31's columns) — one
 * definition. Real chDB.
 *  - property: for random series (bursty exact samples, rounded display figures, breakouts), the leaderboard read from
 *    the summary equals the leaderboard computed from the rollup's bins at the same as-of, for every ranking and both
 *    windows the summary holds: the same tags in the same order, every field of every entry (1e-9 relative for
 *    numbers), the same tagsSeen and tagsRanked;
 *  - routing: without `at` the 24h/7d leaderboard comes from the summary; with `at`, or another window, it is computed;
 *  - a stale row (an earlier hour) is served with its own asOf and `stale: true`, never as current, while the on-read
 *    refresh recomputes it; after that it is current.
 *  - the on-read rule's raw candidates scan runs only when the raw table, the summary or the hour changed since a scan
 *    that found nothing (it ran on every overview, /api/tags and leaderboard read: a scan of every raw row).
 * Before this change the leaderboard without `at` recomputed computeMetrics for every tag (minutes at 10,000 tags).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { refreshOnRead, refreshSummaries, summaryRefresher } from '../../../src/services/tag-summaries.ts';
import type { Store } from '../../../src/store/store.ts';
import type { NamedQuery } from '../../../src/store/query.ts';
import { computeLeaderboard, computedLeaderboard, leaderboardFromSummary, type Leaderboard, type LeaderboardEntry } from '../../../src/services/leaderboard.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN = 60_000;
/** The as-of time of the property (inside an hour, not on its boundary). */
const AT = Date.UTC(2026, 10, 20, 15, 23, 17);

const rel = (a: unknown, b: unknown): boolean => {
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
};

function rngOf(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * A random series ending near `end`: exponential growth, 2–25 min samples with 15-second bursts and gaps of hours;
 * rounded when step > 0; `burst` multiplies the growth over the last 30 hours (a breakout).
 */
function randomSeries(platform: string, tag: string, seed: number, end: number, opts: { step?: number; burst?: number } = {}): Observation[] {
  const r = rngOf(seed);
  const step = opts.step ?? 0;
  const start = end - 10 * DAY - Math.floor(r() * 10 * DAY);
  const base = 1e5 + r() * 1e9;
  const perDay = 0.01 + r() * 0.3;
  const out: Observation[] = [];
  let t = start;
  let v = base;
  let last = 0;
  while (t <= end) {
    const burst = opts.burst && t > end - 30 * HOUR ? opts.burst : 1;
    const value = step > 0 ? Math.round(v / step) * step : Math.floor(v);
    if (value >= last) {
      out.push(obs({ tag, platform, observedAt: new Date(t).toISOString(), value: String(value), ...(step > 0 ? { exact: false, step: String(step), precision: 'rounded', source: 'tiktok.rehydration.stats' } : {}) }));
      last = value;
    }
    const dt = r() < 0.03 ? 15_000 : r() < 0.0015 ? Math.floor(2 * HOUR + r() * 6 * HOUR) : Math.floor(2 * MIN + r() * 23 * MIN);
    v *= Math.pow(1 + perDay * burst * (0.5 + r()), dt / DAY);
    t += dt;
  }
  return out;
}

/** The entry's fields, compared one by one (1e-9 relative for numbers, exact otherwise). */
function differences(a: LeaderboardEntry, b: LeaderboardEntry): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const bad: string[] = [];
  for (const k of keys) {
    const x = (a as unknown as Record<string, unknown>)[k];
    const y = (b as unknown as Record<string, unknown>)[k];
    if (!rel(x, y)) bad.push(`${a.tag} ${k}: summary ${String(x)} vs computed ${String(y)}`);
  }
  return bad;
}

describe('leaderboard from the per-tag summary', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await summaryRefresher(store).idle();
    await store?.close();
    dir?.cleanup();
  });

  it('property: the summary-served leaderboard = the computed leaderboard at the same as-of (every ranking, 24h and 7d, all fields)', async () => {
    const P = 'lbprop';
    const series: Observation[][] = [];
    for (let i = 1; i <= 10; i++) series.push(randomSeries(P, `exact${i}`, i, AT - Math.floor(i * 9) * MIN));
    series.push(randomSeries(P, 'rounded1', 21, AT, { step: 100_000 }), randomSeries(P, 'rounded2', 22, AT - 50 * MIN, { step: 1000 }));
    for (let i = 1; i <= 4; i++) series.push(randomSeries(P, `burst${i}`, 30 + i, AT - i * 5 * MIN, { burst: 12 }));
    // a tag whose data ended 20 days ago: a summary row, no bins in range (not seen, not ranked)
    series.push(randomSeries(P, 'old', 40, AT - 20 * DAY));
    // a tag with two readings only: seen, not ranked
    series.push([obs({ tag: 'two', platform: P, observedAt: new Date(AT - 3 * HOUR).toISOString(), value: '100' }), obs({ tag: 'two', platform: P, observedAt: new Date(AT - 2 * HOUR).toISOString(), value: '150' })]);
    for (const s of series) await store.insertObservations(s);
    const tags = [...new Set(series.map((s) => s[0]!.tag))];
    await refreshSummaries(store, tags.map((tag) => ({ platform: P, tag })), AT);

    let compared = 0;
    let breakouts = 0;
    const ranked: string[] = [];
    let doublings = 0;
    let intervals = 0;
    for (const [by, window] of [['velocity', '24h'], ['velocity', '7d'], ['growth', '24h'], ['growth', '7d'], ['breakout', '24h']] as const) {
      const served = (await leaderboardFromSummary(store, { by, window, platform: P, limit: 1000 }, AT))!;
      const computed = await computedLeaderboard(store, { by, window, platform: P, limit: 1000, at: new Date(AT).toISOString() }, AT);
      expect(served, `${by} ${window}`).toBeDefined();
      expect(served.source).toBe('summary');
      expect(computed.source).toBe('computed');
      expect([served.tagsSeen, served.tagsRanked], `${by} ${window}: seen, ranked`).toEqual([computed.tagsSeen, computed.tagsRanked]);
      expect(served.entries.map((e) => e.tag), `${by} ${window}: order`).toEqual(computed.entries.map((e) => e.tag));
      const bad = served.entries.flatMap((e, i) => differences(e, computed.entries[i]!));
      expect(bad, `${by} ${window}`).toEqual([]);
      expect(served.staleTags).toBe(0);
      expect([served.asOfFrom, served.asOfTo]).toEqual([new Date(AT).toISOString(), new Date(AT).toISOString()]);
      compared += served.entries.length;
      breakouts += served.entries.filter((e) => e.breakout === true).length;
      // not vacuous: most tags are ranked, with real intervals and a doubling time
      expect(served.tagsSeen).toBe(tags.length - 1);
      ranked.push(`${by} ${window}: ${served.tagsRanked}`);
      expect(served.tagsRanked, `${by} ${window}`).toBeGreaterThanOrEqual(by === 'velocity' ? 14 : 8);
      doublings += served.entries.filter((e) => e.doublingDays !== null && e.doublingDaysHigh !== e.doublingDaysLow).length;
      intervals += served.entries.filter((e) => e.velocityPerHour !== null && e.velocityPerHourHigh! > e.velocityPerHourLow!).length;
    }
    console.log(`${ranked.join('; ')}; entries with a doubling time ${doublings}, with a velocity interval ${intervals}`);
    expect(doublings).toBeGreaterThanOrEqual(5);
    expect(intervals).toBeGreaterThanOrEqual(5); // the rounded tags (exact data gives a point velocity)
    expect(compared).toBeGreaterThanOrEqual(50);
    expect(breakouts).toBeGreaterThanOrEqual(1);

    // a limit cuts the same ranking
    const top3 = (await leaderboardFromSummary(store, { by: 'velocity', window: '7d', platform: P, limit: 3 }, AT))!;
    const all = (await computedLeaderboard(store, { by: 'velocity', window: '7d', platform: P, limit: 1000, at: new Date(AT).toISOString() }, AT));
    expect(top3.entries.map((e) => e.tag)).toEqual(all.entries.slice(0, 3).map((e) => e.tag));
  });

  it('routing: now and 24h/7d from the summary; an explicit at or another window computed', async () => {
    const P = 'lbprop';
    const pick = (lb: Leaderboard) => [lb.source, lb.query.name];
    expect(pick(await computeLeaderboard(store, { platform: P, window: '24h' }, AT))).toEqual(['summary', 'summary_leaderboard_velocity_24h']);
    expect(pick(await computeLeaderboard(store, { platform: P, window: '7d', by: 'growth' }, AT))).toEqual(['summary', 'summary_leaderboard_growth_7d']);
    expect(pick(await computeLeaderboard(store, { platform: P, window: '24h', at: new Date(AT).toISOString() }, AT))).toEqual(['computed', 'leaderboard_hourly_bins']);
    expect(pick(await computeLeaderboard(store, { platform: P, window: '3d' }, AT))).toEqual(['computed', 'leaderboard_hourly_bins']);
  });

  it('a stale row is served with its own asOf and stale: true while the on-read refresh recomputes it; then it is current', async () => {
    const P = 'lbstale';
    const earlier = AT - 2 * HOUR;
    await store.insertObservations(randomSeries(P, 'late', 7, AT - 10 * MIN));
    await refreshSummaries(store, [{ platform: P, tag: 'late' }], earlier);
    // hold the process's refresh lock, so the background refresh the read schedules cannot land before we look
    const refresher = summaryRefresher(store);
    let release!: () => void;
    const held = refresher.exclusive(() => new Promise<void>((r) => (release = r)));
    const first = (await leaderboardFromSummary(store, { platform: P, window: '24h' }, AT))!;
    expect(first.staleTags).toBe(1);
    expect(first.entries).toHaveLength(1);
    expect(first.entries[0]!.stale).toBe(true);
    expect(first.entries[0]!.asOf).toBe(new Date(earlier).toISOString());
    expect(first.asOfTo).toBe(new Date(earlier).toISOString());
    expect(refresher.busy).toBe(true);
    release();
    await held;
    await refresher.idle();
    const second = (await leaderboardFromSummary(store, { platform: P, window: '24h' }, AT))!;
    expect(second.staleTags).toBe(0);
    expect(second.entries[0]!.stale).toBe(false);
    expect(second.entries[0]!.asOf).toBe(new Date(AT).toISOString());
    const computed = await computedLeaderboard(store, { platform: P, window: '24h', at: new Date(AT).toISOString() }, AT);
    expect(differences(second.entries[0]!, computed.entries[0]!)).toEqual([]);
  });

  it('the on-read candidates scan is skipped while nothing changed since a scan that found nothing; a write brings it back', async () => {
    const names: string[] = [];
    const counted = new Proxy(store, {
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
    }) as Store;
    const scans = () => names.filter((n) => n === 'summary_candidates').length;
    await summaryRefresher(store).idle();
    expect(await refreshOnRead(counted, AT)).toEqual({ inline: 0, scheduled: 0 });
    expect(scans()).toBe(1);
    expect(await refreshOnRead(counted, AT)).toEqual({ inline: 0, scheduled: 0 });
    expect(scans()).toBe(1); // nothing changed: no scan
    await store.insertObservations(randomSeries('lbskip', 'newtag', 9, AT - 5 * MIN));
    expect(await refreshOnRead(counted, AT)).toEqual({ inline: 1, scheduled: 0 }); // the new tag's row, computed before answering
    expect(scans()).toBe(2);
    await refreshOnRead(counted, AT);
    expect(scans()).toBe(3); // the summary changed: one more scan, which finds nothing
    await refreshOnRead(counted, AT);
    expect(scans()).toBe(3);
    // the next hour: every row is stale, the scan runs and schedules them
    const next = await refreshOnRead(counted, AT + HOUR);
    expect(scans()).toBe(4);
    expect(next.scheduled).toBeGreaterThan(10);
    await summaryRefresher(store).idle();
  });

  it('rows written before migration 31 (no leaderboard fields) are never served: computed in the request, and queued for a refresh', async () => {
    const P = 'lblegacy';
    await store.insertObservations(randomSeries(P, 'old1', 3, AT - 20 * MIN));
    await refreshSummaries(store, [{ platform: P, tag: 'old1' }], AT);
    await store.client.command({ query: `ALTER TABLE tag_summary_v1 UPDATE metrics_at = NULL WHERE platform = '${P}' SETTINGS mutations_sync = 2` });
    const refresher = summaryRefresher(store);
    let release!: () => void;
    const held = refresher.exclusive(() => new Promise<void>((r) => (release = r)));
    expect(await leaderboardFromSummary(store, { platform: P, window: '24h' }, AT)).toBeUndefined();
    const lb = await computeLeaderboard(store, { platform: P, window: '24h' }, AT);
    expect(lb.source).toBe('computed');
    expect(lb.entries.map((e) => e.tag)).toEqual(['old1']);
    expect(refresher.busy).toBe(true); // the on-read rule queued the row
    release();
    await held;
    await refresher.idle();
    const after = (await leaderboardFromSummary(store, { platform: P, window: '24h' }, AT))!;
    expect(after.source).toBe('summary');
    expect(differences(after.entries[0]!, lb.entries[0]!)).toEqual([]);
  });
});
