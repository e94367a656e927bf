/**
 * Truth suite — exponential growth with a known doubling time, irregular and bursty sampling (density invariance),
 * shrinking counters, values near 2^63. Tolerances: docs/analytics.md §10.
 */
import { describe, expect, it } from 'vitest';
import { metricsOfPoints } from '../../src/analytics/metrics.ts';
import { computeReport } from '../../src/analytics/report.ts';
import type { SeriesPoint } from '../../src/analytics/types.ts';
import { Counter, DAY, HOUR, MIN, T0, readings, rel, sampleTimes } from './process.ts';

const OPTS = { platform: 'tiktok', tag: 'truth', metric: 'views' };
const END = T0 + 14 * DAY;
const AT = END + 30 * MIN;

/** Counter doubling every Td days: C = C0·2^(t/Td), v = C·ln2/Td per day. */
function expo(Td: number, c0 = 1e9) {
  const k = Math.LN2 / (Td * DAY);
  return { C: (t: number) => c0 * Math.exp(k * (t - T0)), Td };
}

describe('truth: exponential growth with a known doubling time', () => {
  for (const Td of [3, 39.6, 103]) {
    it(`recovers a ${Td}-day doubling (counter and velocity), the interval covers it; 24 h growth within 0.1 points`, () => {
      const { C } = expo(Td);
      const m = metricsOfPoints(readings(C, sampleTimes({ from: T0, to: END + 40 * MIN, every: 10 * MIN })), { atMs: AT });
      const cg = m.counterGrowth!;
      expect(rel(cg.doublingDays!, Td)).toBeLessThan(0.01);
      expect(cg.doublingDaysLow!).toBeLessThanOrEqual(Td);
      expect(cg.doublingDaysHigh!).toBeGreaterThanOrEqual(Td);
      expect(rel(m.velocityGrowth!.doublingDays!, Td)).toBeLessThan(0.02);
      const w24 = m.windows.find((w) => w.window === '24h')!;
      expect(Math.abs(w24.growthPct! - (Math.pow(2, 1 / Td) - 1) * 100)).toBeLessThan(0.1);
      const truth24 = (C(Date.parse(w24.to!)) - C(Date.parse(w24.to!) - DAY)) / 24;
      expect(rel(w24.velocityPerHour!, truth24)).toBeLessThan(1e-6);
    });
  }
});

describe('truth: irregular and bursty sampling (density invariance)', () => {
  const { C } = expo(10);
  const base = sampleTimes({ from: T0, to: END, irregular: [5 * MIN, 55 * MIN], seed: 3 });
  const burstAt = sampleTimes({ from: T0 + DAY, to: END, irregular: [20 * HOUR, 40 * HOUR], seed: 4 });
  const bursty = sampleTimes({ from: T0, to: END, irregular: [5 * MIN, 55 * MIN], seed: 3, bursts: { at: burstAt, count: 40, spacing: 15_000 } });

  it('irregular and bursty series give the doubling time within 1 % and covered by the interval', () => {
    for (const times of [base, bursty]) {
      const m = metricsOfPoints(readings(C, times), { atMs: END });
      expect(rel(m.counterGrowth!.doublingDays!, 10)).toBeLessThan(0.01);
      expect(m.counterGrowth!.doublingDaysLow!).toBeLessThanOrEqual(10);
      expect(m.counterGrowth!.doublingDaysHigh!).toBeGreaterThanOrEqual(10);
    }
  });

  it('adding 100 samples in the last 10 minutes moves no growth rate or doubling time by more than 1 %', () => {
    const before = readings(C, base);
    const last = base[base.length - 1]!;
    const extra = readings(C, Array.from({ length: 100 }, (_, i) => last + 6_000 * (i + 1)));
    const at = last + 10 * MIN;
    const a = metricsOfPoints(before, { atMs: at });
    const b = metricsOfPoints([...before, ...extra], { atMs: at });
    for (const [x, y] of [
      [a.counterGrowth!.ratePerDay, b.counterGrowth!.ratePerDay],
      [a.counterGrowth!.doublingDays!, b.counterGrowth!.doublingDays!],
      [a.velocityGrowth!.ratePerDay, b.velocityGrowth!.ratePerDay],
      [a.velocityGrowth!.doublingDays!, b.velocityGrowth!.doublingDays!],
    ] as const) expect(rel(y, x)).toBeLessThan(0.01);
    // the same holds for the report (every field is the same definition)
    const ra = computeReport(before, { ...OPTS, at });
    const rb = computeReport([...before, ...extra], { ...OPTS, at });
    expect(rel(rb.counterDoublingDays!, ra.counterDoublingDays!)).toBeLessThan(0.01);
    expect(rel(rb.velocityDoublingDays!, ra.velocityDoublingDays!)).toBeLessThan(0.01);
  });
});

describe('truth: shrinking counters', () => {
  it('a counter shrinking 1 %/day reports a decline with its halving time, no revisions', () => {
    const k = Math.log(0.99) / DAY;
    const C = (t: number) => 5e8 * Math.exp(k * (t - T0));
    for (const rounded of [false, true]) {
      const m = metricsOfPoints(readings(C, sampleTimes({ from: T0, to: END, every: HOUR })), { atMs: END });
      expect(m.clean.revisions).toEqual([]);
      const cg = m.counterGrowth!;
      expect(cg.ratePerDay).toBeLessThan(0);
      expect(rel(cg.ratePerDay, Math.log(0.99))).toBeLessThan(0.05);
      expect(cg.doublingDays).toBeNull();
      expect(rel(cg.halvingDays!, Math.LN2 / -Math.log(0.99))).toBeLessThan(0.05);
      expect(m.windows.find((w) => w.window === '7d')!.velocityPerHour!).toBeLessThan(0);
      void rounded;
    }
    // display-rounded (500.0M → step 100K): the decline is still a decline, not a staircase of revisions
    const r = metricsOfPoints(readings(C, sampleTimes({ from: T0, to: END, every: HOUR }), true), { atMs: END });
    expect(r.clean.revisions).toEqual([]);
    expect(rel(r.counterGrowth!.ratePerDay, Math.log(0.99))).toBeLessThan(0.05);
    expect(r.counterGrowth!.halvingDaysLow!).toBeLessThanOrEqual(Math.LN2 / -Math.log(0.99));
    expect(r.counterGrowth!.halvingDaysHigh!).toBeGreaterThanOrEqual(Math.LN2 / -Math.log(0.99));
  });
});

describe('truth: values near 2^63 stay exact', () => {
  it('counts above 2^53 come out as exact decimal strings; deltas are exact integers', () => {
    const base = 2n ** 63n - 10n ** 12n;
    const perHour = 1_000_003n;
    const pts: SeriesPoint[] = Array.from({ length: 15 * 24 + 1 }, (_, i) => ({ t: T0 + i * HOUR, value: base + BigInt(i) * perHour, precision: 'exact', step: 0n }));
    const at = T0 + 15 * DAY;
    const r = computeReport(pts, { ...OPTS, at });
    expect(r.latest!.value).toBe((base + 360n * perHour).toString());
    expect(BigInt(r.latest!.value) < 2n ** 64n).toBe(true);
    const w24 = r.windows.find((w) => w.window === '24h')!;
    expect(w24.delta).toBe((24n * perHour).toString());
    expect(w24.velocityPerHour).toBe(Number(perHour));
    const w7 = r.windows.find((w) => w.window === '7d')!;
    expect(w7.delta).toBe((168n * perHour).toString());
    expect(r.windows.find((w) => w.window === '24h')!.growthPct).toBe(0);
    expect(r.revisions).toEqual([]);
  });
});
