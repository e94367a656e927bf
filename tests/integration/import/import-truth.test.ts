/**
 * Issue 10, findings 3 and 4, through `tagpulse import` on a real chDB data dir:
 *  - bad dates (2024-02-30, `1`, `Jan 5 2024`, `2024/01/07 00:00`) are bad rows with their line, never misread dates;
 *  - Latin-1 bytes refuse the file with their line, unless --encoding names it;
 *  - an unterminated quote and a stray character after a closing quote refuse the file with their line;
 *  - display-rounded values without exact/step columns are refused with advice; --step and --assume-exact decide;
 *  - re-importing the same file adds no rows; different values at the same keys need --replace, which names them.
 * Each refusal stores nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { runImport, type ImportOptions } from '../../../src/cli/commands/import.ts';
import { openClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { rawCountQuery, seriesQuery } from '../../../src/store/queries.ts';
import type { Io } from '../../../src/cli/common.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { EXIT } from '../../../src/cli/exit-codes.ts';

function captureIo(): Io & { outLines: string[]; errLines: string[]; all: () => string } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), isTTY: false, all: () => [...errLines, ...outLines].join('\n') };
}

const HEADER = 'platform,tag,metric,observed_at,value';

describe('import: times, encoding, CSV structure, rounding, idempotence (real chDB)', () => {
  const t = tempDir('tagpulse-import-truth-');
  afterAll(() => t.cleanup());
  let n = 0;
  const write = (text: string | Buffer, ext = 'csv') => {
    const file = join(t.dir, `f${++n}.${ext}`);
    writeFileSync(file, text);
    return file;
  };
  const run = async (file: string, extra: Partial<ImportOptions> = {}) => {
    const io = captureIo();
    const code = await runImport({ file, dataDir: t.dir, logLevel: 'silent', ...extra }, io);
    return { code, io };
  };
  const withStore = async <T>(fn: (s: Awaited<ReturnType<typeof openClickHouseStore>>) => Promise<T>): Promise<T> => {
    const store = await openClickHouseStore({ dataDir: t.dir });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const stored = (tag: string, metric = 'views') => withStore(async (s) => (await s.run(seriesQuery, { platform: 'tiktok', tag, metric })).map((r) => ({ at: r.observed_at, value: r.value, precision: r.precision, step: r.step, note: r.note })));
  const rawRows = (tag: string) => withStore(async (s) => Number((await s.run(rawCountQuery, { platform: 'tiktok', tag }))[0]?.rows ?? 0));

  it('bad dates are bad rows with their line and an example of the accepted form; the good rows load at the right time', async () => {
    const file = write(
      [
        HEADER,
        'tiktok,dates,views,2024-02-30T00:00:00Z,101',
        'tiktok,dates,views,1,102',
        'tiktok,dates,views,Jan 5 2024,103',
        'tiktok,dates,views,2024/01/07 00:00,104',
        'tiktok,dates,views,+275760-09-13T00:00:00Z,105',
        'tiktok,dates,views,2024-01-08 00:00:00,106',
        'tiktok,dates,views,2024-01-09T00:00,107',
      ].join('\n'),
    );
    const { code, io } = await run(file);
    expect(code).toBe(EXIT.PARTIAL);
    const bad = io.errLines.filter((l) => l.startsWith(`${file}:`));
    expect(bad).toHaveLength(5);
    expect(bad[0]).toMatch(new RegExp(`^${escape(file)}:2: invalid observed_at "2024-02-30T00:00:00Z".*no such date.*2024-09-10T12:00:00Z`));
    expect(bad[1]).toMatch(/:3: invalid observed_at "1".*bare number/);
    expect(bad[2]).toMatch(/:4: invalid observed_at "Jan 5 2024".*not an ISO 8601 time: use 2024-09-10/);
    expect(bad[3]).toMatch(/:5: invalid observed_at "2024\/01\/07 00:00".*not an ISO 8601 time/);
    expect(bad[4]).toMatch(/:6: invalid observed_at "\+275760-09-13T00:00:00Z".*year outside/);
    expect(io.outLines.join('\n')).toMatch(/imported 2 observation\(s\).*5 bad row\(s\) skipped/);
    expect((await stored('dates')).map((r) => [r.at, r.value])).toEqual([
      ['2024-01-08T00:00:00.000Z', '106'],
      ['2024-01-09T00:00:00.000Z', '107'],
    ]);
  }, 60_000);

  it('Latin-1 bytes in a note refuse the file with their line (never U+FFFD); --encoding latin1 reads them', async () => {
    // "café crème" in Latin-1: é is the single byte 0xE9, è 0xE8 (invalid in UTF-8).
    const text = Buffer.from(`${HEADER},note\ntiktok,latin,views,2024-01-01T00:00:00Z,123,plain\ntiktok,latin,views,2024-01-02T00:00:00Z,124,caf\u00e9 cr\u00e8me\n`, 'latin1');
    const file = write(text);
    const refused = await run(file);
    expect(refused.code).toBe(EXIT.REFUSED);
    expect(refused.io.all()).toMatch(/nothing imported: line 3: is not valid UTF-8 \(byte 0xE9 .*--encoding latin1/);
    expect(await stored('latin')).toEqual([]);
    const ok = await run(file, { encoding: 'latin1' });
    expect(ok.code).toBe(0);
    expect((await stored('latin')).map((r) => r.note)).toEqual(['plain', 'café crème']);
    await expect(run(file, { encoding: 'klingon' })).rejects.toThrow(/unknown encoding "klingon": use a name such as utf-8, latin1/);
  }, 60_000);

  it('an unterminated quote refuses the file with the line it starts on; nothing is swallowed or stored', async () => {
    const file = write([HEADER + ',note', 'tiktok,quotes,views,2024-01-01T00:00:00Z,11,fine', 'tiktok,quotes,views,2024-01-02T00:00:00Z,12,"unterminated', 'tiktok,quotes,views,2024-01-03T00:00:00Z,13,b', 'tiktok,quotes,views,2024-01-04T00:00:00Z,14,c'].join('\n'));
    const { code, io } = await run(file);
    expect(code).toBe(EXIT.REFUSED);
    expect(io.all()).toMatch(/nothing imported: line 3: a quoted field starts on this line and is never closed/);
    expect(await stored('quotes')).toEqual([]);
  }, 60_000);

  it('a stray character after a closing quote ("b"x) refuses the file with its line', async () => {
    const file = write([HEADER + ',note', 'tiktok,stray,views,2024-01-01T00:00:00Z,21,ok', 'tiktok,stray,views,2024-01-02T00:00:00Z,22,"b"x', 'tiktok,stray,views,2024-01-03T00:00:00Z,23,ok'].join('\n'));
    const { code, io } = await run(file);
    expect(code).toBe(EXIT.REFUSED);
    expect(io.all()).toMatch(/nothing imported: line 3: a quoted field is followed by other characters/);
    expect(await stored('stray')).toEqual([]);
  }, 60_000);

  const ROUNDED = [HEADER, ...['16400000000', '16400000000', '16400000000', '16500000000', '16500000000', '16600000000'].map((v, i) => `tiktok,rounded,views,2024-01-0${i + 1}T00:00:00Z,${v}`)].join('\n');

  it('display-rounded values without exact/step columns are refused with advice; nothing is stored', async () => {
    const file = write(ROUNDED);
    const { code, io } = await run(file);
    expect(code).toBe(EXIT.REFUSED);
    expect(io.all()).toMatch(/nothing imported: 1 series look display-rounded .*tiktok #rounded views \(from line 2: 6 row\(s\), 3 distinct value\(s\), all multiples of 100000000, the same value up to 3 rows in a row\).*--step N.*--assume-exact/);
    expect(await stored('rounded')).toEqual([]);
    const dry = await run(file, { dryRun: true });
    expect(dry.code).toBe(EXIT.REFUSED);
  }, 60_000);

  it('--step stores them as rounded with that step; --assume-exact as exact (and says so)', async () => {
    const file = write(ROUNDED);
    const stepped = await run(file, { step: '100000000' });
    expect(stepped.code).toBe(0);
    expect((await stored('rounded')).map((r) => [r.value, r.precision, r.step])).toEqual(
      ['16400000000', '16400000000', '16400000000', '16500000000', '16500000000', '16600000000'].map((v) => [v, 'rounded', '100000000']),
    );
    const exactFile = write(ROUNDED.replaceAll(',rounded,', ',roundedexact,'));
    const exact = await run(exactFile, { assumeExact: true });
    expect(exact.code).toBe(0);
    expect(exact.io.all()).toMatch(/6 row\(s\) had no exact\/step\/precision column and were stored as exact counts/);
    expect((await stored('roundedexact')).every((r) => r.precision === 'exact')).toBe(true);
    const notMultiple = await run(write(`${HEADER}\ntiktok,notmult,views,2024-01-01T00:00:00Z,16412345678`), { step: '100000000' });
    expect(notMultiple.io.all()).toMatch(/:2: value 16412345678 is not a multiple of --step 100000000/);
  }, 60_000);

  it('an exact series that merely repeats (a dead tag) is not taken for a rounded one', async () => {
    const file = write([HEADER, ...Array.from({ length: 20 }, (_, i) => `tiktok,deadtag,views,2024-02-${String(i + 1).padStart(2, '0')}T00:00:00Z,1000000`)].join('\n'));
    const { code } = await run(file);
    expect(code).toBe(0);
    expect(await stored('deadtag')).toHaveLength(20);
  }, 60_000);

  it('re-importing the same file adds no rows; changed values of that file need --replace, which names them', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `tiktok,again,views,2024-03-${String(i + 1).padStart(2, '0')}T00:00:00Z,${123456789 + i * 1000 + 7}`);
    const file = write([HEADER, ...rows].join('\n'));
    expect((await run(file)).code).toBe(0);
    expect(await rawRows('again')).toBe(30);

    const again = await run(file);
    expect(again.code).toBe(0);
    expect(again.io.outLines.join('\n')).toMatch(/imported 0 observation\(s\).*30 already stored by an earlier import/);
    expect(await rawRows('again')).toBe(30);

    // The same file, corrected: two values changed, one row added.
    const changed = [...rows];
    changed[4] = 'tiktok,again,views,2024-03-05T00:00:00Z,1';
    changed[9] = 'tiktok,again,views,2024-03-10T00:00:00Z,2';
    writeFileSync(file, [HEADER, ...changed, 'tiktok,again,views,2024-04-01T00:00:00Z,999999937'].join('\n'));
    const refused = await run(file);
    expect(refused.code).toBe(EXIT.REFUSED);
    expect(refused.io.all()).toMatch(/2 row\(s\) would replace a different value from an earlier import:/);
    expect(refused.io.all()).toMatch(new RegExp(`${escape(file)}:6: tiktok #again views at 2024-03-05T00:00:00.000Z: 123,460,796 → 1 \\(was from f\\d+\\.csv\\)`));
    expect(refused.io.all()).toMatch(/nothing imported: 2 row\(s\) would replace .*--replace/);
    expect(await rawRows('again')).toBe(30);

    const replaced = await run(file, { replace: true });
    expect(replaced.code).toBe(0);
    expect(replaced.io.all()).toMatch(/2 row\(s\) replaced a different value from an earlier import:/);
    expect(replaced.io.outLines.join('\n')).toMatch(/imported 3 observation\(s\).*28 already stored.*2 replaced earlier imported value\(s\)/);
    const after = await stored('again');
    expect(after).toHaveLength(31);
    expect(after.find((r) => r.at === '2024-03-05T00:00:00.000Z')?.value).toBe('1');
    expect(after.find((r) => r.at === '2024-03-10T00:00:00.000Z')?.value).toBe('2');

    // Another file with the same rows adds nothing.
    const copy = write([HEADER, ...changed].join('\n'));
    const copied = await run(copy);
    expect(copied.io.outLines.join('\n')).toMatch(/imported 0 observation\(s\).*30 already stored/);
  }, 120_000);

  it('a differently named file with another value at an imported instant is a replacement: refused without --replace, then named and stored', async () => {
    // Issue 10 follow-up. Every import has the origin 'import' (README data model), so two files' values at one instant
    // are one identity and the latest write wins: before, the second file was counted as "both kept" and its value
    // silently replaced the first one's in every FINAL read.
    const first = write([HEADER, 'tiktok,twofiles,views,2024-05-01T00:00:00Z,500000017', 'tiktok,twofiles,views,2024-05-02T00:00:00Z,500100023'].join('\n'));
    expect((await run(first)).code).toBe(0);
    const firstName = first.split('/').pop()!;
    const press = write([HEADER, 'tiktok,twofiles,views,2024-05-02T00:00:00Z,500200029', 'tiktok,twofiles,views,2024-05-03T00:00:00Z,500300031'].join('\n'));

    const refused = await run(press);
    expect(refused.code).toBe(EXIT.REFUSED);
    expect(refused.io.all()).toMatch(new RegExp(`${escape(press)}:2: tiktok #twofiles views at 2024-05-02T00:00:00.000Z: 500,100,023 → 500,200,029 \\(was from ${escape(firstName)}\\)`));
    expect(refused.io.all()).toMatch(/nothing imported: 1 row\(s\) would replace .*--replace/);
    expect((await stored('twofiles')).map((r) => r.value)).toEqual(['500000017', '500100023']);

    const replaced = await run(press, { replace: true });
    expect(replaced.code).toBe(0);
    expect(replaced.io.all()).toMatch(new RegExp(`1 row\\(s\\) replaced a different value from an earlier import:\\n  ${escape(press)}:2: .*500,100,023 → 500,200,029 \\(was from ${escape(firstName)}\\)`));
    expect(replaced.io.outLines.join('\n')).toMatch(/imported 2 observation\(s\).*1 replaced earlier imported value/);
    const after = await stored('twofiles');
    expect(after.map((r) => [r.at, r.value])).toEqual([
      ['2024-05-01T00:00:00.000Z', '500000017'],
      ['2024-05-02T00:00:00.000Z', '500200029'],
      ['2024-05-03T00:00:00.000Z', '500300031'],
    ]);
    // Importing the first file again is again a replacement (it would undo the correction), not a silent re-import.
    expect((await run(first)).code).toBe(EXIT.REFUSED);
  }, 120_000);

  it('--dry-run compares with the store and stores nothing', async () => {
    const file = write([HEADER, 'tiktok,dry,views,2024-01-01T00:00:00Z,123456789'].join('\n'));
    const dry = await run(file, { dryRun: true });
    expect(dry.code).toBe(0);
    expect(dry.io.outLines).toEqual([`would import 1 observation(s) from ${file} (csv)`]);
    expect(await stored('dry')).toEqual([]);
  }, 60_000);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
