/**
 * Truth suite — glitch zeros, persistent revisions up and down, steady tags with jitter (robust z), steps in velocity
 * and null series (calibrated change points). Tolerances: docs/analytics.md §10.
 */
import { describe, expect, it } from 'vitest';
import { computeMetrics, binHourly, metricsOfPoints } from '../../src/analytics/metrics.ts';
import { detectChangePoints, diffNoiseSigma, estimateNoiseSigma } from '../../src/analytics/changepoints.ts';
import type { SeriesPoint } from '../../src/analytics/types.ts';
import { Counter, DAY, HOUR, MIN, T0, gauss, readings, rel, rng, sampleTimes, withZeros } from './process.ts';

const END = T0 + 15 * DAY;

/** Apply a persistent relative level shift to every reading from `at` on. */
function revised(points: SeriesPoint[], at: number, factor: number): SeriesPoint[] {
  let shift: bigint | undefined;
  return points.map((p) => {
    if (p.t < at) return p;
    shift ??= BigInt(Math.round(Number(p.value) * (factor - 1)));
    return { ...p, value: p.value + shift };
  });
}

describe('truth: glitch zeros', () => {
  it('5 % zeros are glitches: the metrics equal those without them (1e-9 relative)', () => {
    const c = new Counter(T0, END, 1e9, (t) => 2e6 * Math.pow(2, (t - T0) / (6 * DAY)));
    const pts = readings((t) => c.at(t), sampleTimes({ from: T0, to: END, every: 20 * MIN }));
    const zeros = withZeros(pts, 0.05, 9);
    const a = metricsOfPoints(pts, { atMs: END });
    const b = metricsOfPoints(zeros, { atMs: END });
    expect(b.clean.revisions).toEqual([]);
    for (let i = 0; i < a.windows.length; i++) expect(rel(b.windows[i]!.velocityPerHour!, a.windows[i]!.velocityPerHour!)).toBeLessThan(1e-9);
    expect(rel(b.counterGrowth!.doublingDays!, a.counterGrowth!.doublingDays!)).toBeLessThan(1e-3);
  });
});

describe('truth: persistent revisions up and down', () => {
  // counter growing 3 %/day, hourly-ish samples; velocity truth known from the unrevised counter
  const k = Math.log(1.03) / DAY;
  const C = (t: number) => 1e9 * Math.exp(k * (t - T0));
  const times = sampleTimes({ from: T0, to: END, irregular: [20 * MIN, 70 * MIN], seed: 5 });
  const at = T0 + 12 * DAY + 7 * HOUR;

  for (const factor of [0.97, 0.8, 1.1]) {
    it(`a persistent ${Math.round((factor - 1) * 100)} % shift is one revision event; the adjusted series invents no stall or change point; growth within 0.5 %`, () => {
      const pts = revised(readings(C, times), at, factor);
      const m = metricsOfPoints(pts, { atMs: END });
      expect(m.clean.revisions).toHaveLength(1);
      const ev = m.clean.revisions[0]!;
      expect(Math.abs(Date.parse(ev.at) - at)).toBeLessThanOrEqual(70 * MIN);
      expect(BigInt(ev.to) < BigInt(ev.from)).toBe(factor < 1);
      expect(m.clean.glitches).toEqual([]);
      expect(detectChangePoints(m.clean.adjusted)).toEqual([]);
      // the counter's relative growth is that of the revised level C + s (absolute increments unchanged): the
      // adjusted series carries the shift back, so the 7-day fit sees ln(C + s) throughout
      const s0 = Number(BigInt(ev.to) - BigInt(ev.from)) - (C(Date.parse(ev.at)) - C(Date.parse(ev.at) - 1));
      const T = Date.parse(m.asOf!);
      const truthK = (Math.log(C(T) + s0) - Math.log(C(T - 7 * DAY) + s0)) / 7;
      expect(rel(m.counterGrowth!.ratePerDay, truthK)).toBeLessThan(0.02);
      const w24 = m.windows.find((w) => w.window === '24h')!;
      expect(Math.abs(w24.growthPct! - 3)).toBeLessThan(0.5);
      // no stall: every daily velocity of the adjusted series is within 2 % of the truth, across the revision too
      for (let d = 1; d <= 6; d++) {
        const to = Date.parse(m.asOf!) - d * DAY;
        const v = computeMetrics(binHourly(pts), { atMs: to, windowsMs: [DAY] }).windows[0]!;
        if (v.fixedVelocityPerHour === null) continue;
        expect(rel(v.fixedVelocityPerHour, (C(to) - C(to - DAY)) / 24)).toBeLessThan(0.02);
      }
    });
  }
});

