/**
 * The faster lifecycle fit gives exactly the old results (issue 15, single-tag report): `profile`, which runs thousands
 * of times per fit (grid search, Levenberg–Marquardt, 100 bootstrap refits), reuses one scratch array and picks the
 * curve once per call instead of once per edge, with the same expressions. The old implementation is kept verbatim in
 * reference/lifecycle-before-issue15.ts; on random rise-and-fall counters (logistic- and Gompertz-like waves, noise,
 * rounding, irregular sampling, gaps) every field must be equal, not merely close.
 */
import { describe, expect, it } from 'vitest';
import { fitLifecycle, type CounterPoint } from '../../../src/analytics/index.ts';
import { fitLifecycle as fitLifecycleBefore } from './reference/lifecycle-before-issue15.ts';
import { HOUR, T0, gauss, randInt, rng } from './helpers.ts';

/** A counter whose velocity rises and falls (a wave) on top of a base rate, sampled irregularly. */
function wave(r: () => number): CounterPoint[] {
  const hours = randInt(r, 24, 900);
  const peakAt = hours * (0.2 + 0.6 * r());
  const width = 3 + r() * hours * 0.2;
  const height = 10 ** (2 + 4 * r());
  const baseRate = r() < 0.5 ? 0 : height * 0.05 * r();
  const noise = r() < 0.3 ? 0 : 0.02 + 0.3 * r();
  const step = r() < 0.3 ? BigInt(10 ** randInt(r, 1, 4)) : 0n;
  const gompertzLike = r() < 0.5;
  const out: CounterPoint[] = [];
  let c = 1e6 * (1 + r());
  let t = T0;
  for (let h = 0; h < hours; h += 0.5 + r() * 1.5) {
    const x = (h - peakAt) / width;
    const v = baseRate + height * (gompertzLike ? Math.exp(-x - Math.exp(-x)) : 1 / (2 + Math.exp(x) + Math.exp(-x)));
    c += Math.max(0, v * Math.exp(noise * gauss(r)));
    t = T0 + Math.round(h * HOUR);
    if (r() < 0.01) continue; // a missing sample now and then
    const value = step > 0n ? (BigInt(Math.round(c)) / step) * step : BigInt(Math.round(c));
    out.push({ t, value, step, precision: step > 0n ? 'rounded' : 'exact' } as CounterPoint);
  }
  return out;
}

describe('fitLifecycle equals the fit before issue 15 exactly', () => {
  it('on 120 random waves (both curve families, noise, rounding, irregular sampling), default options', () => {
    const r = rng(15);
    let fitted = 0;
    for (let c = 0; c < 120; c++) {
      const s = wave(r);
      const got = fitLifecycle(s);
      expect(got).toEqual(fitLifecycleBefore(s));
      if (got) fitted++;
    }
    expect(fitted).toBeGreaterThan(30); // most cases reach the fit and its bootstrap, not an early null
  });

  it('with other options (coarser grids, fewer replicates, other seeds)', () => {
    const r = rng(16);
    for (let c = 0; c < 40; c++) {
      const s = wave(r);
      const opts = { maxBins: randInt(r, 20, 400), bootstrapReplicates: randInt(r, 5, 60), bootstrapSeed: randInt(r, 1, 1e9), maxIterations: randInt(r, 10, 100) };
      expect(fitLifecycle(s, opts)).toEqual(fitLifecycleBefore(s, opts));
    }
  });
});
