/**
 * canonicalInstant (util/time.ts) skips the Date round trip for text already in toISOString's shape. It must give
 * exactly what `new Date(s).toISOString()` gives, for every input the stored rows and jobs can carry: canonical text,
 * text with offsets or without milliseconds, and canonical-looking text whose fields are out of range (which Date rolls
 * over or refuses).
 */
import { describe, expect, it } from 'vitest';
import { canonicalInstant } from '../../../src/util/time.ts';

const pad = (n: number, w: number) => String(n).padStart(w, '0');
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const viaDate = (s: string): string | Error => {
  try {
    return new Date(s).toISOString();
  } catch (e) {
    return e as Error;
  }
};
const viaFast = (s: string): string | Error => {
  try {
    return canonicalInstant(s);
  } catch (e) {
    return e as Error;
  }
};

describe('canonicalInstant = new Date(s).toISOString()', () => {
  it('on 20,000 random canonical-shaped strings, in and out of range (months 00–13, days 00–32, hours 00–25, leap years)', () => {
    const r = rng(20261205);
    const years = [0, 1900, 1999, 2000, 2023, 2024, 2100, 2299, 2400, 9999];
    for (let i = 0; i < 20_000; i++) {
      const y = r() < 0.5 ? years[Math.floor(r() * years.length)]! : 1900 + Math.floor(r() * 400);
      const s = `${pad(y, 4)}-${pad(Math.floor(r() * 14), 2)}-${pad(Math.floor(r() * 33), 2)}T${pad(Math.floor(r() * 26), 2)}:${pad(Math.floor(r() * 61), 2)}:${pad(Math.floor(r() * 61), 2)}.${pad(Math.floor(r() * 1000), 3)}Z`;
      const want = viaDate(s);
      const got = viaFast(s);
      if (want instanceof Error) expect(got, s).toBeInstanceOf(RangeError);
      else expect(got, s).toBe(want);
    }
  });

  it('on the edges and on other ISO spellings', () => {
    const cases = [
      '2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z', '2024-12-31T24:00:00.000Z', '2024-01-01T00:60:00.000Z', '2024-01-01T00:00:60.000Z',
      '2024-00-10T00:00:00.000Z', '2024-13-10T00:00:00.000Z', '2024-01-00T00:00:00.000Z',
      '2024-09-10T12:00:00Z', '2024-09-10T12:00:00.5Z', '2024-09-10T14:00:00.000+02:00', '2024-09-10T12:00:00.000-00:30',
    ];
    for (const s of cases) {
      const want = viaDate(s);
      if (want instanceof Error) expect(viaFast(s), s).toBeInstanceOf(RangeError);
      else expect(viaFast(s), s).toBe(want);
    }
  });
});
