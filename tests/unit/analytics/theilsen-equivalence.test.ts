/**
 * theilSenCI computes the pairwise slopes from typed copies of the sorted points (figure 6b: a cold process ran the
 * m²/2 inner iterations over two-element arrays several times slower), and since figure 7h picks the four order
 * statistics it needs (median, interval ends) by selection instead of sorting every slope. The sorting function is
 * copied verbatim below as the reference; on random inputs (ties in x, repeated points, non-finite values, -0,
 * irregular spacing) and on inputs built to stress the selection (all slopes zero with both signs, −0 slopes at the
 * ranks asked for, many equal slopes, ±Infinity and NaN slopes from overflowing differences, duplicates, two x values
 * only) every field must be equal, bit for bit (Object.is: −0 is not 0). A process sorts in its first
 * SORT_FIRST_CALLS fits and selects after them, so both ways run here (the selection in all but the first few hundred
 * of the thousands of fits below, the sort also wherever an x difference overflows and a slope can be NaN). Since
 * issue 15 a fit of BRACKET_MIN_SLOPES slopes or more selects inside a bracket (`bracketedRank`): the last block.
 */
import { describe, expect, it } from 'vitest';
import { median } from '../../../src/analytics/math.ts';
import { BRACKET_MIN_SLOPES, SORT_FIRST_CALLS, bracketedRank, normalQuantile2, theilSenCI, type TheilSenCI } from '../../../src/analytics/growth.ts';
import { randInt, rng } from './helpers.ts';

const FIELDS = ['slope', 'intercept', 'n', 'slopeLow', 'slopeHigh', 'rho'] as const;
/** Both null, or every field the same double (Object.is). */
function expectSame(got: TheilSenCI | null, want: TheilSenCI | null, what: string): void {
  if (want === null || got === null) {
    expect(got, what).toBe(want);
    return;
  }
  for (const f of FIELDS) expect(Object.is(got[f], want[f]), `${what}: ${f} ${got[f]} vs ${want[f]}`).toBe(true);
}

// src/analytics/growth.ts theilSenCI before the change, verbatim
function theilSenCIBefore(
  xs: readonly number[],
  ys: readonly number[],
  opts: { confidence?: number; maxIndependent?: number } = {},
): TheilSenCI | null {
  const pts: [number, number][] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) pts.push([xs[i]!, ys[i]!]);
  pts.sort((a, b) => a[0] - b[0]);
  const m = pts.length;
  if (m < 3) return null;
  const slopes = new Float64Array((m * (m - 1)) / 2);
  let k = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) if (pts[j]![0] !== pts[i]![0]) slopes[k++] = (pts[j]![1] - pts[i]![1]) / (pts[j]![0] - pts[i]![0]);
  if (k === 0) return null;
  const sorted = slopes.subarray(0, k).sort();
  const slope = k % 2 === 1 ? sorted[k >> 1]! : (sorted[(k >> 1) - 1]! + sorted[k >> 1]!) / 2;
  const intercept = median(pts.map(([x, y]) => y - slope * x));
  const resid = pts.map(([x, y]) => y - intercept - slope * x);
  let num = 0;
  let den = 0;
  for (let i = 0; i < resid.length; i++) {
    den += resid[i]! * resid[i]!;
    if (i > 0) num += resid[i]! * resid[i - 1]!;
  }
  const rho = den > 0 ? Math.min(0.9, Math.max(0, num / den)) : 0;
  const n = Math.min(m, Math.max(3, opts.maxIndependent ?? m));
  const c = normalQuantile2(opts.confidence ?? 0.95) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18) * Math.sqrt((1 + rho) / (1 - rho)) * (k / ((n * (n - 1)) / 2));
  const lo = Math.max(0, Math.floor((k - c) / 2) - 1);
  const hi = Math.min(k - 1, Math.ceil((k + c) / 2));
  return { slope, intercept, n: m, slopeLow: Math.min(slope, sorted[lo]!), slopeHigh: Math.max(slope, sorted[hi]!), rho };
}

