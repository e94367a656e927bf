/**
 * The faster lifecycle fit gives exactly the old results (issue 15, single-tag report): `profile`, which runs thousands
 * of times per fit (grid search, Levenberg–Marquardt, 100 bootstrap refits), reuses one scratch array and picks the
 * curve once per call instead of once per edge, with the same expressions. The old implementation is kept verbatim in
 * reference/lifecycle-before-issue15.ts; on random rise-and-fall counters (logistic- and Gompertz-like waves, noise,
 * rounding, irregular sampling, gaps) every field must be equal, not merely close.
 *
 * Later in issue 15 (branch report): `profile` skips Math.exp where the curve is saturated (SAT_ONE_BELOW,
 * GOMPERTZ_ZERO_ABOVE, LOGISTIC_ZERO_ABOVE; pinned below against the expressions on both sides of each bound), and
 * Levenberg–Marquardt keeps an accepted step's residuals instead of recomputing them. Both must leave every result
 * unchanged, also with the acceptance checks off (so every fit that converges is returned, not only the accepted ones).
 *
 * Figure 7j (branch report4): the grid search profiles both curves in one pass (`gridStarts`, `profileBoth`), sharing
 * each edge's z and e^z. Its two starting points must be, bit for bit, the ones a grid of `shape` expressions gives per
 * curve, including where no grid point has K > 0, on non-contiguous bins, and where the curves saturate.
 */
import { describe, expect, it } from 'vitest';
import { fitLifecycle, type CounterPoint } from '../../../src/analytics/index.ts';
import { GOMPERTZ_ZERO_ABOVE, LIFECYCLE_DEFAULTS, LOGISTIC_ZERO_ABOVE, R2_BOUND_MARGIN, SAT_ONE_BELOW, UNIMODAL_ROUNDING, curveSseLowerBound, gridStarts, peakObserved, type FitData, type LifecycleModel, type ProfiledFit } from '../../../src/analytics/lifecycle.ts';
import { fitLifecycle as fitLifecycleBefore, shape as shapeBefore } from './reference/lifecycle-before-issue15.ts';
import { rateSeries } from '../../../src/analytics/velocity.ts';
import { DAY, HOUR, T0, gauss, randInt, rng } from './helpers.ts';

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

  it('with the acceptance checks off (R², peak width), so converged but rejected fits are compared too', () => {
    const r = rng(17);
    let fitted = 0;
    for (let c = 0; c < 60; c++) {
      const s = wave(r);
      const opts = { minR2: -Infinity, minPeakWidthBins: 0, bootstrapReplicates: randInt(r, 5, 40) };
      const got = fitLifecycle(s, opts);
      expect(got).toEqual(fitLifecycleBefore(s, opts));
      if (got) fitted++;
    }
    expect(fitted).toBeGreaterThan(20);
  });
});

describe('the saturation bounds of profile give the values the expressions give', () => {
  const logistic = (z: number) => 1 / (1 + Math.exp(z));
  const gompertz = (z: number) => Math.exp(-Math.exp(z));
  it('g = 1 below SAT_ONE_BELOW for both curves, and the bound keeps a margin', () => {
    const r = rng(18);
    for (let i = 0; i < 20_000; i++) {
      const z = SAT_ONE_BELOW - r() * (i % 2 ? 1 : 1e4);
      expect(logistic(z)).toBe(1);
      expect(gompertz(z)).toBe(1);
    }
    for (const z of [SAT_ONE_BELOW, SAT_ONE_BELOW - Number.EPSILON * 64, -1e308]) {
      expect(logistic(z)).toBe(1);
      expect(gompertz(z)).toBe(1);
    }
    // the bound is not the edge: just above it the Gompertz curve is still exactly 1 (so it is safe), and further up it is not
    expect(gompertz(-37.5)).toBe(1);
    expect(gompertz(-37)).toBeLessThan(1);
  });
  it('Gompertz g = 0 above GOMPERTZ_ZERO_ABOVE, logistic g = 0 above LOGISTIC_ZERO_ABOVE', () => {
    const r = rng(19);
    for (let i = 0; i < 20_000; i++) {
      expect(gompertz(GOMPERTZ_ZERO_ABOVE + r() * (i % 2 ? 1 : 1e4))).toBe(0);
      expect(logistic(LOGISTIC_ZERO_ABOVE + r() * (i % 2 ? 1 : 1e4))).toBe(0);
    }
    expect(gompertz(6.6)).toBeGreaterThan(0); // just below the bound the value is a subnormal, not 0: the bound is tight-ish but safe
    expect(gompertz(Number.MAX_VALUE)).toBe(0);
    expect(logistic(Number.MAX_VALUE)).toBe(0);
    expect(logistic(709)).toBeGreaterThan(0);
  });
});

