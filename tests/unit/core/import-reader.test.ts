/**
 * Issue 10, finding 4 (the CSV reader) and the display-rounding rule, without a store: the csv-parse reader gives each
 * record the line it starts on (quoted line breaks, blank lines, CRLF), stops at an unterminated quote or at
 * characters after a closing quote with that line, refuses invalid UTF-8 with its line unless an encoding is named,
 * and RoundingCheck flags display-rounded series by the documented rule (docs/collectors.md, "Import").
 */
import { describe, it, expect } from 'vitest';
import { parseImport, RoundingCheck, ROUNDING_EVIDENCE_DIGITS, type ImportItem } from '../../../src/importers/series-import.ts';
import { progressBar, etaSuffix, formatPerSecond } from '../../../src/cli/progress.ts';

const ctx = { file: 'x.csv', importedAt: '2026-01-01T00:00:00.000Z' };
const H = 'platform,tag,metric,observed_at,value,note';
const r = (day: number, value: string | number, note = '') => `tiktok,t,views,2024-01-${String(day).padStart(2, '0')}T00:00:00Z,${value},${note}`;

describe('CSV reader', () => {
  it('numbers records by the line they start on: quoted line breaks, blank lines, CRLF', async () => {
    const text = [H, r(1, 11, '"two\nlines"'), '', r(2, 12), r(3, 'bad'), '', '', r(4, 14)].join('\r\n');
    const res = await parseImport(text, 'csv', ctx);
    expect(res.observations.map((o) => [o.value, o.note])).toEqual([
      ['11', 'two\nlines'],
      ['12', ''],
      ['14', ''],
    ]);
    expect(res.errors).toEqual([{ line: 6, message: expect.stringMatching(/invalid value "bad"/) }]);
  });

  it('an unterminated quote stops the file at the line it opens on; nothing after it is read as data', async () => {
    const res = await parseImport([H, r(1, 11), r(2, 12, '"unterminated'), r(3, 13), r(4, 14)].join('\n'), 'csv', ctx);
    expect(res.fileError).toEqual({ line: 3, message: expect.stringMatching(/quoted field starts on this line and is never closed/) });
    expect(res.observations.map((o) => o.value)).toEqual(['11']); // read before the defect; the CLI stores nothing of such a file
  });

  it('"b"x (characters after a closing quote) stops the file at its line instead of becoming bx', async () => {
    const res = await parseImport([H, r(1, 11), r(2, 12, '"b"x'), r(3, 13)].join('\n'), 'csv', ctx);
    expect(res.fileError).toEqual({ line: 3, message: expect.stringMatching(/quoted field is followed by other characters/) });
    expect(res.observations.some((o) => o.note === 'bx')).toBe(false);
  });

  it('invalid UTF-8 stops the file at its line; the named encoding reads it', async () => {
    const bytes = Buffer.from(`${H}\n${r(1, 11, 'ok')}\n${r(2, 12, 'caf\u00e9')}\n`, 'latin1');
    const res = await parseImport(bytes, 'csv', ctx);
    expect(res.fileError).toEqual({ line: 3, message: expect.stringMatching(/not valid UTF-8 \(byte 0xE9.*--encoding latin1/) });
    expect(res.observations.map((o) => o.note)).not.toContain('caf\ufffd');
    const latin = await parseImport(bytes, 'csv', ctx, { encoding: 'latin1' });
    expect(latin.errors).toEqual([]);
    expect(latin.observations.map((o) => o.note)).toEqual(['ok', 'café']);
  });

  it('a UTF-8 character split across read chunks is not an error', async () => {
    const { utf8Chunks } = await import('../../../src/importers/csv.ts');
    const whole = Buffer.from('é€😀 ok\n');
    const pieces = Array.from(whole, (b) => Buffer.from([b])); // one byte per chunk
    const out: Buffer[] = [];
    for await (const c of utf8Chunks((async function* () { yield* pieces; })())) out.push(c);
    expect(Buffer.concat(out).toString('utf8')).toBe('é€😀 ok\n');
  });

  it('two rows of one series at one time are a bad row naming the first', async () => {
    const res = await parseImport([H, r(1, 11), r(1, 12)].join('\n'), 'csv', ctx);
    expect(res.errors).toEqual([{ line: 3, message: expect.stringMatching(/same platform, tag, metric, source and observed_at as line 2/) }]);
  });
});

describe('display-rounding rule', () => {
  const items = (values: string[], assumedExact = true): ImportItem[] =>
    values.map((value, i) => ({
      line: i + 2,
      ok: true,
      assumedExact,
      obs: { platform: 'tiktok', tag: 't', metric: 'views', observedAt: `2024-01-01T0${i % 10}:00:00.000Z`, value, exact: true, step: '0', precision: 'exact', source: 'import', method: 'import', collectorVersion: 'x', slot: '2024-01-01T00:00:00.000Z', fetchedAt: '2024-01-01T00:00:00.000Z', provenance: '', note: '', timePrecision: 'instant' },
    }));
  const flagged = (values: string[], assumedExact = true) => {
    const c = new RoundingCheck();
    for (const it of items(values, assumedExact)) c.add(it);
    return c.findings();
  };

  it('flags d·k ≥ 15: three distinct multiples of 10^5, two of 10^8, eight of 100', () => {
    expect(ROUNDING_EVIDENCE_DIGITS).toBe(15);
    expect(flagged(['1200000', '1300000', '1300000', '1400000'])).toEqual([{ platform: 'tiktok', tag: 't', metric: 'views', rows: 4, distinct: 3, zeros: 5, longestRun: 2, firstLine: 2 }]);
    expect(flagged(['16400000000', '16500000000'])).toHaveLength(1);
    expect(flagged(['124500', '124600', '124700', '124800', '124900', '125000', '125100', '125200'])).toHaveLength(1);
  });

  it('does not flag exact-looking or too-thin evidence, a repeating exact counter, or rows that state their precision', () => {
    expect(flagged(['16400000000'])).toEqual([]); // one value: 10^-8 chance, below the bar
    expect(flagged(['1200000', '1300000'])).toEqual([]); // 2·5 = 10 < 15
    expect(flagged(['124500', '124600', '124700'])).toEqual([]);
    expect(flagged(Array(50).fill('1000000'))).toEqual([]); // a dead tag: one distinct value
    expect(flagged(['1200000', '1300000', '1400001'])).toEqual([]); // one value not a multiple
    expect(flagged(['1200000', '1300000', '1400000'], false)).toEqual([]); // precision given
  });
});

describe('progress line pieces', () => {
  it('bar, ETA and rate', () => {
    expect(progressBar(5, 10, 10)).toBe('[#####-----]');
    expect(progressBar(0, 0, 4)).toBe('[####]');
    expect(etaSuffix(20, 40, 30_000)).toBe(' · ETA 30s');
    expect(etaSuffix(40, 40, 30_000)).toBe('');
    expect(formatPerSecond(23_456, 'rows')).toBe('23.5k rows/s');
    expect(formatPerSecond(0, 'rows')).toBe('— rows/s');
  });
});
