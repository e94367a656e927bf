/**
 * A read with no time bound reads every stored row (issue 10: nothing already stored is lost from what users see).
 * The one time parser lets in years 1900–2299 (ClickHouse DateTime64(3)'s range), but the reads with no bound used
 * 1970-01-01 and the first instant of 2299-12-31 as their bounds: a stored reading before 1970 (an archive figure) or
 * late on 2299-12-31 was missing from the series, the report, compare and the export, with no word. Fails on the old
 * code (1 row of 4 everywhere). The reads with no bound now have no time predicate at all (report_input,
 * reading_columns_all: the same rows, planned without a range, issue 15 figures 7h/7d); with a bound they keep it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { loadChosenMany, loadReportInput, loadSeries } from '../../../src/services/series.ts';
import { buildReport } from '../../../src/services/report.ts';
import { exportObservations } from '../../../src/services/export.ts';
import { MAX_TIME, MIN_TIME, readingColumnsAllQuery, readingColumnsQuery, reportInputQuery, reportInputToQuery, seriesAllJsonQuery, seriesAllQuery, seriesJsonQuery, seriesQuery } from '../../../src/store/queries.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const TIMES = ['1900-01-01T00:00:00.000Z', '1969-07-20T20:17:40.000Z', '2024-01-01T00:00:00.000Z', '2299-12-31T23:59:59.999Z'];

describe('reads with no time bound read every storable time (chDB)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    await store.insertObservations(TIMES.flatMap((observedAt, i) => [obs({ tag: 'edges', observedAt, value: String(1000 * (i + 1)) }), obs({ tag: 'edges2', observedAt, value: String(10 * (i + 1)) })]));
    // and ordinary tags: hourly, some read twice at one instant by another source, some re-fetched (FINAL keeps one)
    const more = [];
    for (let h = 0; h < 300; h++) {
      const observedAt = new Date(Date.parse('2025-03-01T00:00:00.000Z') + h * 3_600_000 + (h % 7) * 60_000).toISOString();
      for (const tag of ['plain', 'plain2']) {
        more.push(obs({ tag, observedAt, value: String(5_000 + 37 * h) }));
        if (h % 11 === 0) more.push(obs({ tag, observedAt, value: String(5_000 + 37 * h + 3), method: 'import', source: 'import', provenance: 'f.csv' }));
        if (h % 13 === 0) more.push(obs({ tag, observedAt, value: String(5_001 + 37 * h), fetchedAt: new Date(Date.parse(observedAt) + 1000).toISOString() }));
      }
    }
    await store.insertObservations(more);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('MIN_TIME and MAX_TIME are the first and last instants of DateTime64(3)', () => {
    expect([MIN_TIME, MAX_TIME]).toEqual(['1900-01-01T00:00:00.000Z', '2299-12-31T23:59:59.999Z']);
  });

  it('each query with no time predicate gives the rows of its bounded form over [MIN_TIME, MAX_TIME]', async () => {
    const bounds = { from: MIN_TIME, to: MAX_TIME };
    // rows at one instant (an import beside a reading) come in no defined order from series and reading_columns:
    // compared as multisets per instant (sorted by their whole text), time order checked on its own
    const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
    const inTimeOrder = (ts: number[]) => ts.every((t, i) => i === 0 || ts[i - 1]! <= t);
    let rows = 0;
    for (const tag of ['edges', 'edges2', 'plain', 'plain2', 'none']) {
      const key = { platform: 'tiktok', tag, metric: 'views' };
      const all = await store.run(seriesAllQuery, { ...key, ...bounds });
      expect(sorted(all), tag).toEqual(sorted(await store.run(seriesQuery, { ...key, ...bounds })));
      expect(inTimeOrder(all.map((r) => Date.parse(r.observed_at))), tag).toBe(true);
      const lines = async (q: typeof seriesJsonQuery) => (await store.exportBytes(q, { ...key, ...bounds }, 'JSONEachRow')).toString('utf8');
      expect(sorted(JSON.parse(await lines(seriesAllJsonQuery))), tag).toEqual(sorted(JSON.parse(await lines(seriesJsonQuery))));
      // report_input orders rows at one instant by their whole tuple: equal as they come
      expect(await store.run(reportInputQuery, key), tag).toEqual(await store.run(reportInputToQuery, { ...key, ...bounds }));
      rows += all.length;
    }
    const many = { platform: 'tiktok', metric: 'views', tags: ['edges', 'plain', 'edges2', 'plain2', 'none'], ...bounds };
    const columnsRows = (c: Record<string, unknown[]>) => c.t!.map((_, i) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v[i]])));
    const [a] = await store.run(readingColumnsAllQuery, many);
    const [b] = await store.run(readingColumnsQuery, many);
    expect(sorted(columnsRows(a!))).toEqual(sorted(columnsRows(b!)));
    // each tag's rows in one run (ORDER BY tag, observed_at), in time order within it
    const runs = a!.tag_index.filter((x, i) => i === 0 || a!.tag_index[i - 1] !== x);
    expect(new Set(runs).size).toBe(runs.length);
    expect(a!.t.every((t, i) => i === 0 || a!.tag_index[i - 1] !== a!.tag_index[i] || a!.t[i - 1]! <= t)).toBe(true);
    expect(rows).toBeGreaterThan(600);
  });

  it('series, report input, report, compare\'s input and export give all four rows, the first and last storable instants included', async () => {
    const key = { platform: 'tiktok', tag: 'edges', metric: 'views' };
    expect((await loadSeries(store, key)).map((r) => r.observed_at)).toEqual(TIMES);
    expect((await loadReportInput(store, key)).rows.map((r) => r.observed_at)).toEqual(TIMES);
    expect((await loadReportInput(store, key)).rows.map((r) => r.t)).toEqual(TIMES.map((t) => Date.parse(t)));
    expect((await buildReport(store, key)).observations).toBe(4);
    const chosen = await loadChosenMany(store, { platform: 'tiktok', metric: 'views', tags: ['edges', 'edges2'] });
    expect(chosen.get('edges')!.points.map((p) => p.t)).toEqual(TIMES.map((t) => Date.parse(t)));
    expect(chosen.get('edges2')!.observations).toBe(4);
    const exported = await exportObservations(store, { platform: 'tiktok', tags: 'edges', format: 'jsonl' });
    expect(exported.rows).toBe(4);
    for (const t of TIMES) expect(exported.bytes.toString('utf8')).toContain(t.slice(0, 10));
  });

  it('with a bound, the bound still applies (report as of a time, compare and series to a time)', async () => {
    const key = { platform: 'tiktok', tag: 'edges', metric: 'views' };
    const to = '2024-06-01T00:00:00.000Z';
    expect((await loadReportInput(store, key, { to })).rows.map((r) => r.observed_at)).toEqual(TIMES.slice(0, 3));
    expect((await loadSeries(store, key, { to })).map((r) => r.observed_at)).toEqual(TIMES.slice(0, 3));
    const chosen = await loadChosenMany(store, { platform: 'tiktok', metric: 'views', tags: ['edges'] }, { to });
    expect(chosen.get('edges')!.observations).toBe(3);
    const from = await loadChosenMany(store, { platform: 'tiktok', metric: 'views', tags: ['edges'] }, { from: '1950-01-01T00:00:00.000Z' });
    expect(from.get('edges')!.observations).toBe(3);
    expect((await buildReport(store, { ...key, at: '1969-12-31T00:00:00.000Z' })).observations).toBe(2);
  });
});