describe('theilSenCI equals the version before the typed copies exactly', () => {
  it('on 400 random inputs', () => {
    const r = rng(1522);
    let fits = 0;
    for (let c = 0; c < 400; c++) {
      const n = randInt(r, 0, 300);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const u = r();
        xs.push(u < 0.02 ? Number.NaN : u < 0.1 ? Math.floor(r() * 20) : u < 0.12 ? -0 : r() * 100);
        ys.push(u > 0.98 ? Infinity : Math.log(1 + r() * 1e6) + (r() < 0.05 ? -0 : 0));
      }
      const opts = { confidence: [0.9, 0.95, 0.99][c % 3]!, ...(c % 4 === 0 ? { maxIndependent: randInt(r, 1, 400) } : {}) };
      const got: TheilSenCI | null = theilSenCI(xs, ys, opts);
      expect(got).toEqual(theilSenCIBefore(xs, ys, opts));
      if (got) fits++;
    }
    expect(fits).toBeGreaterThan(300);
  });
});

describe('theilSenCI by selection equals the sorting version bit for bit', () => {
  const CONF = [0.9, 0.95, 0.99];
  it('runs past the sorting calls of a fresh process, so the cases below select', () => {
    expect(SORT_FIRST_CALLS).toBeLessThan(100);
    for (let i = 0; i < SORT_FIRST_CALLS; i++) expect(theilSenCI([0, 1, 2, 3], [0, 1, 4, 9])).toEqual(theilSenCIBefore([0, 1, 2, 3], [0, 1, 4, 9]));
  });
  it('on 600 random inputs, every field Object.is-equal', () => {
    const r = rng(7015);
    let fits = 0;
    for (let c = 0; c < 600; c++) {
      const n = randInt(r, 0, 200);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const u = r();
        xs.push(u < 0.02 ? Number.NaN : u < 0.15 ? Math.floor(r() * 20) : u < 0.18 ? -0 : r() * 100);
        ys.push(u > 0.98 ? Infinity : Math.log(1 + r() * 1e6) + (r() < 0.05 ? -0 : 0));
      }
      const opts = { confidence: CONF[c % 3]!, ...(c % 4 === 0 ? { maxIndependent: randInt(r, 1, 400) } : {}) };
      const want = theilSenCIBefore(xs, ys, opts);
      expectSame(theilSenCI(xs, ys, opts), want, `case ${c}`);
      if (want) fits++;
    }
    expect(fits).toBeGreaterThan(450);
  });

  it('on inputs that stress the selection: zero slopes of both signs, equal slopes, ±Infinity and NaN slopes, duplicates', () => {
    const r = rng(2026);
    let negZeroSlope = 0;
    let posZeroSlope = 0;
    let infinite = 0;
    let nan = 0;
    let cases = 0;
    const check = (xs: number[], ys: number[], what: string) => {
      for (const confidence of CONF) {
        for (const maxIndependent of [undefined, 3, 10]) {
          const opts = { confidence, ...(maxIndependent !== undefined ? { maxIndependent } : {}) };
          const want = theilSenCIBefore(xs, ys, opts);
          expectSame(theilSenCI(xs, ys, opts), want, what);
          cases++;
          if (want) {
            for (const v of [want.slope, want.slopeLow, want.slopeHigh]) {
              if (Object.is(v, -0)) negZeroSlope++;
              else if (Object.is(v, 0)) posZeroSlope++;
              else if (!Number.isFinite(v) && !Number.isNaN(v)) infinite++;
              else if (Number.isNaN(v)) nan++;
            }
          }
        }
      }
    };
    for (let c = 0; c < 300; c++) {
      const n = randInt(r, 3, 60);
      const kind = c % 6;
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        if (kind === 0) {
          // a flat series of ±0: every slope is ±0 ((−0) − (+0) = −0), in proportions that put −0 at some ranks
          xs.push(i + (r() < 0.2 ? 0 : r()));
          ys.push(r() < [0.1, 0.5, 0.9][c % 3]! ? -0 : 0);
        } else if (kind === 1) {
          // a step: most slopes exactly 0, some positive, some negative, with −0 mixed in
          xs.push(randInt(r, 0, 30));
          ys.push(r() < 0.7 ? (r() < 0.5 ? -0 : 0) : randInt(r, -3, 3));
        } else if (kind === 2) {
          // few distinct values: many exactly equal slopes
          xs.push(randInt(r, 0, 6));
          ys.push(randInt(r, 0, 3));
        } else if (kind === 3) {
          // differences that overflow: ±Infinity slopes, and Infinity/Infinity = NaN slopes
          xs.push(r() < 0.5 ? randInt(r, 0, 5) : (r() < 0.5 ? -1 : 1) * 1.7e308 * r());
          ys.push(r() < 0.3 ? (r() < 0.5 ? -1 : 1) * 1.7e308 : r() * 10);
        } else if (kind === 4) {
          // tiny x steps: huge (±Infinity) slopes without NaN
          xs.push(i * 5e-324 * randInt(r, 1, 3));
          ys.push(r() < 0.5 ? 1e300 * r() : -1e300 * r());
        } else {
          // repeated points and two x values only
          xs.push(r() < 0.5 ? 1 : 2);
          ys.push(r() < 0.5 ? 0.5 : -0.25);
        }
      }
      check(xs, ys, `stress ${c} (kind ${kind})`);
    }
    expect(cases).toBe(300 * 9);
    expect(negZeroSlope, '−0 chosen at some rank').toBeGreaterThan(20);
    expect(posZeroSlope, '+0 chosen at some rank').toBeGreaterThan(20);
    expect(infinite, '±Infinity slopes chosen').toBeGreaterThan(10);
    expect(nan, 'NaN slopes reach a result (the sorting path)').toBeGreaterThan(0);
  });
});

