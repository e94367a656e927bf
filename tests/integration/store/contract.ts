/**
 * One contract suite, run against every store backend (chDB, server when available, and the owner's HTTP API).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Store } from '../../../src/store/store.ts';
import { seriesQuery, rawCountQuery, trackedQuery, latestQuery, recentFailuresQuery, observedTimesQuery, readingColumnsQuery } from '../../../src/store/queries.ts';
import { loadChosenMany, loadReadingsMany, toPoints } from '../../../src/services/series.ts';
import { obs } from '../../helpers/observations.ts';
import { randomName } from '../../helpers/tmp.ts';
import { observationLine } from '../../../src/store/rows.ts';
import { leaderboardHourlyQuery } from '../../../src/store/analytics-queries.ts';

export function describeStoreContract(backend: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`store contract: ${backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
    });
    afterAll(async () => cleanup?.());

    it('migrations are re-runnable', async () => {
      const again = await store.migrate();
      expect(again.applied).toEqual([]);
    });

    it('keeps UInt64 values exact end to end, including 2^64-1', async () => {
      const tag = randomName('u64').replace(/-/g, '_');
      const big = '18446744073709551615';
      await store.insertObservations([obs({ tag, observedAt: '2024-01-01T00:00:00.000Z', value: big }), obs({ tag, observedAt: '2024-01-01T01:00:00.000Z', value: '9007199254740993' })]);
      const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.map((r) => r.value)).toEqual([big, '9007199254740993']);
      expect(rows[0]!.observed_at).toBe('2024-01-01T00:00:00.000Z');
    });

    it('drops a re-sent batch (same dedup token) and keeps one row per key', async () => {
      const tag = randomName('dedup').replace(/-/g, '_');
      const batch = [obs({ tag, observedAt: '2024-02-01T00:00:00.000Z', value: '100' }), obs({ tag, observedAt: '2024-02-01T01:00:00.000Z', value: '150' })];
      await store.insertObservations(batch, { dedupToken: `t-${tag}` });
      await store.insertObservations(batch, { dedupToken: `t-${tag}` });
      const [c] = await store.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(c).toEqual({ rows: '2', keys: '2' });
      // Same key again with a different token (a re-delivered job in another batch): FINAL still shows one row.
      await store.insertObservations([batch[0]!], { dedupToken: `other-${tag}` });
      const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(rows.length).toBe(2);
    });

    it('insertObservationLines (rows prepared as JSONEachRow lines) stores what insertObservations stores; a re-sent block is dropped', async () => {
      // Issue 10 (import rate): a big import spools checked rows as lines and streams them back through this method.
      const tag = randomName('lines').replace(/-/g, '_');
      const note = `it's "quoted" \\ back \t tab \n newline \u2028 é`;
      const rows = [obs({ tag, observedAt: '2024-02-02T00:00:00.000Z', value: '18446744073709551615', note }), obs({ tag, observedAt: '2024-02-02T01:00:00.000Z', value: '16400000000', exact: false, precision: 'rounded', step: '100000000', method: 'import', provenance: 'f.csv' })];
      const lines = rows.map((o) => observationLine(o) + '\n').join('');
      expect(await store.insertObservationLines(lines)).toBe(2);
      expect(await store.insertObservationLines(lines)).toBe(2);
      const [c] = await store.run(rawCountQuery, { platform: 'tiktok', tag });
      expect(c).toEqual({ rows: '2', keys: '2' });
      const got = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(got).toMatchObject([
        { value: '18446744073709551615', note, precision: 'exact', exact: true },
        { value: '16400000000', precision: 'rounded', step: '100000000', method: 'import', provenance: 'f.csv' },
      ]);
    });

    it('an import stage holds rows out of sight until committed; a dropped stage stores nothing', async () => {
      // Issue 10 (import rate): a big import inserts its checked blocks into a stage while it reads the file.
      const tag = randomName('stage').replace(/-/g, '_');
      const lines = (value: string, at: string) => observationLine(obs({ tag, observedAt: at, value, method: 'import', provenance: 'f.csv' })) + '\n';
      const stage = await store.openImportStage();
      if (stage === null) throw new Error(`${backend}: this store cannot stage (only a cluster may answer null)`);
      expect(await store.stageObservationLines(stage, lines('18446744073709551615', '2024-02-03T00:00:00.000Z') + lines('5', '2024-02-03T01:00:00.000Z'))).toBe(2);
      expect(await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).toEqual([]);
      expect(await store.commitImportStage(stage)).toBe(2);
      expect((await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).map((r) => r.value)).toEqual(['18446744073709551615', '5']);
      const dropped = (await store.openImportStage())!;
      await store.stageObservationLines(dropped, lines('7', '2024-02-03T02:00:00.000Z'));
      await store.dropImportStage(dropped);
      await store.dropImportStage(dropped);
      expect((await store.run(rawCountQuery, { platform: 'tiktok', tag }))[0]).toEqual({ rows: '2', keys: '2' });
      await expect(store.stageObservationLines(dropped, lines('8', '2024-02-03T03:00:00.000Z'))).rejects.toThrow();
      await expect(store.commitImportStage('x; DROP TABLE observations_v2')).rejects.toThrow(/stage/);
    });

    it('a replacing commit rebuilds its hours: the hourly rollup holds the new reading; the stage answers readings at keys; rebuildRollups is idempotent', async () => {
      // Issue 10 (truth of the record): without the rebuild the replaced 2,000 stayed the hour's last value.
      const tag = randomName('rebuild').replace(/-/g, '_');
      const line = (value: string, at: string) => observationLine(obs({ tag, observedAt: at, value, method: 'import', source: 'import', provenance: 'f.csv' })) + '\n';
      const first = (await store.openImportStage())!;
      await store.stageObservationLines(first, line('1000', '2024-03-01T10:10:00.000Z') + line('2000', '2024-03-01T10:30:00.000Z'));
      await store.commitImportStage(first);
      const second = (await store.openImportStage())!;
      await store.stageObservationLines(second, line('1500', '2024-03-01T10:30:00.000Z'));
      expect(await store.importStageReadings(second, [{ platform: 'tiktok', tag, metric: 'views', observedAt: '2024-03-01T10:30:00.000Z' }])).toMatchObject([
        { platform: 'tiktok', tag, metric: 'views', observedAt: '2024-03-01T10:30:00.000Z', origin: 'import', value: '1500', precision: 'exact' },
      ]);
      await store.commitImportStage(second, { rebuild: [{ platform: 'tiktok', tag, metric: 'views', hour: '2024-03-01T10:00:00.000Z' }] });
      const bins = async () => (await store.run(leaderboardHourlyQuery, { platform: 'tiktok', metric: 'views', at: '2024-03-01T12:00:00.000Z', since: '2024-03-01T00:00:00.000Z' })).find((r) => r.tag === tag);
      expect((await bins())?.last_values.map(String)).toEqual(['1500']);
      expect((await bins())?.first_values.map(String)).toEqual(['1000']);
      await store.rebuildRollups([{ platform: 'tiktok', tag, metric: 'views', hour: '2024-03-01T10:00:00.000Z' }]);
      expect((await bins())?.last_values.map(String)).toEqual(['1500']);
    });

    it('records precision, step, source and provenance', async () => {
      const tag = randomName('prec').replace(/-/g, '_');
      await store.insertObservations([
        obs({ tag, observedAt: '2024-03-01T00:00:00.000Z', value: '16400000000', exact: false, precision: 'rounded', step: '100000000', source: 'tiktok.page.text', provenance: 'https://example.test/tag/x' }),
      ]);
      const [r] = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(r).toMatchObject({ value: '16400000000', exact: false, precision: 'rounded', step: '100000000', source: 'tiktok.page.text', provenance: 'https://example.test/tag/x' });
    });

    it('answers a columns query (reading_columns) as one row of columns, also with no rows, and compare reads it', async () => {
      const a = randomName('cols').replace(/-/g, '_');
      const b = `${a}_b`;
      await store.insertObservations([
        obs({ tag: a, observedAt: '2024-04-01T00:00:00.000Z', value: '18446744073709551615' }),
        obs({ tag: a, observedAt: '2024-04-01T00:00:00.000Z', value: '16400000000', exact: false, precision: 'rounded', step: '100000000', method: 'import', source: 'import', provenance: 'f.csv' }),
        obs({ tag: b, observedAt: '2024-04-01T01:00:00.000Z', value: '7', precision: 'lower_bound', exact: false, method: 'manual', source: 'press' }),
      ]);
      const params = { platform: 'tiktok', metric: 'views', tags: [b, a] };
      const [c] = await store.run(readingColumnsQuery, params);
      expect(c).toEqual({
        tag_index: [2, 2, 1],
        t: [Date.parse('2024-04-01T00:00:00.000Z'), Date.parse('2024-04-01T00:00:00.000Z'), Date.parse('2024-04-01T01:00:00.000Z')],
        value: expect.arrayContaining(['18446744073709551615', '16400000000']),
        step: expect.arrayContaining(['0', '100000000']),
        precision: expect.arrayContaining(['exact', 'rounded', 'lower_bound']),
        source: expect.arrayContaining(['import', 'press']),
        method: expect.arrayContaining(['import', 'manual']),
        provenance: expect.arrayContaining(['f.csv', '']),
      });
      expect(await store.run(readingColumnsQuery, { ...params, tags: [`${a}_none`] })).toEqual([{ tag_index: [], t: [], value: [], step: [], precision: [], source: [], method: [], provenance: [] }]);
      const chosen = await loadChosenMany(store, params);
      const rows = await loadReadingsMany(store, params);
      for (const tag of [a, b]) expect(chosen.get(tag)!.points).toEqual(toPoints(rows.get(tag)!));
      expect(chosen.get(a)!.points.map((p) => p.value)).toEqual([18446744073709551615n]);
      expect([chosen.get(a)!.observations, chosen.get(a)!.exactRows, chosen.get(b)!.observations, chosen.get(b)!.exactRows]).toEqual([2, 1, 1, 0]);
    });

    it('round-trips hostile tag text as data through bound parameters', async () => {
      // Tags are normalised before storage, but notes and provenance are free text.
      const tag = randomName('hostile').replace(/-/g, '_');
      const note = `it's "quoted" \\ back {brace} \t tab \n newline '); DROP TABLE x; --`;
      await store.insertObservations([obs({ tag, observedAt: '2024-03-02T00:00:00.000Z', value: '1', note })]);
      const [r] = await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
      expect(r!.note).toBe(note);
    });

    it('stores tracked tags with latest-state-wins semantics', async () => {
      const tag = randomName('tr').replace(/-/g, '_');
      const addedAt = new Date().toISOString();
      await store.upsertTracked([{ platform: 'tiktok', tag, everyMs: 3_600_000, addedAt, active: true }]);
      let rows = (await store.run(trackedQuery, {})).filter((r) => r.tag === tag);
      expect(rows).toEqual([{ platform: 'tiktok', tag, every_ms: 3_600_000, added_at: addedAt, active: true }]);
      await store.upsertTracked([{ platform: 'tiktok', tag, everyMs: 3_600_000, addedAt, active: false }]);
      rows = (await store.run(trackedQuery, {})).filter((r) => r.tag === tag);
      expect(rows).toEqual([]);
    });

    it('answers latest-per-tag and failures queries', async () => {
      const tag = randomName('lat').replace(/-/g, '_');
      await store.insertObservations([obs({ tag, observedAt: '2024-04-01T00:00:00.000Z', value: '5' }), obs({ tag, observedAt: '2024-04-01T02:00:00.000Z', value: '7' })]);
      const latest = await store.run(latestQuery, { platforms: ['tiktok'], tags: [tag] });
      expect(latest).toMatchObject([{ tag, metric: 'views', value: '7', latest_at: '2024-04-01T02:00:00.000Z', samples: '2' }]);
      const now = new Date().toISOString();
      await store.insertFailures([{ platform: 'tiktok', tag, kind: 'captcha', statusCode: 200, platformCode: '10000', message: 'verify', method: 'http', source: '', slot: now, occurredAt: now, attempt: 1, collectorVersion: 't', url: '' }]);
      const f = (await store.run(recentFailuresQuery, { since: new Date(Date.now() - 60_000).toISOString() })).filter((x) => x.tag === tag);
      expect(f).toMatchObject([{ kind: 'captcha', status_code: 200, platform_code: '10000' }]);
      const times = await store.run(observedTimesQuery, { platform: 'tiktok', tag, method: 'http' });
      expect(times.length).toBe(2);
    });

    it('keeps the raw response id of a failure (raw_ref, migration 20; issue 13)', async () => {
      const tag = randomName('raw').replace(/-/g, '_');
      const now = new Date().toISOString();
      const rawRef = 'tiktok--no_data--20261205T081500123Z--0a1b2c3d';
      await store.insertFailures([{ platform: 'tiktok', tag, kind: 'no_data', statusCode: 200, platformCode: '', message: 'no data', method: 'http', source: '', slot: now, occurredAt: now, attempt: 1, collectorVersion: 't', url: '', rawRef }]);
      const f = (await store.run(recentFailuresQuery, { since: new Date(Date.now() - 60_000).toISOString() })).filter((x) => x.tag === tag);
      expect(f).toMatchObject([{ kind: 'no_data', raw_ref: rawRef }]);
    });

    it('rejects invalid query parameters with a clear message', async () => {
      await expect(store.run(seriesQuery, { platform: 'tiktok', tag: 'x' } as never)).rejects.toThrow(/metric/);
    });

    it('exports CSV and Parquet through ClickHouse formats', async () => {
      const tag = randomName('exp').replace(/-/g, '_');
      await store.insertObservations([obs({ tag, observedAt: '2024-05-01T00:00:00.000Z', value: '42' })]);
      const csv = (await store.exportBytes(seriesQuery, { platform: 'tiktok', tag, metric: 'views' }, 'CSVWithNames')).toString('utf8');
      expect(csv.split('\n')[0]).toContain('"observed_at"');
      expect(csv).toContain('42');
      const pq = await store.exportBytes(seriesQuery, { platform: 'tiktok', tag, metric: 'views' }, 'Parquet');
      expect(pq.subarray(0, 4).toString('latin1')).toBe('PAR1');
    });
  });
}
