/**
 * Issue 10 (import rate): the streamed import parses and validates each row once. Where the store cannot stage (a
 * cluster: openImportStage answers null; see import-stage.test.ts for the stage every other store uses), pass 1 checks
 * the file and spools the checked rows (JSONEachRow lines, src/store/rows.ts) to a private file in the spool dir (the
 * data dir, for the CLI); pass 2 inserts from the spool, never from the file again. On a real chDB store that is
 * told to answer null:
 *  - what is stored is what was checked, even if the file changes between the passes (the old load pass read the
 *    file again: it stopped with "the file changed", or would have stored rows nobody checked);
 *  - the spool exists, mode 0600, while the rows load, and is removed after a load, a refusal and a failed insert;
 *    one left by a killed import is removed by the next.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { importFile, type ImportRequest } from '../../../src/services/import.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDir } from '../../helpers/tmp.ts';

const HEADER = 'platform,tag,metric,observed_at,value';
const rowsOf = (tag: string, values: number[]) => values.map((v, i) => `tiktok,${tag},views,2024-06-${String(i + 1).padStart(2, '0')}T00:00:00Z,${v}`);

describe('import spool: each row parsed once, stored as checked (real chDB)', () => {
  const t = tempDir('tagpulse-import-spool-');
  const spoolDir = join(t.dir, 'spool');
  let store: ClickHouseStore;
  beforeAll(async () => {
    mkdirSync(spoolDir, { recursive: true });
    store = await openClickHouseStore({ dataDir: t.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    t.cleanup();
  });
  /** The store as one that cannot stage (the other methods bound to the real store). */
  const spooling = (over: Partial<Store> = {}): Store => {
    const o: Partial<Store> = { openImportStage: async () => null, ...over };
    return new Proxy(store, { get: (s, k) => (k in o ? o[k as keyof Store] : typeof s[k as keyof Store] === 'function' ? (s[k as keyof Store] as (...a: unknown[]) => unknown).bind(s) : s[k as keyof Store]) });
  };
  const spools = () => readdirSync(spoolDir).filter((f) => f.startsWith('.import-spool-'));
  const request = (file: string, extra: Partial<ImportRequest> = {}): ImportRequest => ({ file, format: 'csv', ctx: { file: 'f.csv', importedAt: new Date().toISOString() }, batchSize: 3, spoolDir, ...extra });
  const values = async (tag: string) => (await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).map((r) => r.value);

  it('stores the rows pass 1 checked even when the file changes before pass 2; the spool is private while the rows load, then gone', async () => {
    const file = join(t.dir, 'once.csv');
    const checked = [123456701, 123456802, 123456903, 123457004, 123457105, 123457206, 123457307];
    writeFileSync(file, [HEADER, ...rowsOf('once', checked)].join('\n'));
    let rewritten = false;
    const seen: { files: string[]; mode: number }[] = [];
    const out = await importFile(spooling(), {
      ...request(file),
      onProgress: (p) => {
        if (p.phase === 'check' && p.done === p.total && !rewritten) {
          // End of pass 1: replace the file with other values and a bad row.
          writeFileSync(file, [HEADER, ...rowsOf('once', [1, 2, 3]), 'tiktok,once,views,2024-02-30T00:00:00Z,4'].join('\n'));
          rewritten = true;
        }
        if (p.phase === 'load') {
          const files = spools();
          seen.push({ files, mode: files[0] ? statSync(join(spoolDir, files[0])).mode & 0o777 : -1 });
        }
      },
    });
    expect(rewritten).toBe(true);
    expect(out).toMatchObject({ rows: 7, loaded: 7, badRows: 0, refused: [] });
    expect(await values('once')).toEqual(checked.map(String));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toEqual({ files: [expect.stringMatching(/^\.import-spool-\d+-[0-9a-f]+\.jsonl$/)], mode: 0o600 });
    expect(spools()).toEqual([]);
  }, 60_000);

  it('removes the spool after a refusal and after a failed insert; a dry run writes none', async () => {
    // A spool left by a killed import (its process is gone) is removed by the next import; a live process's is not.
    const stale = join(spoolDir, '.import-spool-999999999-abcdef.jsonl');
    const live = join(spoolDir, `.import-spool-${process.ppid}-abcdef.jsonl`);
    writeFileSync(stale, '{}\n');
    writeFileSync(live, '{}\n');
    const rounded = join(t.dir, 'rounded.csv');
    writeFileSync(rounded, [HEADER, ...rowsOf('spoolrounded', [16400000000, 16500000000, 16600000000])].join('\n'));
    const refused = await importFile(spooling(), request(rounded));
    expect(refused.refused.join(' ')).toMatch(/display-rounded/);
    expect(spools()).toEqual([live.split('/').pop()]);
    rmSync(live);
    expect(await values('spoolrounded')).toEqual([]);

    let spoolsDuringDryRun: string[] = [];
    await importFile(spooling(), { ...request(rounded), dryRun: true, onProgress: () => (spoolsDuringDryRun = spools()) });
    expect(spoolsDuringDryRun).toEqual([]);

    const file = join(t.dir, 'fails.csv');
    writeFileSync(file, [HEADER, ...rowsOf('spoolfails', [123456701, 123456802, 123456903, 123457004])].join('\n'));
    const failing = spooling({
      insertObservationLines: async () => {
        throw new Error('disk on fire');
      },
    });
    await expect(importFile(failing, request(file))).rejects.toThrow('disk on fire');
    expect(spools()).toEqual([]);
  }, 60_000);
});
