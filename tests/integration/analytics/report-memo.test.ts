/**
 * The report's fit memo through the real store (issue 15, figure 7h; services/report.ts `reportFitMemo`): a repeated
 * report takes its change points and lifecycle fit from the memo and is the same report; after new observations, a
 * preferred second reading at an existing instant (a spike) or a lasting shift of the readings (a revision) the next
 * report equals the report computed without any memo from the rows the store now holds, and it recomputes the fits
 * whenever their input (the adjusted series) changed. Real chDB, no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { buildReport, reportFitMemo } from '../../../src/services/report.ts';
import { loadSeries, toPoints } from '../../../src/services/series.ts';
import { computeReport } from '../../../src/analytics/report.ts';
import { addTracked } from '../../../src/services/tracking.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 1);
/** Hourly counter of one rise-and-fall wave (peak at hour 120, width 20 h) on a small base rate: a lifecycle to fit. */
const valueAt = (h: number): number => Math.round(1_000_000 + 50 * h + 2_000_000 / (1 + Math.exp(-(h - 120) / 20)) + 3000 * Math.sin(h * 1.7));
const wave = (tag: string, hours: number) =>
  Array.from({ length: hours }, (_, h) => obs({ tag, observedAt: new Date(T0 + h * HOUR).toISOString(), value: String(valueAt(h)) }));

describe('the report fit memo on a real store', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;
  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  /** The report computed without any memo from the rows the store holds now (what buildReport must give). */
  const fresh = async (tag: string, at: string) => {
    const rows = await loadSeries(store, { platform: 'tiktok', tag, metric: 'views' }, { to: at });
    return computeReport(toPoints(rows), { platform: 'tiktok', tag, metric: 'views', at: Date.parse(at), now: Date.parse(at) });
  };
  const strip = <T extends { observations: number; conflicts: unknown }>({ observations: _o, conflicts: _c, ...r }: T) => r;

  it('a repeated report hits; new data and a preferred second reading miss and give the fresh answer', async () => {
    const tag = 'memowave';
    await store.insertObservations(wave(tag, 260));
    const at = new Date(T0 + 400 * HOUR).toISOString();
    reportFitMemo.clear();
    const m0 = reportFitMemo.misses;
    const h0 = reportFitMemo.hits;
    const first = await buildReport(store, { platform: 'tiktok', tag, metric: 'views', at });
    expect(first.lifecycle, 'the wave gives a lifecycle, so the memo keeps a fit').not.toBeNull();
    expect(strip(first)).toEqual(await fresh(tag, at));
    const again = await buildReport(store, { platform: 'tiktok', tag, metric: 'views', at });
    expect(again).toEqual(first);
    expect([reportFitMemo.misses - m0, reportFitMemo.hits - h0]).toEqual([1, 1]);

    // new observations: a second wave starts, so the peak is no longer the last one the data show
    await store.insertObservations(
      Array.from({ length: 60 }, (_, i) => obs({ tag, observedAt: new Date(T0 + (260 + i) * HOUR).toISOString(), value: String(valueAt(259) + 40_000 * (i + 1) ** 2) })),
    );
    const afterLoad = await buildReport(store, { platform: 'tiktok', tag, metric: 'views', at });
    expect(reportFitMemo.misses - m0).toBe(2);
    expect(strip(afterLoad)).toEqual(await fresh(tag, at));
    expect([afterLoad.lifecycle, afterLoad.changePoints]).not.toEqual([first.lifecycle, first.changePoints]);

    // a second source's reading at an existing instant: a conflict the report lists (services/readings.ts), and where it
    // is the preferred one a one-sample spike that cleaning lists as a glitch; either way the adjusted series, the fits'
    // input, is unchanged (a hit is the right answer there) while the report shows the reading
    await store.insertObservations([obs({ tag, observedAt: new Date(T0 + 100 * HOUR).toISOString(), value: String(valueAt(100) + 900_000), source: 'import.csv', method: 'import' })]);
    const afterSpike = await buildReport(store, { platform: 'tiktok', tag, metric: 'views', at });
    expect(strip(afterSpike)).toEqual(await fresh(tag, at));
    expect(afterSpike.conflicts.length + afterSpike.glitches.length).toBeGreaterThan(afterLoad.conflicts.length + afterLoad.glitches.length);

    // the same source's readings from hour 200 on, fetched again later with a lasting shift (a newer version of each row,
    // which the FINAL read keeps): a revision, so the adjusted series changes and the fits recompute
    const refetchedAt = new Date(T0 + 500 * HOUR).toISOString();
    await store.insertObservations(
      Array.from({ length: 60 }, (_, i) => obs({ tag, observedAt: new Date(T0 + (200 + i) * HOUR).toISOString(), value: String(valueAt(200 + i) + 700_000), fetchedAt: refetchedAt })),
    );
    const misses = reportFitMemo.misses;
    const afterShift = await buildReport(store, { platform: 'tiktok', tag, metric: 'views', at });
    expect(reportFitMemo.misses).toBe(misses + 1);
    expect(strip(afterShift)).toEqual(await fresh(tag, at));
    expect(afterShift.revisions.length).toBeGreaterThan(afterLoad.revisions.length);
  });

  it('reads the cadence when the report has gaps: a tracked tag\'s late samples are not gaps, an untracked tag\'s are', async () => {
    // samples every 6 h, some of them 15 h apart: gaps by the median rule (2 × 6 h), not with an 8 h cadence (2 × 8 h)
    const hours: number[] = [];
    for (let h = 0; h <= 600; h += [102, 252, 402].includes(h) ? 15 : 6) hours.push(h);
    const series = (tag: string) => hours.map((h) => obs({ tag, observedAt: new Date(T0 + h * HOUR).toISOString(), value: String(valueAt(h)) }));
    await store.insertObservations([...series('latetracked'), ...series('lateuntracked')]);
    await addTracked(store, { tags: ['latetracked'], platform: 'tiktok', every: '8h' });
    const at = new Date(T0 + 700 * HOUR).toISOString();
    const tracked = await buildReport(store, { platform: 'tiktok', tag: 'latetracked', metric: 'views', at });
    const untracked = await buildReport(store, { platform: 'tiktok', tag: 'lateuntracked', metric: 'views', at });
    expect(untracked.gaps.length).toBeGreaterThan(0);
    expect(tracked.gaps).toEqual([]);
    const rows = await loadSeries(store, { platform: 'tiktok', tag: 'latetracked', metric: 'views' }, { to: at });
    expect(strip(tracked)).toEqual(computeReport(toPoints(rows), { platform: 'tiktok', tag: 'latetracked', metric: 'views', at: Date.parse(at), now: Date.parse(at), cadenceMs: 8 * HOUR }));
  });
});

