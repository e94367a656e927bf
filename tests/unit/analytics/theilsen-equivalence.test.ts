/**
 * theilSenCI computes the pairwise slopes from typed copies of the sorted points (figure 6b: a cold process ran the
 * m²/2 inner iterations over two-element arrays several times slower). The old function is copied verbatim below; on
 * random inputs (ties in x, repeated points, non-finite values, -0, irregular spacing) every field must be equal.
 */
import { describe, expect, it } from 'vitest';
import { median } from '../../../src/analytics/math.ts';
import { normalQuantile2, theilSenCI, type TheilSenCI } from '../../../src/analytics/growth.ts';
import { randInt, rng } from './helpers.ts';

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
