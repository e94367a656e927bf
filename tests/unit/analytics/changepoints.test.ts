import { describe, expect, it } from 'vitest';
import { cleanSeries, detectChangePoints, normalMeanCost, normalMeanSlopeCost, pelt } from '../../../src/analytics/index.ts';
import type { SeriesPoint } from '../../../src/analytics/index.ts';
import { DAY, HOUR, T0, exactPoints, gauss, irregularTimes, rng } from './helpers.ts';

/** Counter whose velocity (per hour) is rate(t), integrated between irregular samples, × lognormal noise. */
function integrate(rate: (t: number) => number, times: readonly number[], noise: number, seed: number): SeriesPoint[] {
  const r = rng(seed);
  let c = 5e9;
  let prev = times[0]!;
  return times.map((t) => {
    // midpoint rule on 1-minute steps is plenty for these smooth/step rates
    let inc = 0;
    for (let u = prev; u < t; u += 60_000) inc += (rate(u + Math.min(60_000, t - u) / 2) * Math.min(60_000, t - u)) / HOUR;
    c += inc * Math.exp(noise * gauss(r));
    prev = t;
    return { t, value: BigInt(Math.round(c)), precision: 'exact', step: 0n };
  });
}

describe('pelt', () => {
  it('finds the exact mean-shift location with the normal mean cost', () => {
    const r = rng(4);
    const y = Array.from({ length: 120 }, (_, i) => (i < 70 ? 0 : 2) + 0.1 * gauss(r));
    const cps = pelt(y.length, normalMeanCost(y, 0.1), 2 * Math.log(y.length), 3);
    expect(cps).toEqual([70]);
  });

  it('returns no change for pure noise and several for several shifts', () => {
    const r = rng(5);
    const noise = Array.from({ length: 200 }, () => 0.1 * gauss(r));
    expect(pelt(noise.length, normalMeanCost(noise, 0.1), 2 * Math.log(200), 3)).toEqual([]);
    const y = noise.map((e, i) => e + (i < 50 ? 0 : i < 120 ? 1 : -1));
    expect(pelt(y.length, normalMeanCost(y, 0.1), 2 * Math.log(200), 3)).toEqual([50, 120]);
  });

  it('the mean-and-slope cost treats a straight line as one segment and finds a kink', () => {
    const line = Array.from({ length: 100 }, (_, i) => 0.05 * i);
    expect(pelt(100, normalMeanSlopeCost(line, 0.05), 3 * Math.log(100), 3)).toEqual([]);
    const kink = Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : 0.1 * (i - 60)));
    const cps = pelt(100, normalMeanSlopeCost(kink, 0.05), 3 * Math.log(100), 3);
    expect(cps.length).toBeGreaterThanOrEqual(1);
    expect(Math.min(...cps.map((c) => Math.abs(c - 60)))).toBeLessThanOrEqual(2);
  });
});

describe('detectChangePoints', () => {
  const times = irregularTimes(rng(1), T0, T0 + 14 * DAY, 0.3 * HOUR, 1.7 * HOUR);
  const tc = T0 + 8 * DAY + 5 * HOUR;

  it('finds a jump of the velocity within a few hours, with segment means', () => {
    for (const [seed, noise] of [
      [3, 0.1],
      [4, 0.3],
    ] as const) {
      const pts = integrate((t) => (t < tc ? 1e6 : 4e6), times, noise, seed);
      const s = cleanSeries(pts).adjusted;
      for (const cost of ['meanSlope', 'mean'] as const) {
        const cps = detectChangePoints(s, { cost });
        expect(cps.length).toBeGreaterThanOrEqual(1);
        expect(cps.length).toBeLessThanOrEqual(2);
        const nearest = cps.reduce((a, b) => (Math.abs(Date.parse(b.at) - tc) < Math.abs(Date.parse(a.at) - tc) ? b : a));
        expect(Math.abs(Date.parse(nearest.at) - tc)).toBeLessThanOrEqual(4 * HOUR);
        expect(cps[0]!.before / 1e6).toBeGreaterThan(0.85);
        expect(cps[0]!.before / 1e6).toBeLessThan(1.15);
        expect(cps[cps.length - 1]!.after / 4e6).toBeGreaterThan(0.85);
        expect(cps[cps.length - 1]!.after / 4e6).toBeLessThan(1.15);
      }
    }
  });

  it('finds a change of growth rate (flat, then doubling every day)', () => {
    const pts = integrate((t) => (t < tc ? 1e6 : 1e6 * Math.pow(2, (t - tc) / DAY)), times, 0.1, 9);
    const cps = detectChangePoints(cleanSeries(pts).adjusted);
    expect(cps.length).toBeGreaterThanOrEqual(1);
    expect(Math.min(...cps.map((c) => Math.abs(Date.parse(c.at) - tc)))).toBeLessThanOrEqual(6 * HOUR);
  });

  it('reports no change for steady exponential growth or a constant noisy velocity', () => {
    const expo = exactPoints((t) => 1.5e9 * Math.pow(2, (t - T0) / (3 * DAY)), times);
    expect(detectChangePoints(cleanSeries(expo).adjusted)).toEqual([]);
    for (const seed of [6, 7, 8]) {
      const pts = integrate(() => 1e6, times, 0.2, seed);
      expect(detectChangePoints(cleanSeries(pts).adjusted)).toEqual([]);
    }
  });

  it('bounds the work on long series by coarsening the grid', () => {
    const long = irregularTimes(rng(2), T0, T0 + 400 * DAY, 0.5 * HOUR, 1.5 * HOUR);
    const tk = T0 + 200 * DAY;
    const h = (t: number) => (t - T0) / HOUR;
    const pts = exactPoints((t) => 1e9 + 1e5 * Math.min(h(t), h(tk)) + 5e5 * Math.max(0, h(t) - h(tk)), long);
    const s = cleanSeries(pts).adjusted;
    const started = performance.now();
    const cps = detectChangePoints(s); // 9600 hours → coarsened to ≤ 1000 bins (12 h)
    expect(performance.now() - started).toBeLessThan(3000);
    expect(cps).toHaveLength(1);
    expect(Math.abs(Date.parse(cps[0]!.at) - tk)).toBeLessThanOrEqual(DAY);
    expect(cps[0]!.before).toBeCloseTo(1e5, -2);
    expect(cps[0]!.after).toBeCloseTo(5e5, -2);
  });
});
