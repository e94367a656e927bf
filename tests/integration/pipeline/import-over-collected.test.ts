/**
 * Sources never overwrite each other (issue 10, finding 2: an import silently replaced a collected reading,
 * 32,699,304,169,470 became 1).
 *
 * A real sample (the TikTok HTTP collector against the local TikTok-shaped server, stored by `tagpulse sample`), then a
 * CSV import of a row with the same (platform, tag, metric, observed_at) and another value: both rows stay, the report
 * and the tag page's data-quality panel show the conflict, and the analytics use the collected exact value. The other
 * way round too (a collected reading arriving after an import at the same instant), and an import equal to a
 * collected reading is stored as its own row, not dropped as a duplicate insert.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runImport } from '../../../src/cli/commands/import.ts';
import { runSample } from '../../../src/cli/commands/sample.ts';
import { runReport } from '../../../src/cli/commands/report.ts';
import type { Io } from '../../../src/cli/common.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { rawCountQuery, seriesQuery } from '../../../src/store/queries.ts';
import { buildReport } from '../../../src/services/report.ts';
import { buildQuality } from '../../../src/dashboard/tag-detail.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

function captureIo(): Io & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), isTTY: false };
}

describe('an import never replaces a collected reading, nor the other way round', () => {
  let fake: FakeTikTok;
  let t: ReturnType<typeof tempDir>;
  const opts = () => ({ dataDir: t.dir, logLevel: 'silent' as const });
  /** Open the store for a look and close it again (commands open it themselves: one chDB per dir). */
  async function withOpen<T>(fn: (s: ClickHouseStore) => Promise<T>): Promise<T> {
    const s = await openClickHouseStore({ dataDir: t.dir });
    try {
      await s.migrate();
      return await fn(s);
    } finally {
      await s.close();
    }
  }

  beforeAll(async () => {
    fake = await startFakeTikTok({ tags: { bigtag: { views0: 32_699_304_169_470n, posts0: 1_000_000n, viewsPerHour: 3_600_000, postsPerHour: 36 } } });
    t = tempDir('tagpulse-conflict-');
  });
  afterAll(async () => {
    await fake?.close();
    t?.cleanup();
  });

  it('keeps both rows, reports the conflict in the report and the data-quality panel, and analyses the collected value', async () => {
    const io = captureIo();
    expect(await runSample({ ...opts(), tags: ['bigtag'], platform: 'tiktok', tiktokBaseUrl: fake.url, json: true }, io)).toBe(0);
    const [collected] = await withOpen((s) => s.run(seriesQuery, { platform: 'tiktok', tag: 'bigtag', metric: 'views' }));
    expect(collected).toMatchObject({ method: 'http', precision: 'exact' });

    const file = join(t.dir, 'over.csv');
    writeFileSync(file, ['platform,tag,metric,observed_at,value', `tiktok,bigtag,views,${collected!.observed_at},1`].join('\n') + '\n');
    const imp = captureIo();
    expect(await runImport({ ...opts(), file }, imp)).toBe(0);

    await withOpen(async (s) => {
      const rows = await s.run(seriesQuery, { platform: 'tiktok', tag: 'bigtag', metric: 'views' });
      expect(rows.map((r) => `${r.method}:${r.value}`).sort()).toEqual([`http:${collected!.value}`, 'import:1']);
      expect(rows.find((r) => r.method === 'http')).toEqual(collected);

      const report = await buildReport(s, { platform: 'tiktok', tag: 'bigtag', metric: 'views' });
      expect(report.latest).toMatchObject({ value: collected!.value, exact: true });
      expect(report.points).toBe(1); // one value per instant for the analytics
      expect(report.conflicts).toEqual([
        {
          at: collected!.observed_at,
          metric: 'views',
          values: [
            { value: collected!.value, precision: 'exact', step: '0', source: collected!.source, method: 'http', provenance: collected!.provenance, chosen: true },
            { value: '1', precision: 'exact', step: '0', source: 'import', method: 'import', provenance: 'over.csv', chosen: false },
          ],
        },
      ]);

      const quality = await buildQuality(s, { platform: 'tiktok', tag: 'bigtag' }, { from: '2000-01-01T00:00:00.000Z', to: '2299-01-01T00:00:00.000Z' });
      expect(quality.conflicts).toEqual(report.conflicts);
    });

    const text = captureIo();
    expect(await runReport({ ...opts(), tag: 'bigtag' }, text)).toBe(0);
    expect(text.outLines.join('\n')).toMatch(new RegExp(`CONFLICT +${collected!.observed_at} views: .* from ${collected!.source.replace(/\./g, '\\.')} \\(http.*← used vs 1 from import \\(import, over\\.csv\\)`));
  }, 60_000);

  it('a collected reading after an import at the same instant keeps the import; an equal value is its own row, not a conflict', async () => {
    const file = join(t.dir, 'first.csv');
    writeFileSync(file, ['platform,tag,metric,observed_at,value', 'tiktok,importedfirst,views,2026-01-01T00:00:00Z,500', 'tiktok,importedfirst,views,2026-01-02T00:00:00Z,900'].join('\n') + '\n');
    expect(await runImport({ ...opts(), file }, captureIo())).toBe(0);
    await withOpen(async (s) => {
      // As the loader stores a collected sample (one-row batches, each with its content token).
      await s.insertObservations([obs({ tag: 'importedfirst', observedAt: '2026-01-01T00:00:00.000Z', value: '480' })]);
      await s.insertObservations([obs({ tag: 'importedfirst', observedAt: '2026-01-02T00:00:00.000Z', value: '900' })]);
      const rows = await s.run(seriesQuery, { platform: 'tiktok', tag: 'importedfirst', metric: 'views' });
      expect(rows.map((r) => `${r.observed_at} ${r.method}:${r.value}`).sort()).toEqual([
        '2026-01-01T00:00:00.000Z http:480',
        '2026-01-01T00:00:00.000Z import:500',
        '2026-01-02T00:00:00.000Z http:900',
        '2026-01-02T00:00:00.000Z import:900',
      ]);
      expect((await s.run(rawCountQuery, { platform: 'tiktok', tag: 'importedfirst' }))[0]).toEqual({ rows: '4', keys: '4' });
      const report = await buildReport(s, { platform: 'tiktok', tag: 'importedfirst', metric: 'views' });
      expect(report.conflicts.map((c) => [c.at, c.values.map((v) => `${v.method}:${v.value}${v.chosen ? '*' : ''}`)])).toEqual([['2026-01-01T00:00:00.000Z', ['http:480*', 'import:500']]]);
    });
  }, 60_000);
});