/**
 * Issue 15 (figures 7h/7j): from BRACKET_MIN_SLOPES slopes on, the ranks are selected inside a bracket from a sample
 * (`bracketedRank`). Most fits above have fewer slopes, so here: fits of 65–200 points (2,080–19,900 slopes) of every
 * stress kind against the sorting version, and `bracketedRank` itself against the sorted array, including arrays built
 * so that the bracket misses (the sample sees only one value) and the rank is selected from the copy instead — after
 * a bracket that held an earlier rank, whose gathered slopes the missing pass overwrote.
 */
describe('theilSenCI with many slopes (bracketed selection) equals the sorting version bit for bit', () => {
  const CONF_ALL = [0.9, 0.95, 0.99];
  it('runs past the sorting calls of a fresh process', () => {
    for (let i = 0; i < SORT_FIRST_CALLS; i++) theilSenCI([0, 1, 2, 3], [0, 1, 4, 9]);
  });

  it('on 240 fits of 65–200 points: hourly log-counters, zeros of both signs, ties, ±Infinity, random', () => {
    const r = rng(1515);
    let bracketed = 0;
    for (let c = 0; c < 240; c++) {
      const n = randInt(r, 65, 200);
      const kind = c % 6;
      const xs: number[] = [];
      const ys: number[] = [];
      let y = Math.log(1e6);
      for (let i = 0; i < n; i++) {
        if (kind === 0) {
          xs.push((i - n) / 24);
          y += 0.002 * (1 + Math.sin(i / 4)) * (1 + 0.3 * r());
          ys.push(y);
        } else if (kind === 1) {
          xs.push(i + (r() < 0.2 ? 0 : r()));
          ys.push(r() < [0.1, 0.5, 0.9][c % 3]! ? -0 : 0);
        } else if (kind === 2) {
          xs.push(randInt(r, 0, 30));
          ys.push(r() < 0.7 ? (r() < 0.5 ? -0 : 0) : randInt(r, -3, 3));
        } else if (kind === 3) {
          xs.push(randInt(r, 0, 6));
          ys.push(randInt(r, 0, 3));
        } else if (kind === 4) {
          xs.push(i);
          ys.push(r() < 0.3 ? (r() < 0.5 ? -1 : 1) * 1.7e308 : r() * 10);
        } else {
          xs.push(r() * 100);
          ys.push(Math.log(1 + r() * 1e6));
        }
      }
      const sx = [...xs].sort((a, b) => a - b);
      let pairs = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (sx[i] !== sx[j]) pairs++;
      if (pairs >= BRACKET_MIN_SLOPES) bracketed++;
      for (const confidence of CONF_ALL) {
        const opts = { confidence, ...(c % 2 === 0 ? { maxIndependent: randInt(r, 3, 300) } : {}) };
        expectSame(theilSenCI(xs, ys, opts), theilSenCIBefore(xs, ys, opts), `many ${c} (kind ${kind})`);
      }
    }
    expect(bracketed).toBeGreaterThan(150);
  });

  it('bracketedRank gives the sorted array’s value at every rank, also where the bracket misses', () => {
    const r = rng(99);
    const k = 4096;
    // the sample (the middle of every k/512-th stretch) sees only 0; every other slope is 1 or −1
    const miss = new Float64Array(k).map((_, i) => (i % 8 === 4 ? 0 : i % 3 === 0 ? -1 : 1));
    const arrays = [
      miss,
      new Float64Array(k).map((_, i) => i), // ascending
      new Float64Array(k).map((_, i) => -i), // descending
      new Float64Array(5000).map(() => (r() < 0.5 ? -0 : 0) + (r() < 0.1 ? randInt(r, -2, 2) : 0)), // ±0 ties
      new Float64Array(3000).map(() => (r() < 0.05 ? (r() < 0.5 ? -Infinity : Infinity) : r() - 0.5)),
      new Float64Array(2048).map((_, i) => Math.sin(i) * 1e-300),
    ];
    for (const a of arrays) {
      expect(a.length).toBeGreaterThanOrEqual(BRACKET_MIN_SLOPES);
      const sorted = Float64Array.from(a).sort();
      const at = bracketedRank(a);
      const ranks = [0, a.length - 1, a.length >> 1, (a.length >> 1) - 1, ...Array.from({ length: 40 }, () => randInt(r, 0, a.length - 1))];
      for (const rank of ranks) expect(Object.is(at(rank), sorted[rank]), `rank ${rank} of ${a.length}`).toBe(true);
    }
    // ranks away from the zeros are not in the bracket [0, 0]: found in the copy
    expect(Object.is(bracketedRank(miss)(k - 1), 1)).toBe(true);
    expect(Object.is(bracketedRank(miss)(0), -1)).toBe(true);
  });

  it('above 2^18 slopes (own buffers instead of the shared scratch): an 800-point fit and a missing bracket', () => {
    const r = rng(4242);
    const xs: number[] = [];
    const ys: number[] = [];
    let y = Math.log(5e4);
    for (let i = 0; i < 800; i++) {
      xs.push((i - 800) / 24);
      y += 0.003 * (1 + Math.sin(i / 4)) * (1 + 0.5 * r());
      ys.push(y);
    }
    expectSame(theilSenCI(xs, ys, { maxIndependent: 500 }), theilSenCIBefore(xs, ys, { maxIndependent: 500 }), '800 points');
    const big = 520 * 512; // the sample takes every 520th slope from index 260: all zeros
    const miss = new Float64Array(big).map((_, i) => (i % 520 === 260 ? 0 : i % 3 === 0 ? -1 : 1));
    const sorted = Float64Array.from(miss).sort();
    const at = bracketedRank(miss);
    for (const rank of [big >> 1, 0, big - 1, (big >> 1) - 1, 1000, big - 1000]) expect(Object.is(at(rank), sorted[rank]), `rank ${rank}`).toBe(true);
  });
});
