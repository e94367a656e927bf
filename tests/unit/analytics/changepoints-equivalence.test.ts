/**
 * The faster change-point internals give exactly the old results (issue 15, report start): the noise σ no longer
 * recomputes the median of the residuals for every residual (O(n²)), the running median reuses one buffer, and PELT
 * keeps its candidate set in typed arrays instead of a Map and a new list per step. The old implementations are
 * copied here verbatim as the reference; every result must be identical (Object.is), not merely close.
 */
import { describe, expect, it } from 'vitest';
import { estimateNoiseSigma, median, normalMeanCost, normalMeanSlopeCost, pelt, runningMedianResiduals, type SegmentCost } from '../../../src/analytics/index.ts';
import { peltMeanSlope } from '../../../src/analytics/changepoints.ts';
import { gauss, randInt, rng } from './helpers.ts';

// ---- the old implementations (src/analytics/changepoints.ts before this change), unchanged ----
function oldRunningMedianResiduals(y: readonly number[], window: number): number[] {
  const n = y.length;
  const h = Math.max(1, Math.floor(window / 2));
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(y[i]! - median(y.slice(Math.max(0, i - h), Math.min(n, i + h + 1))));
  return out;
}

function oldEstimateNoiseSigma(y: readonly number[], window: number, floor: number): number {
  const n = y.length;
  if (n < 3) return floor;
  const resid = oldRunningMedianResiduals(y, window);
  const sigma = 1.4826 * median(resid.map((r) => Math.abs(r - median(resid))));
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += resid[i]! * resid[i]!;
    if (i > 0) num += resid[i]! * resid[i - 1]!;
  }
  const rho = den > 0 ? Math.min(0.9, Math.max(0, num / den)) : 0;
  const s = sigma * Math.sqrt((1 + rho) / (1 - rho));
  return Math.max(floor, Number.isFinite(s) ? s : floor);
}

function oldPelt(n: number, cost: SegmentCost, penalty: number, minSegment = 1, skip = 0): number[] {
  const minSeg = Math.max(1, Math.floor(minSegment));
  if (n < 2 * minSeg + skip) return [];
  const F = new Float64Array(n + 1).fill(Infinity);
  const last = new Int32Array(n + 1).fill(-1);
  F[0] = -penalty;
  let R: number[] = [0];
  for (let t = minSeg; t <= n; t++) {
    let best = Infinity;
    let arg = -1;
    const vals = new Map<number, number>();
    for (const tau of R) {
      const s0 = tau === 0 ? 0 : tau + skip;
      if (t - s0 < minSeg || !Number.isFinite(F[tau]!)) continue;
      const v = F[tau]! + cost(s0, t);
      vals.set(tau, v);
      if (v + penalty < best) {
        best = v + penalty;
        arg = tau;
      }
    }
    F[t] = best;
    last[t] = arg;
    R = R.filter((tau) => {
      const v = vals.get(tau);
      return v === undefined || v <= best;
    });
    if (Number.isFinite(best)) R.push(t);
  }
  const cps: number[] = [];
  let t = n;
  while (t > 0) {
    const tau = last[t]!;
    if (tau <= 0) break;
    cps.push(tau);
    t = tau;
  }
  return cps.reverse();
}
// ---- end of the old implementations ----

/** Random log-velocity-like series: noise, steps, ramps, ties (repeated values) and, sometimes, a run of constants. */
function randomSeries(r: () => number, n: number): number[] {
  const y: number[] = [];
  let level = r() * 10;
  let slope = 0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.03) level += (r() - 0.5) * 4;
    if (r() < 0.02) slope = (r() - 0.5) * 0.1;
    level += slope;
    const v = r() < 0.1 ? Math.round(level) : level + gauss(r) * (r() < 0.5 ? 0.05 : 0.5);
    y.push(v);
  }
  if (n > 10 && r() < 0.3) for (let i = randInt(r, 0, n - 6), k = 0; k < 5; k++) y[i + k] = y[i]!;
  return y;
}