/** The grid of the code before figure 7j, per curve, written with the reference `shape` (the expressions `profile` spells out). */
function gridBefore(model: LifecycleModel, d: FitData): ProfiledFit {
  const n = d.y.length;
  const profile = (lr: number, m: number): ProfiledFit => {
    const r = Math.exp(lr);
    const h = new Float64Array(n);
    let shh = 0;
    let syh = 0;
    for (let i = 0; i < n; i++) {
      const hi = shapeBefore(model, r, m, d.b[i]!) - shapeBefore(model, r, m, d.a[i]!);
      h[i] = hi;
      shh += hi * hi;
      syh += d.y[i]! * hi;
    }
    const k = shh > 0 ? syh / shh : 0;
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const e = d.y[i]! - k * h[i]!;
      sse += e * e;
    }
    return { lr, m, k, sse: Number.isFinite(sse) ? sse : Infinity };
  };
  const tStart = d.a[0]!;
  const span = Math.max(d.b[n - 1]! - tStart, 1e-6);
  const w = Math.max(d.b[0]! - d.a[0]!, 1e-6);
  const lrLo = Math.log(1 / span);
  const lrHi = Math.log(4 / w);
  let best: ProfiledFit = { lr: 0, m: 0, k: 0, sse: Infinity };
  for (let i = 0; i < 21; i++) {
    const lr = lrLo + ((lrHi - lrLo) * i) / 20;
    for (let j = 0; j < 31; j++) {
      const f = profile(lr, tStart + (span * j) / 30);
      if (f.k > 0 && f.sse < best.sse) best = f;
    }
  }
  return best;
}

describe('the grid profiles both curves in one pass (gridStarts) = a grid per curve', () => {
  it('on 300 random increment series: contiguous and not, negative and zero increments, saturating and huge rates', () => {
    const r = rng(7071);
    let noPositiveK = 0;
    let saturated = 0;
    for (let c = 0; c < 300; c++) {
      const n = randInt(r, 1, 120);
      const width = [1 / 24, 1 / 12, 1, 1e-7, 30][c % 5]!;
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      const y = new Float64Array(n);
      let t = r() * 3;
      const peak = n * width * r();
      for (let i = 0; i < n; i++) {
        if (c % 3 === 1 && r() < 0.3) t += width * randInt(r, 1, 5); // a hole: the next bin does not start where this ended
        a[i] = t;
        t += width;
        b[i] = t;
        const x = (a[i]! - peak) / (width * (1 + 10 * r()));
        // rise-and-fall increments, or noise around zero (no grid point with K > 0 for some), or all zero
        y[i] = c % 7 === 0 ? 0 : c % 4 === 3 ? r() - 0.6 : 1 / (2 + Math.exp(x) + Math.exp(-x)) + 0.05 * (r() - 0.5);
      }
      const d: FitData = { t0: 0, scale: 1, a, b, y };
      const got = gridStarts(d);
      for (const model of ['logistic', 'gompertz'] as const) {
        const want = gridBefore(model, d);
        for (const f of ['lr', 'm', 'k', 'sse'] as const) expect(Object.is(got[model][f], want[f]), `case ${c} ${model} ${f}: ${got[model][f]} vs ${want[f]}`).toBe(true);
        if (!Number.isFinite(want.sse)) noPositiveK++;
        if (Math.exp(want.lr) * (b[n - 1]! - a[0]!) > 40) saturated++;
      }
    }
    expect(noPositiveK, 'cases where no grid point has K > 0').toBeGreaterThan(20);
    expect(saturated, 'starting points whose curve saturates inside the data').toBeGreaterThan(20);
  });
});

/**
 * Figure 7j (branch report5): `fitLifecycle` skips the grid search and Levenberg–Marquardt when no curve can reach
 * `minR2`, by `curveSseLowerBound` (a weighted unimodal regression of the increments: every curve's increments are
 * K·h with h the bin widths times a unimodal sequence). The bench's generated tags are noisy counters whose peak test
 * passes but whose fit is always rejected (R² ≤ 0.04 by the bound); the grid was ~10 ms of the first report after a
 * change. The skip must give the reference's result exactly: null where it returns null, and never a skip where it fits.
 */

