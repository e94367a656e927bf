/**
 * Issue 10, "truth of the record": the rollups (overview, leaderboard, summaries) must give what the raw table gives
 * (report, export) after every import, through `tagpulse import` on a real chDB data dir.
 *  - `--replace`: the replaced reading used to stay in the hourly/daily rollups (the view had folded it in; only raw
 *    FINAL drops the old row), so the leaderboard's latest value said 2,000 where the report said 1,500. The commit
 *    now rebuilds the replaced hours' buckets from raw FINAL.
 *  - one key given twice in one file (not on adjacent lines: those are bad rows already): both rows were staged; raw
 *    kept one, the rollups folded both. Now the same reading twice is stored once and said so; two different readings
 *    refuse the file, naming the key, both values and their lines.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { drainPending } from 'chdb';
import { runImport, type ImportOptions } from '../../../src/cli/commands/import.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import { T } from '../../../src/store/migrations.ts';
import { buildReport } from '../../../src/services/report.ts';
import { refreshSummaries } from '../../../src/services/tag-summaries.ts';
import { importFile } from '../../../src/services/import.ts';
import type { Io } from '../../../src/cli/common.ts';
import { EXIT } from '../../../src/cli/exit-codes.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { expectRollupsMatchRaw, rollupVsRaw } from '../../helpers/rollup-invariant.ts';

function captureIo(): Io & { outLines: string[]; errLines: string[]; all: () => string } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), isTTY: false, all: () => [...errLines, ...outLines].join('\n') };
}

const HEADER = 'platform,tag,metric,observed_at,value';
/** Three hours ago, on the hour: recent enough for the leaderboard's bins. */
const BASE_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
const at = (min: number) => new Date(BASE_MS + min * 60_000).toISOString();