describe('change-point internals equal the old implementations exactly', () => {
  it('runningMedianResiduals and estimateNoiseSigma on 300 random series (1–800 points, windows 1–60)', () => {
    const r = rng(20261205);
    for (let c = 0; c < 300; c++) {
      const y = randomSeries(r, randInt(r, 1, c < 290 ? 200 : 800));
      const w = randInt(r, 1, 60);
      const floor = r() < 0.5 ? 0.05 : 0;
      expect(runningMedianResiduals(y, w)).toEqual(oldRunningMedianResiduals(y, w));
      expect(Object.is(estimateNoiseSigma(y, w, floor), oldEstimateNoiseSigma(y, w, floor))).toBe(true);
    }
  });

  it('runningMedianResiduals with its sorted window (issue 15): ties, ±Infinity, and the −0 and NaN that send it back to the copy-and-select path', () => {
    const r = rng(150715);
    let sortedPath = 0;
    for (let c = 0; c < 300; c++) {
      const y = randomSeries(r, randInt(r, 1, 400)).map((v) => (Object.is(v, -0) ? 0 : v));
      const kind = c % 5;
      if (kind === 1 && y.length > 2) y[randInt(r, 0, y.length - 1)] = r() < 0.5 ? Infinity : -Infinity;
      if (kind === 2 && y.length > 2) y[randInt(r, 0, y.length - 1)] = -0;
      if (kind === 3 && y.length > 2) y[randInt(r, 0, y.length - 1)] = Number.NaN;
      if (kind === 4) for (let i = 0; i < y.length; i++) y[i] = Math.round(y[i]! * 2) / 2 + 0; // many equal values
      if (!y.some((v) => Number.isNaN(v) || Object.is(v, -0))) sortedPath++;
      const w = randInt(r, 1, 60);
      expect(runningMedianResiduals(y, w)).toEqual(oldRunningMedianResiduals(y, w));
      const floor = r() < 0.5 ? 0.05 : 0;
      expect(Object.is(estimateNoiseSigma(y, w, floor), oldEstimateNoiseSigma(y, w, floor))).toBe(true);
    }
    expect(sortedPath).toBeGreaterThan(150);
  });

  it('pelt on 400 random series with both costs, penalties, minimum segments and skips', () => {
    const r = rng(7);
    let withChanges = 0;
    for (let c = 0; c < 400; c++) {
      const n = randInt(r, 0, 300);
      const y = randomSeries(r, n);
      const sigma = 0.02 + r() * 0.5;
      const cost = r() < 0.5 ? normalMeanCost(y, sigma) : normalMeanSlopeCost(y, sigma);
      const penalty = (0.2 + r() * 3) * Math.log(Math.max(2, n));
      const minSeg = randInt(r, 1, 8);
      const skip = randInt(r, 0, 1);
      const got = pelt(n, cost, penalty, minSeg, skip);
      expect(got).toEqual(oldPelt(n, cost, penalty, minSeg, skip));
      if (got.length) withChanges++;
    }
    expect(withChanges).toBeGreaterThan(100); // the cases exercise pruning with real changes, not only empty answers
  });

  it('pelt with costs that give NaN or Infinity for some segments (a candidate costed NaN is pruned, as before)', () => {
    const r = rng(11);
    for (let c = 0; c < 200; c++) {
      const n = randInt(r, 5, 120);
      const y = randomSeries(r, n);
      const base = normalMeanCost(y, 0.1);
      const bad = new Set(Array.from({ length: randInt(r, 1, 6) }, () => randInt(r, 0, n)));
      const weird: SegmentCost = (a, b) => (bad.has(a) ? (r() < 0.5 ? Number.NaN : Infinity) : base(a, b));
      // the same sequence of random choices on both sides: the cost is deterministic per (a, b) once drawn
      const memo = new Map<string, number>();
      const cost: SegmentCost = (a, b) => {
        const k = `${a},${b}`;
        if (!memo.has(k)) memo.set(k, weird(a, b));
        return memo.get(k)!;
      };
      const minSeg = randInt(r, 1, 4);
      const skip = randInt(r, 0, 1);
      expect(pelt(n, cost, 3, minSeg, skip)).toEqual(oldPelt(n, cost, 3, minSeg, skip));
    }
  });
});

