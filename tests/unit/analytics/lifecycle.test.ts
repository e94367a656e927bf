import { describe, expect, it } from 'vitest';
import { cleanSeries, computeReport, fitLifecycle, peakObserved } from '../../../src/analytics/index.ts';
import type { SeriesPoint } from '../../../src/analytics/index.ts';
import { DAY, HOUR, T0, exactPoints, gauss, irregularTimes, rng, roundedPoints } from './helpers.ts';

const BASE = 2e6;
const K = 5e8;
const PEAK = T0 + 5 * DAY;
/** Logistic: peak velocity at PEAK, rate 1/day, saturation BASE + K. */
const logistic = (t: number) => BASE + K / (1 + Math.exp(-(t - PEAK) / DAY));
/** Gompertz K·exp(−e^{−r(t−m)}) with inflection at PEAK, rate 0.8/day. */
const gompertz = (t: number) => BASE + K * Math.exp(-Math.exp(-0.8 * (t - PEAK) / DAY));

const times = irregularTimes(rng(21), T0, T0 + 11 * DAY, 0.3 * HOUR, 1.7 * HOUR);

/** Monotone noisy version: multiplicative noise on the increments of f. */
function noisy(f: (t: number) => number, seed: number, sd: number): SeriesPoint[] {
  const r = rng(seed);
  let c = f(times[0]!);
  return times.map((t, i) => {
    if (i > 0) c += (f(t) - f(times[i - 1]!)) * Math.exp(sd * gauss(r));
    return { t, value: BigInt(Math.round(c)), precision: 'exact', step: 0n };
  });
}

describe('fitLifecycle', () => {
  it('recovers the peak and saturation of a logistic once the peak is visible', () => {
    const lc = fitLifecycle(cleanSeries(exactPoints(logistic, times)).adjusted)!;
    expect(lc).not.toBeNull();
    expect(lc.model).toBe('logistic');
    expect(Math.abs(Date.parse(lc.peakAt) - PEAK)).toBeLessThan(HOUR);
    expect(Math.abs(Number(lc.saturation) / (BASE + K) - 1)).toBeLessThan(0.005);
    expect(lc.provisional).toBe(true);
    expect(lc.label).toBe('provisional');
    expect(Date.parse(lc.peakAtLow)).toBeLessThanOrEqual(Date.parse(lc.peakAt));
    expect(Date.parse(lc.peakAtHigh)).toBeGreaterThanOrEqual(Date.parse(lc.peakAt));
    expect(BigInt(lc.saturationLow) <= BigInt(lc.saturation)).toBe(true);
    expect(BigInt(lc.saturationHigh) >= BigInt(lc.saturation)).toBe(true);
  });

  it('stays within tolerance on noisy, irregular and display-rounded data', () => {
    // noisy: multiplicative noise on every increment, so the realised curve drifts from the logistic; its own
    // asymptote is ≈ the last value (day 11 is 99.75 % of the way)
    const n = noisy(logistic, 5, 0.2);
    const lcN = fitLifecycle(cleanSeries(n).adjusted)!;
    expect(Math.abs(Date.parse(lcN.peakAt) - PEAK)).toBeLessThan(6 * HOUR);
    expect(Math.abs(Number(lcN.saturation) / Number(n[n.length - 1]!.value) - 1)).toBeLessThan(0.01);
    const lcR = fitLifecycle(cleanSeries(roundedPoints(logistic, times)).adjusted)!;
    expect(Math.abs(Date.parse(lcR.peakAt) - PEAK)).toBeLessThan(6 * HOUR);
    expect(Math.abs(Number(lcR.saturation) / (BASE + K) - 1)).toBeLessThan(0.01);
    for (const lc of [lcN, lcR]) {
      expect(Date.parse(lc.peakAtLow)).toBeLessThanOrEqual(Date.parse(lc.peakAt));
      expect(Date.parse(lc.peakAtHigh)).toBeGreaterThanOrEqual(Date.parse(lc.peakAt));
    }
    // the bootstrap interval of the rounded fit covers the true peak and saturation
    expect(Date.parse(lcR.peakAtLow)).toBeLessThanOrEqual(PEAK);
    expect(Date.parse(lcR.peakAtHigh)).toBeGreaterThanOrEqual(PEAK);
    expect(Number(lcR.saturationLow)).toBeLessThanOrEqual(BASE + K);
    expect(Number(lcR.saturationHigh)).toBeGreaterThanOrEqual(BASE + K);
  });

  it('prefers Gompertz for a Gompertz curve', () => {
    const lc = fitLifecycle(cleanSeries(exactPoints(gompertz, times)).adjusted)!;
    expect(lc.model).toBe('gompertz');
    expect(Math.abs(Date.parse(lc.peakAt) - PEAK)).toBeLessThan(HOUR);
    expect(Math.abs(Number(lc.saturation) / (BASE + K) - 1)).toBeLessThan(0.005);
  });

  it('is null before the inflection (and just after it, before the velocity has clearly fallen)', () => {
    for (const cut of [3 * DAY, 5 * DAY, 5.2 * DAY]) {
      const pts = exactPoints(
        logistic,
        times.filter((t) => t <= T0 + cut),
      );
      expect(fitLifecycle(cleanSeries(pts).adjusted)).toBeNull();
      expect(computeReport(pts, { platform: 'tiktok', tag: 't', metric: 'views' }).lifecycle).toBeNull();
    }
  });

  it('is null for steady growth', () => {
    const pts = exactPoints((t) => 1e9 + 1e6 * ((t - T0) / HOUR), times);
    expect(fitLifecycle(cleanSeries(pts).adjusted)).toBeNull();
  });

  it('is deterministic (seeded bootstrap)', () => {
    const s = cleanSeries(noisy(logistic, 6, 0.2)).adjusted;
    expect(fitLifecycle(s)).toEqual(fitLifecycle(s));
  });
});

describe('peakObserved', () => {
  it('needs a rise, a maximum inside, and a clear fall', () => {
    expect(peakObserved([1, 2, 5, 9, 10, 8, 5, 3, 2, 1], 3, 0.25)).toBe(true);
    expect(peakObserved([1, 2, 3, 4, 5, 6, 7, 8], 3, 0.25)).toBe(false);
    expect(peakObserved([9, 8, 7, 6, 5, 4], 3, 0.25)).toBe(false);
    expect(peakObserved([1, 2, 5, 9, 10, 9.5, 9, 9], 3, 0.25)).toBe(false);
  });
});