/** A noisy counter: hourly increments around a level, with an optional wave and multiplicative noise of any size. */
function noisyCounter(r: () => number): CounterPoint[] {
  const hours = randInt(r, 48, 1400);
  const level = 10 ** (1 + 4 * r());
  const amp = r() < 0.3 ? 0 : 10 * r() ** 2;
  const peakAt = hours * (0.1 + 0.8 * r());
  const width = 2 + r() * hours * 0.3;
  const sigma = [0.02, 0.1, 0.3, 0.6, 1, 1.5][randInt(r, 0, 5)]!;
  const every = r() < 0.5 ? 1 : 0.5 + r() * 3;
  const step = r() < 0.2 ? BigInt(10 ** randInt(r, 1, 3)) : 0n;
  const out: CounterPoint[] = [];
  let c = 1e5 * (1 + r());
  for (let h = 0; h < hours; h += every) {
    const x = (h - peakAt) / width;
    c += level * every * (1 + amp * Math.exp(-x * x)) * Math.exp(sigma * gauss(r));
    if (r() < 0.02) continue;
    const value = step > 0n ? (BigInt(Math.round(c)) / step) * step : BigInt(Math.round(c));
    out.push({ t: T0 + Math.round(h * HOUR), value, step, precision: step > 0n ? 'rounded' : 'exact' } as CounterPoint);
  }
  return out;
}

/** The fit data `fitLifecycle` builds (its increments on the rate grid), or null where it stops before the fit. */
function fitDataOf(s: readonly CounterPoint[], o: typeof LIFECYCLE_DEFAULTS): FitData | null {
  if (s.length < 3) return null;
  const rs = rateSeries(s, s[0]!.t, s[s.length - 1]!.t, { baseBinMs: o.baseBinMs, maxBins: o.maxBins });
  if (rs === null || rs.bins.length < o.minBins) return null;
  if (!peakObserved(rs.bins.map((b) => b.velocityPerHour), o.smoothingBins, o.peakDropFraction)) return null;
  const t0 = rs.bins[0]!.start;
  const scale = rs.bins.reduce((x, b) => x + b.increment, 0);
  if (!(scale > 0)) return null;
  return {
    t0,
    scale,
    a: Float64Array.from(rs.bins, (b) => (b.start - t0) / DAY),
    b: Float64Array.from(rs.bins, (b) => (b.end - t0) / DAY),
    y: Float64Array.from(rs.bins, (b) => b.increment / scale),
  };
}

/** 1 − bound/SST: the largest R² any curve can reach on d (real arithmetic). */
function r2Bound(d: FitData): number {
  const n = d.y.length;
  const mean = d.y.reduce((x, v) => x + v, 0) / n;
  const sst = d.y.reduce((x, v) => x + (v - mean) * (v - mean), 0);
  return 1 - curveSseLowerBound(d) / sst;
}

