/**
 * fromChTime (src/store/time.ts) maps ClickHouse's DateTime64/DateTime text to ISO by slicing, without a Date round
 * trip (the series read converts three times per row). Why this test: the fast path must give exactly what the Date
 * round trip gave, for every text ClickHouse prints and for the odd texts that still go through Date.
 */
import { describe, expect, it } from 'vitest';
import { fromChTime } from '../../../src/store/time.ts';

/** The conversion before the fast path, verbatim. */
function viaDate(s: string): string {
  if (/Z$|[+-]\d\d:?\d\d$/.test(s)) return new Date(s).toISOString();
  return new Date(s.replace(' ', 'T') + 'Z').toISOString();
}
const outcome = (f: (s: string) => string, s: string): string => {
  try {
    return f(s);
  } catch (e) {
    return `throws ${(e as Error).name}`;
  }
};

describe('fromChTime', () => {
  it('equals the Date round trip on 20,000 random ClickHouse times (1900–2299, with and without milliseconds)', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const lo = Date.UTC(1900, 0, 1);
    const hi = Date.UTC(2299, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(lo + rnd() * (hi - lo));
      const iso = new Date(ms).toISOString();
      const ch = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
      expect(fromChTime(ch)).toBe(iso);
      expect(fromChTime(ch)).toBe(viaDate(ch));
      expect(fromChTime(ch.slice(0, 19))).toBe(viaDate(ch.slice(0, 19)));
    }
  });

  it('keeps the Date behaviour on edge texts: leap days, days past the month, out-of-range fields, zones', () => {
    const texts = [
      '2000-02-29 00:00:00.000', '2024-02-29 23:59:59.999', '1900-02-29 00:00:00.000', '2023-02-29 12:00:00', '2024-02-30 00:00:00.000',
      '2024-04-31 00:00:00.000', '2024-12-31 23:59:59.999', '1970-01-01 00:00:00.000', '1970-01-01 00:00:00', '2299-12-31 00:00:00.000',
      '2024-13-01 00:00:00.000', '2024-01-01 24:00:00.000', '2024-01-01 00:60:00.000', '2024-00-10 00:00:00', '2024-01-01T00:00:00.000Z',
      '2024-01-01 00:00:00.000+02:00', '2024-01-01 00:00:00.5', 'not a time',
    ];
    for (const s of texts) expect(outcome(fromChTime, s), s).toBe(outcome(viaDate, s));
  });
});
