import { describe, expect, it } from 'vitest';
import {
  BREAKOUT_DEFINITION,
  cleanSeries,
  counterGrowthRate,
  growthPct,
  isBreakout,
  latestZScore,
  robustZ,
  theilSen,
  velocityGrowthRate,
  windowVelocity,
} from '../../../src/analytics/index.ts';
import { DAY, HOUR, T0, exactPoints, gauss, irregularTimes, rng, roundedPoints } from './helpers.ts';

describe('theilSen', () => {
  it('matches a hand-computed example', () => {
    // pairwise slopes: 2, 0.5, 4/3, -1, 1, 3 → median (1 + 4/3)/2 = 7/6
    const fit = theilSen([1, 2, 3, 4], [1, 3, 2, 5])!;
    expect(fit.slope).toBeCloseTo(7 / 6, 12);
    // residuals y − 7/6·x: −1/6, 2/3, −3/2, 1/3 → median (−1/6 + 1/3)/2 = 1/12
    expect(fit.intercept).toBeCloseTo(1 / 12, 12);
  });

  it('recovers a line exactly despite 20 % gross outliers', () => {
    const r = rng(1);
    const xs = Array.from({ length: 100 }, () => r() * 50);
    const ys = xs.map((x, i) => (i % 5 === 0 ? 1e6 * r() : 2 * x + 1));
    const fit = theilSen(xs, ys)!;
    expect(fit.slope).toBeCloseTo(2, 9);
    expect(fit.intercept).toBeCloseTo(1, 9);
  });

  it('subsamples deterministically above maxPoints', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i / 10);
    const ys = xs.map((x) => -0.5 * x + 3 + Math.sin(x * 7) * 0.01);
    const a = theilSen(xs, ys)!;
    const b = theilSen(xs.slice().reverse(), ys.slice().reverse())!;
    expect(a.n).toBe(2000);
    expect(a).toEqual(b);
    expect(a.slope).toBeCloseTo(-0.5, 3);
  });

  it('is null without two distinct x values', () => {
    expect(theilSen([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(theilSen([], [])).toBeNull();
  });
});

describe('growthPct', () => {
  it('is (now/prev − 1)·100 and null when prev is 0 or unknown', () => {
    expect(growthPct(150, 100)).toBeCloseTo(50, 12);
    expect(growthPct(50, 100)).toBeCloseTo(-50, 12);
    expect(growthPct(10, 0)).toBeNull();
    expect(growthPct(null, 10)).toBeNull();
    expect(growthPct(10, undefined)).toBeNull();
  });
});

describe('exponential growth with a known doubling time', () => {
  const Td = 3; // days
  const f = (t: number) => 1.5e9 * Math.pow(2, (t - T0) / (Td * DAY));
  const times = irregularTimes(rng(2024), T0, T0 + 14 * DAY, 0.25 * HOUR, 2 * HOUR);
  const to = times[times.length - 1]!;

  for (const [name, pts] of [
    ['exact', exactPoints(f, times)],
    ['display-rounded (0.1B steps)', roundedPoints(f, times)],
  ] as const) {
    it(`counter and velocity doubling ≈ Td within 2 % (${name}, irregular sampling)`, () => {
      const s = cleanSeries(pts).adjusted;
      const cg = counterGrowthRate(s, { to })!;
      expect(Math.abs(cg.doublingDays! / Td - 1)).toBeLessThan(0.02);
      expect(cg.ratePerDay).toBeCloseTo(Math.LN2 / Td, 2);
      expect(cg.halvingDays).toBeNull();
      const vg = velocityGrowthRate(s, { to })!;
      expect(Math.abs(vg.doublingDays! / Td - 1)).toBeLessThan(0.02);
      expect(vg.halvingDays).toBeNull();
    });
  }

  it('velocity halving time of a saturating counter C = A(1 − e^{−t/τ})', () => {
    const tau = 2; // days → v ∝ e^{−t/τ}, halving τ·ln 2
    const g = (t: number) => 5e9 * (1 - Math.exp(-(t - T0) / (tau * DAY)));
    const s = cleanSeries(exactPoints(g, irregularTimes(rng(8), T0, T0 + 7 * DAY, 0.5 * HOUR, 1.5 * HOUR))).adjusted;
    const vg = velocityGrowthRate(s, { to: s[s.length - 1]!.t })!;
    expect(vg.doublingDays).toBeNull();
    expect(Math.abs(vg.halvingDays! / (tau * Math.LN2) - 1)).toBeLessThan(0.02);
  });
});

describe('robustZ', () => {
  it('is (x − median)/(1.4826·MAD)', () => {
    const base = [10, 11, 12, 13, 14, 15, 16]; // median 13, MAD 2
    const z = robustZ(20, base)!;
    expect(z.scaleRule).toBe('mad');
    expect(z.z).toBeCloseTo(7 / (1.4826 * 2), 12);
  });

  it('falls back to 1.253314·mean absolute deviation when MAD = 0', () => {
    const base = [5, 5, 5, 5, 5, 6, 9]; // median 5, MAD 0, mean AD 5/7
    const z = robustZ(8, base)!;
    expect(z.scaleRule).toBe('meanAbsDev');
    expect(z.z).toBeCloseTo(3 / (1.253314 * (5 / 7)), 12);
  });

  it('uses the epsilon rule on a flat baseline', () => {
    const z = robustZ(6, [5, 5, 5, 5, 5, 5, 5])!;
    expect(z.scaleRule).toBe('epsilon');
    expect(z.z).toBeCloseTo(1 / (0.01 * 5), 12);
  });

  it('is null with fewer than 7 baseline values', () => {
    expect(robustZ(6, [1, 2, 3, 4, 5, 6])).toBeNull();
  });
});

/** A counter with a constant rate (per hour) plus noise, then a surge over the last day. */
function surgeSeries(seed: number, base: number, surge: number, days = 20) {
  const r = rng(seed);
  const times = irregularTimes(r, T0, T0 + days * DAY, 0.5 * HOUR, 1.5 * HOUR);
  let c = 1e9;
  let prev = T0;
  const pts = times.map((t) => {
    const rate = t > T0 + (days - 1) * DAY ? surge : base;
    c += ((t - prev) / HOUR) * rate * Math.exp(0.1 * gauss(r));
    prev = t;
    return { t, value: BigInt(Math.round(c)), precision: 'exact' as const, step: 0n };
  });
  return cleanSeries(pts).adjusted;
}

describe('latestZScore and breakout', () => {
  it('flags a surge: z ≥ 3.5, growth ≥ 50 %, change > 2 steps', () => {
    const s = surgeSeries(1, 1e5, 5e5);
    const to = s[s.length - 1]!.t;
    const z = latestZScore(s, { to })!;
    expect(z.baselineSize).toBe(14);
    expect(z.z).toBeGreaterThan(BREAKOUT_DEFINITION.minZScore);
    const w = windowVelocity(s, { to, windowMs: DAY });
    const prev = windowVelocity(s, { to: to - DAY, windowMs: DAY });
    const g = growthPct(w?.velocityPerHour, prev?.velocityPerHour);
    expect(g).toBeGreaterThan(300);
    expect(isBreakout({ zScore: z.z, growthPct24h: g, window24h: w })).toBe(true);
  });

  it('does not flag a steady series, and is undetermined without a baseline', () => {
    const s = surgeSeries(2, 1e5, 1e5);
    const to = s[s.length - 1]!.t;
    const z = latestZScore(s, { to })!;
    expect(Math.abs(z.z)).toBeLessThan(3.5);
    const w = windowVelocity(s, { to, windowMs: DAY });
    expect(isBreakout({ zScore: z.z, growthPct24h: 0, window24h: w })).toBe(false);
    const short = surgeSeries(3, 1e5, 5e5, 6);
    expect(latestZScore(short, { to: short[short.length - 1]!.t })).toBeNull();
    expect(isBreakout({ zScore: null, growthPct24h: 500, window24h: w })).toBeNull();
  });

  it('requires the change to exceed 2 rounding steps', () => {
    const w = { delta: 150, deltaInt: 150n, step: 100n } as unknown as Parameters<typeof isBreakout>[0]['window24h'];
    expect(isBreakout({ zScore: 10, growthPct24h: 100, window24h: w })).toBe(false);
    const w2 = { delta: 250, deltaInt: 250n, step: 100n } as unknown as Parameters<typeof isBreakout>[0]['window24h'];
    expect(isBreakout({ zScore: 10, growthPct24h: 100, window24h: w2 })).toBe(true);
  });
});