describe('fitLifecycle skips a fit no curve can accept (curveSseLowerBound) and gives the reference result', () => {
  it('on 260 noisy counters and waves, with minR2 swept from 0 to 0.99 across the cases', () => {
    const r = rng(7072);
    let skipped = 0;
    let fitted = 0;
    let near = 0;
    for (let c = 0; c < 260; c++) {
      const s = c % 4 === 3 ? wave(r) : noisyCounter(r);
      const opts = c % 2 === 0 ? {} : { minR2: Math.floor(r() * 100) / 100, bootstrapReplicates: randInt(r, 5, 30) };
      const got = fitLifecycle(s, opts);
      const want = fitLifecycleBefore(s, opts);
      expect(got, `case ${c}`).toEqual(want);
      if (want) fitted++;
      const d = fitDataOf(s, { ...LIFECYCLE_DEFAULTS, ...opts });
      if (d) {
        const bound = r2Bound(d);
        const minR2 = opts.minR2 ?? LIFECYCLE_DEFAULTS.minR2;
        if (bound + R2_BOUND_MARGIN < minR2) skipped++;
        if (Math.abs(bound - minR2) < 0.1) near++;
      }
    }
    expect(skipped, 'fits skipped by the bound').toBeGreaterThan(40);
    expect(fitted, 'fits returned (the bound let them through)').toBeGreaterThan(20);
    expect(near, 'cases whose bound is within 0.1 of minR2').toBeGreaterThan(10);
  });

  it('the bound is below the SSE of every curve with K > 0 (random bins, holes, uneven widths, any r and m)', () => {
    const r = rng(7073);
    let positive = 0;
    let tight = 0;
    for (let c = 0; c < 200; c++) {
      const n = randInt(r, 1, 90);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      const y = new Float64Array(n);
      let t = r() * 5;
      const base = 0.5 / n;
      for (let i = 0; i < n; i++) {
        if (c % 3 === 1 && r() < 0.3) t += r() * 2; // holes
        const w = c % 5 === 2 ? 0.05 + r() : 1 / 12; // uneven widths in some cases
        a[i] = t;
        t += w;
        b[i] = t;
        y[i] = c % 4 === 0 ? base * Math.exp(gauss(r)) : base * (1 + 3 * Math.exp(-(((i - n / 2) / (n / 6)) ** 2))) * Math.exp(0.3 * gauss(r));
      }
      const d: FitData = { t0: 0, scale: 1, a, b, y };
      const bound = curveSseLowerBound(d);
      if (bound > 0) positive++;
      const span = b[n - 1]! - a[0]!;
      let bestSse = Infinity;
      for (let k = 0; k < 300; k++) {
        const model: LifecycleModel = k % 2 ? 'logistic' : 'gompertz';
        const lr = Math.log(1 / span) + (r() * 14 - 4);
        const m = a[0]! + span * (r() * 1.6 - 0.3);
        const rr = Math.exp(lr);
        const h = Array.from(a, (ai, i) => shapeBefore(model, rr, m, b[i]!) - shapeBefore(model, rr, m, ai));
        const shh = h.reduce((x, v) => x + v * v, 0);
        const syh = h.reduce((x, v, i) => x + y[i]! * v, 0);
        if (!(shh > 1e-12) || !(syh > 0)) continue;
        const K = syh / shh;
        const sse = h.reduce((x, v, i) => x + (y[i]! - K * v) ** 2, 0);
        expect(sse, `case ${c}, ${model} lr ${lr} m ${m}`).toBeGreaterThanOrEqual(bound);
        bestSse = Math.min(bestSse, sse);
      }
      if (bound > 0 && bestSse < 3 * bound) tight++;
    }
    expect(positive, 'cases with a bound above 0').toBeGreaterThan(150);
    expect(tight, 'cases where some curve comes within 3× of the bound').toBeGreaterThan(30);
  });

  it('equals a brute-force weighted unimodal regression (every split, pool-adjacent-violators from scratch)', () => {
    const r = rng(7074);
    const isotonicSse = (x: number[], w: number[]): number => {
      // non-decreasing weighted least squares by repeated pooling of the first violating pair
      let blocks = x.map((v, i) => ({ w: w[i]!, s: w[i]! * v, items: [i] }));
      for (let again = true; again; ) {
        again = false;
        for (let i = 0; i + 1 < blocks.length; i++) {
          if (blocks[i]!.s / blocks[i]!.w > blocks[i + 1]!.s / blocks[i + 1]!.w) {
            const p = blocks[i]!;
            const q = blocks[i + 1]!;
            blocks = [...blocks.slice(0, i), { w: p.w + q.w, s: p.s + q.s, items: [...p.items, ...q.items] }, ...blocks.slice(i + 2)];
            again = true;
            break;
          }
        }
      }
      let sse = 0;
      for (const bl of blocks) for (const i of bl.items) sse += w[i]! * (x[i]! - bl.s / bl.w) ** 2;
      return sse;
    };
    for (let c = 0; c < 400; c++) {
      const n = randInt(r, 1, 14);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      const y = new Float64Array(n);
      let t = 0;
      for (let i = 0; i < n; i++) {
        a[i] = t;
        t += c % 2 ? 1 : 0.2 + r();
        b[i] = t;
        t += c % 3 === 0 ? r() : 0;
        y[i] = c % 5 === 0 ? randInt(r, 0, 3) : r() - 0.2; // ties and negative increments too
      }
      const x = Array.from(y, (v, i) => v / (b[i]! - a[i]!));
      const w = Array.from(y, (_, i) => (b[i]! - a[i]!) ** 2);
      let best = Infinity;
      for (let j = 0; j <= n; j++) {
        const up = isotonicSse(x.slice(0, j), w.slice(0, j));
        const down = isotonicSse(x.slice(j).reverse(), w.slice(j).reverse());
        best = Math.min(best, up + down);
      }
      const sumSq = y.reduce((s, v) => s + v * v, 0);
      const want = Math.max(0, best - UNIMODAL_ROUNDING * sumSq);
      expect(Math.abs(curveSseLowerBound({ t0: 0, scale: 1, a, b, y }) - want), `case ${c}`).toBeLessThanOrEqual(1e-12 * Math.max(1, sumSq));
    }
    // not applicable: overlapping or empty bins give the trivial bound
    expect(curveSseLowerBound({ t0: 0, scale: 1, a: Float64Array.of(0, 0.5), b: Float64Array.of(1, 2), y: Float64Array.of(1, 0) })).toBe(0);
    expect(curveSseLowerBound({ t0: 0, scale: 1, a: Float64Array.of(0, 1), b: Float64Array.of(1, 1), y: Float64Array.of(1, 0) })).toBe(0);
  });
});
