/**
 * theilSenCI computes the pairwise slopes from typed copies of the sorted points (figure 6b: a cold process ran the
 * m²/2 inner iterations over two-element arrays several times slower), and since figure 7h picks the four order
 * statistics it needs (median, interval ends) by selection instead of sorting every slope. The sorting function is
 * copied verbatim below as the reference; on random inputs (ties in x, repeated points, non-finite values, -0,
 * irregular spacing) and on inputs built to stress the selection (all slopes zero with both signs, −0 slopes at the
 * ranks asked for, many equal slopes, ±Infinity and NaN slopes from overflowing differences, duplicates, two x values
 * only) every field must be equal, bit for bit (Object.is: −0 is not 0). A process sorts in its first
 * SORT_FIRST_CALLS fits and selects after them, so both ways run here (the selection in all but the first few hundred
 * of the thousands of fits below, the sort also wherever an x difference overflows and a slope can be NaN).
 */
import { describe, expect, it } from 'vitest';
import { median } from '../../../src/analytics/math.ts';
import { SORT_FIRST_CALLS, normalQuantile2, theilSenCI, type TheilSenCI } from '../../../src/analytics/growth.ts';
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
