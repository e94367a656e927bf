import { describe, expect, it } from 'vitest';
import { compareSeries } from '../../../src/analytics/index.ts';
import { DAY, HOUR, T0, exactPoints, irregularTimes, rng } from './helpers.ts';

const a = exactPoints((t) => 1000 + 10 * ((t - T0) / HOUR), irregularTimes(rng(1), T0, T0 + DAY, 0.2 * HOUR, 1.2 * HOUR));
const b = exactPoints((t) => 5000 + 50 * ((t - T0) / HOUR), irregularTimes(rng(2), T0 + 6 * HOUR, T0 + 2 * DAY, 0.2 * HOUR, 1.2 * HOUR));
const series = [
  { key: 'a', points: a },
  { key: 'b', points: b },
];

describe('compareSeries', () => {
  it('aligns series on a common grid (linear), null outside each series', () => {
    const r = compareSeries(series, { scale: 'linear', stepMs: 6 * HOUR });
    expect(r.rows.map((x) => x.t)).toEqual(Array.from({ length: 9 }, (_, i) => new Date(T0 + i * 6 * HOUR).toISOString()));
    expect(r.rows[0]!.values).toEqual({ a: 1000, b: null });
    // samples are integers, so interpolated values are within 1 of the truth
    expect(Math.abs(r.rows[1]!.values.a! - 1060)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.rows[1]!.values.b! - 5300)).toBeLessThanOrEqual(1);
    expect(r.rows[8]!.values).toEqual({ a: null, b: 5000 + 50 * 48 });
  });

  it('log scale is log10 of the counter', () => {
    const r = compareSeries(series, { scale: 'log', stepMs: 6 * HOUR });
    expect(r.rows[0]!.values.a).toBeCloseTo(3, 12);
  });

  it('indexed = 100 × C(t)/C(indexAt), default base where all series have data', () => {
    const r = compareSeries(series, { scale: 'indexed', stepMs: 6 * HOUR });
    expect(r.indexAt).toBe(new Date(T0 + 6 * HOUR).toISOString());
    expect(r.rows[1]!.values).toEqual({ a: expect.closeTo(100, 9), b: expect.closeTo(100, 9) });
    expect(r.rows[2]!.values.a! / ((100 * 1120) / 1060)).toBeCloseTo(1, 3);
    expect(r.rows[2]!.values.b! / ((100 * 5600) / 5300)).toBeCloseTo(1, 3);
    const at = compareSeries(series, { scale: 'indexed', stepMs: 6 * HOUR, indexAt: T0 + 12 * HOUR });
    expect(at.indexAt).toBe(new Date(T0 + 12 * HOUR).toISOString());
    expect(at.rows[2]!.values.b).toBeCloseTo(100, 9);
    expect(at.rows[1]!.values.b! / ((100 * 5300) / 5600)).toBeCloseTo(1, 3);
  });

  it('rejects duplicate keys and bad steps', () => {
    expect(() => compareSeries([series[0]!, series[0]!], { scale: 'linear', stepMs: HOUR })).toThrow();
    expect(() => compareSeries(series, { scale: 'linear', stepMs: 0 })).toThrow();
  });
});