describe('truth: steady tags with jitter (robust z)', () => {
  it('|z| < 5 on steady tags with realistic jitter (±5 % hourly, and 1e-4), in every seed', () => {
    for (const noise of [0.05, 1e-4]) {
      for (let seed = 1; seed <= 12; seed++) {
        const c = new Counter(T0, END, 5e9, () => 9e5, noise, seed);
        const m = metricsOfPoints(readings((t) => c.at(t), sampleTimes({ from: T0, to: END, every: 15 * MIN })), { atMs: END });
        expect(m.zScore).not.toBeNull();
        expect(Math.abs(m.zScore!), `noise ${noise} seed ${seed}`).toBeLessThan(5);
        expect(m.breakout).toBe(false);
      }
    }
  });

  it('finding 2: a near-constant baseline (1e-7 wobble) and a 1e-4 dip give |z| < 5, not −970', () => {
    const c = new Counter(T0, END, 5e9, (t) => 9e5 * (1 + 1e-7 * Math.sin(((t - T0) / DAY) * 2.3)) * (t > END - DAY ? 1 - 1e-4 : 1));
    const m = metricsOfPoints(readings((t) => c.at(t), sampleTimes({ from: T0, to: END, every: 15 * MIN })), { atMs: END });
    expect(Math.abs(m.zScore!)).toBeLessThan(5);
  });

  it('a surge still breaks out (z ≥ 3.5, +50 %)', () => {
    const c = new Counter(T0, END, 5e9, (t) => (t > END - DAY ? 3e6 : 1e6), 0.05, 3);
    const m = metricsOfPoints(readings((t) => c.at(t), sampleTimes({ from: T0, to: END, every: 15 * MIN })), { atMs: END });
    expect(m.zScore!).toBeGreaterThan(3.5);
    expect(m.breakout).toBe(true);
  });
});

describe('truth: calibrated change points', () => {
  it('finding 6a: the noise estimate is within 10 % of the true spread (the running-median estimate was 12–30 % low)', () => {
    const r = rng(11);
    const ratios: number[] = [];
    const old: number[] = [];
    for (let s = 0; s < 20; s++) {
      const y = Array.from({ length: 300 }, (_, i) => (i < 150 ? 0 : 1.5) + 0.2 * gauss(r));
      ratios.push(diffNoiseSigma(y, 0) / 0.2);
      old.push(estimateNoiseSigma(y, 25, 0) / 0.2);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(ratios) - 1)).toBeLessThan(0.1);
    expect(mean(old)).toBeLessThan(mean(ratios)); // documents why the estimator changed
  });

  it('finding 6b/6c: a 1,000 → 5,000/h step is found once, within ±1 bin, in ≥ 95 % of 20 seeds', () => {
    let ok = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const tc = T0 + 7 * DAY + Math.floor(rng(seed)() * 48) * HOUR + 17 * MIN;
      const c = new Counter(T0, END, 5e9, (t) => (t < tc ? 1000 : 5000), 0.1, seed);
      const times = sampleTimes({ from: T0, to: END, irregular: [5 * MIN, 25 * MIN], seed: seed * 7 });
      const m = metricsOfPoints(readings((t) => c.at(t), times), { atMs: END });
      const cps = detectChangePoints(m.clean.adjusted);
      if (cps.length === 1 && Math.abs(Date.parse(cps[0]!.at) - Math.floor(tc / HOUR) * HOUR) <= HOUR) ok++;
    }
    expect(ok).toBeGreaterThanOrEqual(19);
  });

  it('on null series (steady exponential + noise) at most 5 % of 40 series get any change point', () => {
    let hits = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const c = new Counter(T0, END, 5e9, (t) => 1e6 * Math.pow(2, (t - T0) / (5 * DAY)), seed % 2 ? 0.1 : 0.3, seed);
      const times = sampleTimes({ from: T0, to: END, irregular: [5 * MIN, 25 * MIN], seed: seed * 7 });
      const m = metricsOfPoints(readings((t) => c.at(t), times), { atMs: END });
      if (detectChangePoints(m.clean.adjusted).length > 0) hits++;
    }
    expect(hits / 40).toBeLessThanOrEqual(0.05);
  });
});
