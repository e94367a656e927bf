/**
 * `tagpulse import` with bad rows, against a real chDB data dir: every bad row is reported with its line number and
 * what is wrong, the good rows still load; with --strict nothing loads. Also JSONL with nested and unsafe values.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { runImport } from '../../src/cli/commands/import.ts';
import { openClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { seriesQuery } from '../../src/store/queries.ts';
import type { Io } from '../../src/cli/common.ts';
import { tempDir } from '../helpers/tmp.ts';

function captureIo(): Io & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), isTTY: false };
}

const HEADER = 'platform,tag,metric,observed_at,value';
/** Line number → [row, what the report must say]. Rows without a message are good. */
const ROWS: [string, RegExp | null][] = [
  ['tiktok,imported,views,2024-01-01T00:00:00Z,1000', null],
  ['tiktok,imported,views,2024-01-02T00:00:00Z,12abc', /invalid value "12abc"/],
  ['tiktok,imported,views,2024-01-03T00:00:00Z,-5', /invalid value "-5"/],
  ['tiktok,imported,views,2024-01-04T00:00:00Z,18446744073709551616', /invalid value .*up to 18446744073709551615/],
  ['tiktok,"imp""orted",views,2024-01-05T00:00:00Z,5', /invalid tag .*contains "\\""/],
  ['tiktok,imported,views,yesterday,5', /invalid observed_at "yesterday"/],
  ['tiktok,imported,views,2024-01-07T00:00:00Z', /expected 5 fields, found 4/],
  ['tiktok,imported,views,2024-01-08T00:00:00Z,0', /value 0 is not stored/],
  ['tiktok,imported,views,2024-01-09T00:00:00Z,"1,5"', /invalid value "1,5"/],
  ['tiktok,imported,views,2024-01-10T00:00:00Z,"2,000"', null],
  ['tiktok,imported,views,2024-01-11T00:00:00Z,18446744073709551615', null],
];

describe('import with bad rows (real chDB)', () => {
  const t = tempDir('tagpulse-import-');
  afterAll(() => t.cleanup());

  const write = (name: string, text: string) => {
    const file = join(t.dir, name);
    writeFileSync(file, text);
    return file;
  };
  const stored = async (tag: string) => {
    const store = await openClickHouseStore({ dataDir: t.dir });
    try {
      return (await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).map((r) => r.value);
    } finally {
      await store.close();
    }
  };

  it('reports each bad row with its line number and loads the good ones', async () => {
    const file = write('mixed.csv', [HEADER, ...ROWS.map(([r]) => r)].join('\n'));
    const io = captureIo();
    const code = await runImport({ file, dataDir: t.dir, logLevel: 'silent' }, io);
    expect(code).toBe(6); // EXIT.PARTIAL (was 1, shared with runtime errors: issue 14)
    const bad = ROWS.map(([, msg], i) => ({ line: i + 2, msg })).filter((x) => x.msg);
    expect(io.errLines.filter((l) => l.startsWith(`${file}:`))).toHaveLength(bad.length);
    for (const { line, msg } of bad) expect(io.errLines.find((l) => l.startsWith(`${file}:${line}: `))).toMatch(msg!);
    expect(io.outLines.join('\n')).toMatch(/imported 3 observation\(s\).*8 bad row\(s\) skipped/);
    expect(await stored('imported')).toEqual(['1000', '2000', '18446744073709551615']);
  }, 60_000);

  it('--strict loads nothing when any row is bad, and says how to proceed', async () => {
    const file = write('strict.csv', [HEADER, 'tiktok,strictly,views,2024-01-01T00:00:00Z,1000', 'tiktok,strictly,views,2024-01-02T00:00:00Z,1e3'].join('\n'));
    const io = captureIo();
    const code = await runImport({ file, dataDir: t.dir, logLevel: 'silent', strict: true }, io);
    expect(code).toBe(5); // EXIT.REFUSED (was 2, shared with usage errors: issue 14)
    expect(io.errLines).toContainEqual(expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: invalid value "1e3"`)));
    expect(io.errLines.join('\n')).toMatch(/nothing imported: 1 bad row\(s\) and --strict is set/);
    expect(await stored('strictly')).toEqual([]);
  }, 60_000);

  it('JSONL: nested values and numbers beyond 2^53 are bad rows, not crashes or rounded numbers', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const file = write(
      'rows.jsonl',
      [
        '{"platform":"tiktok","tag":"jsonl","metric":"views","observed_at":"2024-01-01T00:00:00Z","value":"9007199254740993"}',
        '{"platform":"tiktok","tag":"jsonl","metric":"views","observed_at":"2024-01-02T00:00:00Z","value":9007199254740993}',
        `{"platform":"tiktok","tag":"jsonl","metric":"views","observed_at":"2024-01-03T00:00:00Z","value":${deep}}`,
        '{"platform":"tiktok","tag":"jsonl","metric":"views","observed_at":"2024-01-04T00:00:00Z","value":"7","note":{"x":1}}',
        '{"platform":"tiktok","tag":"jsonl","metric":"views","observed_at":"2024-01-05T00:00:00Z","value":"8"',
      ].join('\n'),
    );
    const io = captureIo();
    expect(await runImport({ file, dataDir: t.dir, logLevel: 'silent' }, io)).toBe(6); // EXIT.PARTIAL (was 1: issue 14)
    expect(io.errLines.filter((l) => l.startsWith(`${file}:`))).toEqual([
      `${file}:2: value is a JSON number beyond 2^53 and may have lost precision: write it as a string`,
      `${file}:3: value must be a string, a number or a boolean, not an object or array`,
      `${file}:4: note must be a string, a number or a boolean, not an object or array`,
      `${file}:5: not valid JSON`,
    ]);
    expect(await stored('jsonl')).toEqual(['9007199254740993']);
  }, 60_000);
});
