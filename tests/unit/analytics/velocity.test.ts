import { describe, expect, it } from 'vitest';
import { cleanSeries, interpolateAt, rateKnots, rebin, windowVelocity } from '../../../src/analytics/index.ts';
import type { CounterPoint } from '../../../src/analytics/index.ts';
import { rebinSafe } from '../../../src/analytics/velocity.ts';
import { DAY, HOUR, T0, exactPoints, irregularTimes, randInt, rng, roundedPoints } from './helpers.ts';

const linear = (rate: number, c0 = 1e6) => (t: number) => c0 + (rate * (t - T0)) / HOUR;

describe('interpolateAt', () => {
  const s: CounterPoint[] = [
    { t: T0, value: 100n, step: 0n },
    { t: T0 + HOUR, value: 200n, step: 0n },
    { t: T0 + 3 * HOUR, value: 400n, step: 0n },
  ];
  it('interpolates linearly and never extrapolates', () => {
    expect(interpolateAt(s, T0 + HOUR / 2)).toBe(150);
    expect(interpolateAt(s, T0 + 2 * HOUR)).toBe(300);
    expect(interpolateAt(s, T0 + 3 * HOUR)).toBe(400);
    expect(interpolateAt(s, T0 - 1)).toBeNull();
    expect(interpolateAt(s, T0 + 3 * HOUR + 1)).toBeNull();
    expect(interpolateAt([], T0)).toBeNull();
  });
});

describe('rebin', () => {
  it('splits increments in proportion to time overlap', () => {
    const times = irregularTimes(rng(11), T0, T0 + 2 * DAY, 0.2 * HOUR, 2.5 * HOUR);
    const s = cleanSeries(exactPoints(linear(1000), times)).adjusted;
    const bins = rebin(s, T0, T0 + 2 * DAY, HOUR);
    expect(bins).toHaveLength(48);
    // exact counts are integers, so each bin is 1000 ± rounding of the two samples around each edge
    for (const b of bins) expect(Math.abs(b.increment! - 1000)).toBeLessThan(2);
    const total = bins.reduce((a, b) => a + b.increment!, 0);
    expect(total).toBeCloseTo(Number(s[s.length - 1]!.value - s[0]!.value), 6);
  });

  it('returns null for bins outside the sampled range', () => {
    const s = cleanSeries(exactPoints(linear(1000), [T0, T0 + 5 * HOUR])).adjusted;
    const bins = rebin(s, T0 - 2 * HOUR, T0 + 7 * HOUR, HOUR);
    expect(bins.map((b) => b.increment)).toEqual([null, null, 1000, 1000, 1000, 1000, 1000, null, null]);
  });
});