describe('import: rollups equal raw FINAL after --replace and in-file duplicates (real chDB)', () => {
  const t = tempDir('tagpulse-import-rollups-');
  afterAll(() => t.cleanup());
  let n = 0;
  const write = (lines: string[]) => {
    const file = join(t.dir, `f${++n}.csv`);
    writeFileSync(file, [HEADER, ...lines].join('\n'));
    return file;
  };
  const run = async (file: string, extra: Partial<ImportOptions> = {}) => {
    const io = captureIo();
    const code = await runImport({ file, dataDir: t.dir, logLevel: 'silent', ...extra }, io);
    return { code, io };
  };
  const withStore = async <R>(fn: (s: ClickHouseStore) => Promise<R>): Promise<R> => {
    const store = await openClickHouseStore({ dataDir: t.dir });
    try {
      return await fn(store);
    } finally {
      await store.close();
      await drainPending();
    }
  };

  it('--replace: the replaced reading leaves the rollups; the leaderboard and the report give the same latest value', async () => {
    const first = write([`tiktok,rep,views,${at(10)},1000`, `tiktok,rep,views,${at(40)},1200`, `tiktok,rep,views,${at(90)},2000`, `tiktok,rep,views,${at(150)},2600`]);
    expect((await run(first)).code).toBe(EXIT.OK);
    // The re-import changes two readings: the hour's last one (90 min: 2,000 → 1,500) and the series' latest.
    const second = write([`tiktok,rep,views,${at(90)},1500`, `tiktok,rep,views,${at(150)},2400`]);
    const refused = await run(second);
    expect(refused.code).toBe(EXIT.REFUSED);
    const { code, io } = await run(second, { replace: true });
    expect(code, io.all()).toBe(EXIT.OK);
    expect(io.all()).toMatch(/2 replaced earlier imported value/);

    await withStore(async (store) => {
      const series = await store.run(seriesQuery, { platform: 'tiktok', tag: 'rep', metric: 'views' });
      expect(series.map((r) => r.value)).toEqual(['1000', '1200', '1500', '2400']);
      await expectRollupsMatchRaw(store, ['rep']);
      // The hour of the replaced 2,000: its last and largest reading is now 1,500, in both grains.
      const { stored } = await rollupVsRaw(store, T.hourly, ['rep']);
      const hour = stored.find((b) => b.b === at(60).slice(0, 19).replace('T', ' '))!;
      expect([hour.lv, hour.mx]).toEqual(['1500', '1500']);
      const { stored: days } = await rollupVsRaw(store, T.daily, ['rep']);
      for (const d of days) expect(d.mx === '2000' || d.mx === '2600', d.b).toBe(false);

      // One number, one definition: the leaderboard entry (rollups) and the report (raw FINAL) agree.
      const [summary] = await refreshSummaries(store, [{ platform: 'tiktok', tag: 'rep' }]);
      const report = await buildReport(store, { platform: 'tiktok', tag: 'rep', metric: 'views' });
      expect(report.latest?.value).toBe('2400');
      expect(summary!.bins_latest_value).toBe(report.latest?.value);
    });
  }, 120_000);

  it('one key twice in a file with the same reading: stored once, and said so; the rollups equal raw', async () => {
    const file = write([`tiktok,dup_same,views,${at(0)},100`, `tiktok,dup_same,views,${at(20)},300`, `tiktok,dup_same,views,${at(0)},100`, `tiktok,dup_same,views,${at(80)},500`]);
    const { code, io } = await run(file);
    expect(code, io.all()).toBe(EXIT.OK);
    expect(io.outLines.join('\n')).toMatch(/1 row\(s\) repeat an earlier row of the file exactly \(same key and value\): stored once/);
    await withStore(async (store) => {
      expect((await store.run(seriesQuery, { platform: 'tiktok', tag: 'dup_same', metric: 'views' })).map((r) => r.value)).toEqual(['100', '300', '500']);
      await expectRollupsMatchRaw(store, ['dup_same']);
    });
  }, 120_000);

  it('one key twice in a file with different readings: the file is refused with the key, both values and their lines; nothing stored', async () => {
    // Lines 2 and 4 give one key two values (not adjacent); lines 5 and 6 the same key from two sources (adjacent, but
    // the per-source check does not see it: a source is not part of an import's identity).
    const file = write([
      `tiktok,dup_diff,views,${at(0)},100`,
      `tiktok,dup_diff,views,${at(20)},300`,
      `tiktok,dup_diff,views,${at(0)},900`,
      `tiktok,dup_src,views,${at(30)},700`,
      `tiktok,dup_src,views,${at(30)},750`,
    ]);
    writeFileSync(file, [`${HEADER},source`, `tiktok,dup_diff,views,${at(0)},100,a`, `tiktok,dup_diff,views,${at(20)},300,a`, `tiktok,dup_diff,views,${at(0)},900,a`, `tiktok,dup_src,views,${at(30)},700,a`, `tiktok,dup_src,views,${at(30)},750,b`].join('\n'));
    const { code, io } = await run(file);
    expect(code, io.all()).toBe(EXIT.REFUSED);
    const msg = io.all();
    expect(msg).toMatch(/2 row\(s\) give a key an earlier row of the file gave already, with another value/);
    expect(msg).toContain(`tiktok #dup_diff views at ${at(0)}: 100 and 900 (lines 2, 4)`);
    expect(msg).toContain(`tiktok #dup_src views at ${at(30)}: 700 and 750 (lines 5, 6)`);
    expect(msg).toMatch(/keep the right row of each and import again/);
    await withStore(async (store) => {
      const raw = await store.client.query({ query: `SELECT count() AS n FROM ${T.observations} WHERE tag IN ('dup_diff', 'dup_src')`, format: 'JSONEachRow' });
      expect(Number(((await raw.json()) as { n: string }[])[0]!.n)).toBe(0);
      const hourly = await store.client.query({ query: `SELECT count() AS n FROM ${T.hourly} WHERE tag IN ('dup_diff', 'dup_src')`, format: 'JSONEachRow' });
      expect(Number(((await hourly.json()) as { n: string }[])[0]!.n)).toBe(0);
    });
  }, 120_000);

  it('across blocks (the earlier row is in the stage already): the same reading is stored once, another refuses the file', async () => {
    // batchSize 2: the repeats of line 2 come three and five blocks later, checked against the stage.
    const lines = [
      `tiktok,dup_far,views,${at(0)},100`,
      `tiktok,dup_far,views,${at(10)},200`,
      `tiktok,dup_far,views,${at(20)},300`,
      `tiktok,dup_far,views,${at(30)},400`,
      `tiktok,dup_far,views,${at(40)},500`,
      `tiktok,dup_far,views,${at(50)},600`,
      `tiktok,dup_far,views,${at(0)},100`,
      `tiktok,dup_far,views,${at(70)},800`,
    ];
    const same = write(lines);
    const conflict = write([...lines.slice(0, 6), `tiktok,dup_far,views,${at(60)},700`, `tiktok,dup_far,views,${at(10)},250`]);
    await withStore(async (store) => {
      const req = (file: string) => ({ file, format: 'csv' as const, ctx: { file: 'far.csv', importedAt: new Date().toISOString() }, batchSize: 2, assumeExact: true });
      const bad = await importFile(store, req(conflict));
      expect(bad.loaded).toBe(0);
      expect(bad.duplicates.conflicting).toBe(1);
      expect(bad.duplicates.examples).toEqual([{ platform: 'tiktok', tag: 'dup_far', metric: 'views', observedAt: at(10), values: ['200', '250'], lines: [3, 9] }]);
      expect(bad.refused.join('\n')).toMatch(/keep the right row/);
      const good = await importFile(store, req(same));
      expect(good.refused).toEqual([]);
      expect(good.duplicates.identical).toBe(1);
      expect(good.loaded).toBe(7);
      const series = await store.run(seriesQuery, { platform: 'tiktok', tag: 'dup_far', metric: 'views' });
      expect(series.map((r) => r.value)).toEqual(['100', '200', '300', '400', '500', '600', '800']);
      const raw = await store.client.query({ query: `SELECT count() AS n FROM ${T.observations} WHERE tag = 'dup_far'`, format: 'JSONEachRow' });
      expect(Number(((await raw.json()) as { n: string }[])[0]!.n)).toBe(7); // never staged twice
      await expectRollupsMatchRaw(store, ['dup_far']);
    });
  }, 120_000);

  it('a key the filter only thinks it saw (a false alarm) is staged after its exact check: 20,000 distinct keys, every row stored once', async () => {
    const file = write(Array.from({ length: 20_000 }, (_, i) => `tiktok,fp${i % 7},views,${new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString()},${1_000_003 + i * 11}`));
    await withStore(async (store) => {
      await store.migrate();
      let lookups = 0;
      const counting = Object.assign(Object.create(store) as ClickHouseStore, {
        importStageReadings: (...a: Parameters<ClickHouseStore['importStageReadings']>) => {
          lookups++;
          return store.importStageReadings(...a);
        },
      });
      for (const k of ['openImportStage', 'stageObservationLines', 'commitImportStage', 'dropImportStage', 'run'] as const) (counting as unknown as Record<string, unknown>)[k] = (store[k] as (...x: unknown[]) => unknown).bind(store);
      const out = await importFile(counting, { file, format: 'csv', ctx: { file: 'fp.csv', importedAt: new Date().toISOString() }, batchSize: 1000, assumeExact: true });
      expect(out.refused).toEqual([]);
      expect(lookups).toBeGreaterThan(0); // some keys were held as maybe-seen (the filter's false alarms) and checked
      expect(out.duplicates).toEqual({ identical: 0, conflicting: 0, examples: [] });
      expect(out.loaded).toBe(20_000);
      const raw = await store.client.query({ query: `SELECT count() AS n, uniqExact(tag, observed_at) AS k FROM ${T.observations} WHERE startsWith(tag, 'fp')`, format: 'JSONEachRow' });
      expect((await raw.json()) as unknown[]).toEqual([{ n: '20000', k: '20000' }]);
    });
  }, 120_000);
});
