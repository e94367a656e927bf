/**
 * Truth suite — one-decimal K/M/B display rounding and sampling gaps. Every interval must contain the truth; what
 * cannot be known is null with its interval, never 0. Tolerances: docs/analytics.md §10.
 */
import { describe, expect, it } from 'vitest';
import { metricsOfPoints } from '../../src/analytics/metrics.ts';
import { computeReport } from '../../src/analytics/report.ts';
import type { SeriesPoint } from '../../src/analytics/types.ts';
import { Counter, DAY, HOUR, MIN, T0, readings, rel, sampleTimes, withGap } from './process.ts';

const OPTS = { platform: 'tiktok', tag: 'truth', metric: 'views' };
const END = T0 + 15 * DAY;
const inside = (lo: number | null, hi: number | null, x: number) => (lo === null || lo <= x + 1e-9 * Math.abs(x)) && (hi === null || hi >= x - 1e-9 * Math.abs(x));

describe('truth: one-decimal K/M/B rounding', () => {
  it('16.4B growing 2M/h: velocities, growth and doubling carry intervals that contain the truth', () => {
    const c = new Counter(T0, END, 16.4e9, () => 2e6);
    const m = metricsOfPoints(readings((t) => c.at(t), sampleTimes({ from: T0, to: END, every: 10 * MIN }), true), { atMs: END });
    for (const w of m.windows) {
      const to = Date.parse(w.to!);
      const truth = c.velocity(Date.parse(w.from!), to);
      expect(inside(w.velocityPerHourLow, w.velocityPerHourHigh, truth), `${w.window} velocity interval`).toBe(true);
      if (w.velocityPerHour !== null) expect(w.velocityPerHourLow).not.toBe(w.velocityPerHourHigh);
      expect(inside(w.growthPctLow, w.growthPctHigh, 0), `${w.window} growth interval`).toBe(true);
    }
    const Td = Math.LN2 / ((2e6 * 24) / 16.4e9);
    const cg = m.counterGrowth!;
    expect(inside(cg.doublingDaysLow, cg.doublingDaysHigh, Td * (1 - 0.03))).toBe(true); // the counter grew ~4 % over the week
    expect(cg.doublingDaysLow!).toBeLessThan(cg.doublingDaysHigh ?? Infinity);
  });

  it('finding 4a: rounded 1 h growth has an interval that contains the true +1 %', () => {
    // velocity grows 1 % per hour; 500M counter, display step 100K; 1 h increments of ~1M = ~10 steps
    const k = Math.log(1.01) / HOUR;
    const v = (t: number) => 1e6 * Math.exp(k * (t - (END - 2 * DAY)));
    const c = new Counter(END - 3 * DAY, END, 5e8, v);
    for (const every of [5 * MIN, 15 * MIN]) {
      const m = metricsOfPoints(readings((t) => c.at(t), sampleTimes({ from: END - 3 * DAY, to: END, every }), true), { atMs: END });
      const w1 = m.windows.find((w) => w.window === '1h')!;
      const to = Date.parse(w1.to!);
      const truth = (c.velocity(to - HOUR, to) / c.velocity(to - 2 * HOUR, to - HOUR) - 1) * 100;
      expect(Math.abs(truth - 1)).toBeLessThan(0.05);
      expect(inside(w1.growthPctLow, w1.growthPctHigh, truth)).toBe(true);
      expect(w1.growthPctLow).not.toBeNull();
      expect(w1.growthPctHigh).not.toBeNull();
    }
  });

  it('finding 4b/4c: 16.4B shown unchanged for 10 days: velocity, growth and z are null with intervals, never 0', () => {
    const times = sampleTimes({ from: T0, to: T0 + 10 * DAY, every: HOUR });
    const pts: SeriesPoint[] = times.map((t) => ({ t, value: 16_400_000_000n, precision: 'rounded', step: 100_000_000n }));
    const r = computeReport(pts, { ...OPTS, at: T0 + 10 * DAY });
    for (const w of r.windows) {
      expect(w.velocityPerHour).toBeNull();
      expect(w.velocityPerHourLow!).toBeLessThanOrEqual(0);
      expect(w.velocityPerHourHigh!).toBeGreaterThan(0);
      expect(w.growthPct).toBeNull();
    }
    expect(r.zScore).toBeNull();
    expect(r.breakout).toBeNull();
    expect(r.growthRatePerDay === null || r.growthRatePerDayHigh! > 0).toBe(true);
  });
});

describe('truth: gaps are gaps', () => {
  const c = new Counter(T0, END, 2e9, (t) => 86.6e6 * Math.exp((0.2 * (t - END)) / DAY));
  const all = readings((t) => c.at(t), sampleTimes({ from: T0, to: END, every: 15 * MIN }));

  it('finding 3a/3b: a 24 h window starting inside a 2-day gap is null with its coverage; the previous 24 h (inside the gap) has no growth and no zero-width interval', () => {
    const holey = withGap(all, END - 2.5 * DAY, END - 0.5 * DAY);
    const m = metricsOfPoints(holey, { atMs: END });
    const w24 = m.windows.find((w) => w.window === '24h')!;
    expect(w24.coverage!).toBeCloseTo(0.5, 2);
    expect(w24.velocityPerHour).toBeNull();
    expect(w24.growthPct).toBeNull();
    expect(w24.growthPctLow).toBeNull();
    expect(w24.growthPctHigh).toBeNull();
    // with the gap ending before the window instead, the window is fully covered and exact
    const earlier = metricsOfPoints(withGap(all, END - 3.5 * DAY, END - 1.5 * DAY), { atMs: END }).windows.find((w) => w.window === '24h')!;
    expect(earlier.coverage).toBe(1);
    expect(rel(earlier.velocityPerHour!, c.velocity(END - DAY, END))).toBeLessThan(1e-6);
    expect(earlier.growthPct).toBeNull(); // its previous window lies in the gap
  });

  it('finding 3c: no change points at the edges of a gap', () => {
    const steady = readings((t) => 1e9 * Math.pow(2, (t - T0) / (5 * DAY)), sampleTimes({ from: T0, to: END, every: 15 * MIN }));
    const r = computeReport(withGap(steady, T0 + 6 * DAY, T0 + 8 * DAY), { ...OPTS, at: END });
    expect(r.gaps).toHaveLength(1);
    expect(r.changePoints).toEqual([]);
  });

  it('finding 3d: with two readings 24 h apart the 1 h velocity is marked interpolated and its growth is unknown', () => {
    const pts: SeriesPoint[] = [
      { t: T0, value: 1_000_000n, precision: 'exact', step: 0n },
      { t: T0 + DAY, value: 1_240_000n, precision: 'exact', step: 0n },
    ];
    const r = computeReport(pts, { ...OPTS, at: T0 + DAY });
    const w1 = r.windows.find((w) => w.window === '1h')!;
    expect(w1.interpolated).toBe(true);
    expect(w1.velocityPerHour).toBe(10_000); // an interpolated estimate, flagged, with the monotone bound below
    expect(w1.velocityPerHourLow).toBe(0);
    expect(w1.velocityPerHourHigh).toBe(240_000);
    expect(w1.growthPct).toBeNull();
    const w24 = r.windows.find((w) => w.window === '24h')!;
    expect(w24.interpolated).toBe(false);
    expect(w24.velocityPerHour).toBe(10_000);
  });
});