describe('windowVelocity', () => {
  it('gives the exact rate on exact data, with low = high = point', () => {
    const times = irregularTimes(rng(3), T0, T0 + 10 * DAY, 0.3 * HOUR, 1.7 * HOUR);
    const s = cleanSeries(exactPoints(linear(3600), times)).adjusted;
    const to = s[s.length - 1]!.t;
    for (const W of [HOUR, DAY, 7 * DAY]) {
      const w = windowVelocity(s, { to, windowMs: W })!;
      expect(Math.abs(w.velocityPerHour / 3600 - 1)).toBeLessThan(1e-3); // values are integers, times in ms
      expect(w.velocityPerHourLow).toBe(w.velocityPerHour);
      expect(w.velocityPerHourHigh).toBe(w.velocityPerHour);
      expect(w.widened).toBe(false);
      expect(w.from).toBe(to - W);
    }
  });

  it('is null when the window is not covered (no extrapolation)', () => {
    const s = cleanSeries(exactPoints(linear(10), [T0, T0 + DAY])).adjusted;
    expect(windowVelocity(s, { to: T0 + DAY, windowMs: 2 * DAY })).toBeNull();
    expect(windowVelocity(s, { to: T0 + 2 * DAY, windowMs: HOUR })).toBeNull();
    expect(windowVelocity(s, { to: T0 + DAY, windowMs: DAY })!.velocityPerHour).toBeCloseTo(10, 9);
  });

  it('computes deltas exactly above 2^53', () => {
    const big = 2n ** 60n;
    const s: CounterPoint[] = [
      { t: T0, value: big, step: 0n },
      { t: T0 + HOUR, value: big + 1000n, step: 0n },
      { t: T0 + 2 * HOUR, value: big + 3000n, step: 0n },
    ];
    const w = windowVelocity(s, { to: T0 + 2 * HOUR, windowMs: 1.5 * HOUR })!;
    expect(w.deltaInt).toBe(2500n);
    expect(w.velocityPerHour).toBeCloseTo(2500 / 1.5, 9);
  });

  it('widens the window until the change is ≥ 2 rounding steps and the interval contains the truth (K/M/B display rounding)', () => {
    const r = rng(99);
    // a slow counter: 16.4B growing by 20M/h, displayed as "16.4B" (step 100M)
    const f = linear(2e7, 16.4e9);
    const times = irregularTimes(r, T0, T0 + 5 * DAY, 0.2 * HOUR, 1.5 * HOUR);
    const s = cleanSeries(roundedPoints(f, times)).adjusted;
    let widenedSeen = 0;
    for (let k = 0; k < 40; k++) {
      const to = s[s.length - 1 - k * 3]!.t;
      for (const W of [HOUR, DAY]) {
        const w = windowVelocity(s, { to, windowMs: W });
        if (w === null) continue;
        const truth = (f(w.to) - f(w.from)) / ((w.to - w.from) / HOUR);
        expect(truth).toBeGreaterThanOrEqual(w.velocityPerHourLow - 1e-6);
        expect(truth).toBeLessThanOrEqual(w.velocityPerHourHigh + 1e-6);
        if (w.widened) {
          widenedSeen++;
          expect(w.from).toBeLessThan(w.nominalFrom);
          expect(w.delta).toBeGreaterThanOrEqual(2 * Number(w.step));
        }
      }
    }
    expect(widenedSeen).toBeGreaterThan(0);
  });

  it('contains the truth on a rounded exponential across K, M and B', () => {
    const r = rng(5);
    const f = (t: number) => 900 * Math.pow(2, (t - T0) / (0.5 * DAY)); // 900 → ~1e12 over 10 days
    const times = irregularTimes(r, T0, T0 + 10 * DAY, 0.3 * HOUR, 1.7 * HOUR);
    const s = cleanSeries(roundedPoints(f, times)).adjusted;
    const lin = (t: number) => interpolateAt(exactPoints(f, times).map((p) => ({ ...p })), t)!;
    let checked = 0;
    for (let i = 30; i < s.length; i += 7) {
      for (const W of [HOUR, 6 * HOUR, DAY]) {
        const w = windowVelocity(s, { to: s[i]!.t, windowMs: W });
        if (w === null) continue;
        const hours = (w.to - w.from) / HOUR;
        // rounding claim: the interval contains the change of the unrounded counter interpolated the same way
        const interpTruth = (lin(w.to) - lin(w.from)) / hours;
        expect(interpTruth).toBeGreaterThanOrEqual(w.velocityPerHourLow * (1 - 1e-9));
        expect(interpTruth).toBeLessThanOrEqual(w.velocityPerHourHigh * (1 + 1e-9));
        // and the true average velocity differs from that only by the (small) curvature error of interpolation
        const truth = (f(w.to) - f(w.from)) / hours;
        expect(Math.abs(truth / interpTruth - 1)).toBeLessThan(0.05);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('rateKnots', () => {
  it('places a knot at the midpoint of each display change, at value − step/2', () => {
    const s: CounterPoint[] = [
      { t: T0, value: 1000n, step: 100n },
      { t: T0 + HOUR, value: 1000n, step: 100n },
      { t: T0 + 2 * HOUR, value: 1100n, step: 100n },
      { t: T0 + 3 * HOUR, value: 1100n, step: 100n },
      { t: T0 + 4 * HOUR, value: 1300n, step: 100n },
    ];
    expect(rateKnots(s)).toEqual([
      { t: T0 + 1.5 * HOUR, value: 1050n, step: 100n },
      { t: T0 + 3.5 * HOUR, value: 1250n, step: 100n },
    ]);
    const exact = s.map((p) => ({ ...p, step: 0n }));
    expect(rateKnots(exact)).toEqual(exact);
  });
});

/**
 * Issue 15 (figure 7j): rateSeries rebins with `rebinSafe` (doubles, one sweep) whenever the series allows it; it must
 * give `rebin`'s bins bit for bit (Object.is on every increment), and decline (null) where it cannot promise that.
 */
describe('rebinSafe equals rebin', () => {
  it('on 400 random series: gaps, declines, half-millisecond knot times, edges outside the data, values near 2^53', () => {
    const r = rng(7070);
    let compared = 0;
    let declined = 0;
    for (let c = 0; c < 400; c++) {
      const n = randInt(r, 0, 300);
      const big = c % 10 === 0;
      let t = 1_700_000_000_000 + randInt(r, 0, 3_600_000);
      let v = big ? 2 ** 53 - 1e6 : randInt(r, 0, 1e9);
      const s: { t: number; value: bigint; step: bigint; gap?: boolean }[] = [];
      for (let i = 0; i < n; i++) {
        t += r() < 0.3 ? randInt(r, 1, 120) * 60_000 + 0.5 : randInt(r, 30, 200) * 60_000;
        v = Math.max(0, v + (r() < 0.1 ? -randInt(r, 0, 5000) : randInt(r, 0, big ? 2e5 : 1e7)));
        s.push({ t, value: BigInt(Math.round(v)), step: 0n, ...(r() < 0.05 ? { gap: true } : {}) });
      }
      const from = (s[0]?.t ?? t) - randInt(r, -5, 5) * 3_600_000;
      const to = (s[s.length - 1]?.t ?? t) + randInt(r, -5, 5) * 3_600_000;
      const step = [3_600_000, 7_200_000, 1_800_000, 86_400_000][c % 4]!;
      const want = rebin(s, from, to, step);
      const got = rebinSafe(s, from, to, step);
      if (got === null) {
        declined++;
        expect(s.some((p) => p.value >= 2n ** 53n - 1n), `case ${c} declined`).toBe(true);
        continue;
      }
      expect(got.length).toBe(want.length);
      for (let k = 0; k < want.length; k++) {
        expect(got[k]!.start).toBe(want[k]!.start);
        expect(got[k]!.end).toBe(want[k]!.end);
        expect(Object.is(got[k]!.increment, want[k]!.increment), `case ${c} bin ${k}: ${got[k]!.increment} vs ${want[k]!.increment}`).toBe(true);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(300);
    expect(declined).toBeGreaterThan(0);
    // not strictly increasing: declined, rebin's binary search stays
    expect(rebinSafe([{ t: 2, value: 1n, step: 0n }, { t: 1, value: 2n, step: 0n }], 0, 3, 1)).toBeNull();
  });
});