/**
 * Figure 7j (branch report5): `peltMeanSlope`, PELT with the mean-and-slope cost written into its loop, gives the
 * change points of `pelt` with `normalMeanSlopeCost` (and of the old PELT above), on series with and without changes,
 * with ±Infinity and NaN values (costs that are NaN or infinite), every minimum segment and skip.
 */
/** F(t) of the old PELT above (the same recursion and pruning), with the cost as a closure. */
function optimalCosts(n: number, cost: SegmentCost, penalty: number, minSegment: number, skip: number): Float64Array {
  const minSeg = Math.max(1, Math.floor(minSegment));
  const F = new Float64Array(n + 1).fill(Infinity);
  F[0] = -penalty;
  let R: number[] = [0];
  for (let t = minSeg; t <= n; t++) {
    let best = Infinity;
    const vals = new Map<number, number>();
    for (const tau of R) {
      const s0 = tau === 0 ? 0 : tau + skip;
      if (t - s0 < minSeg || !Number.isFinite(F[tau]!)) continue;
      const v = F[tau]! + cost(s0, t);
      vals.set(tau, v);
      if (v + penalty < best) best = v + penalty;
    }
    F[t] = best;
    R = R.filter((tau) => {
      const v = vals.get(tau);
      return v === undefined || v <= best;
    });
    if (Number.isFinite(best)) R.push(t);
  }
  return F;
}

describe('peltMeanSlope = pelt with normalMeanSlopeCost', () => {
  it('on 600 random series (changes, none, noisy, constant runs, non-finite values)', () => {
    const r = rng(7075);
    let withChanges = 0;
    let none = 0;
    for (let c = 0; c < 600; c++) {
      const n = randInt(r, 0, c < 560 ? 300 : 800);
      const y = c % 5 === 4 ? Array.from({ length: n }, () => gauss(r) * 2) : randomSeries(r, n);
      if (c % 11 === 10 && n > 0) y[randInt(r, 0, n - 1)] = [Infinity, -Infinity, Number.NaN][randInt(r, 0, 2)]!;
      const sigma = [0.02 + r() * 0.5, 2.1, 0.05][c % 3]!;
      const penalty = (0.2 + r() * 6) * Math.log(Math.max(2, n));
      const minSeg = randInt(r, 0, 8);
      const skip = randInt(r, 0, 1);
      const want = pelt(n, normalMeanSlopeCost(y, sigma), penalty, minSeg, skip);
      const F = new Float64Array(n + 1);
      expect(peltMeanSlope(y, sigma, penalty, minSeg, skip, F), `case ${c}`).toEqual(want);
      if (n >= 2 * Math.max(1, minSeg) + skip) {
        const Fwant = optimalCosts(n, normalMeanSlopeCost(y, sigma), penalty, minSeg, skip);
        let t = 0;
        while (t <= n && Object.is(F[t], Fwant[t])) t++;
        expect(t, `case ${c}: F(${t}) is ${F[t]}, the closure gives ${Fwant[t]}`).toBe(n + 1);
      }
      expect(want).toEqual(oldPelt(n, normalMeanSlopeCost(y, sigma), penalty, minSeg, skip));
      if (want.length) withChanges++;
      else if (n > 40) none++;
    }
    expect(withChanges, 'series with change points').toBeGreaterThan(150);
    expect(none, 'longer series without one (every pair costed)').toBeGreaterThan(50);
  });
});
