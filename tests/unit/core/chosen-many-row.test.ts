/**
 * chosen_many's row schema checks its array columns in one loop instead of z.array of an element schema (issue 15,
 * figure 7d: zod's per-element checks were about 1 ms of compare). It must accept and reject exactly what the
 * z.array schema did, give the same data, and still name the column that is wrong.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chosenManyQuery } from '../../../src/store/queries.ts';
import { u64 } from '../../../src/store/columns.ts';

const before = z.object({
  tag: z.string(),
  observations: u64.transform(Number),
  exact_rows: u64.transform(Number),
  times: z.array(z.number()),
  values: z.array(z.string()),
  steps: z.array(z.string()),
  precisions: z.array(z.enum(['exact', 'rounded', 'lower_bound'])),
  sources: z.array(z.string()),
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const ODD: unknown[] = [null, undefined, 1, -0, '1', 'exact', 'approx', true, {}, [], Number.NaN, Number.POSITIVE_INFINITY, '18446744073709551615'];

describe('chosen_many row schema = the z.array schema it replaced', () => {
  it('accepts, rejects and returns the same on valid rows and rows with one wrong column or element', () => {
    const r = rng(715);
    let rejected = 0;
    for (let c = 0; c < 600; c++) {
      const n = Math.floor(r() * 6);
      const row: Record<string, unknown> = {
        tag: 'rp' + c,
        observations: String(n + Math.floor(r() * 3)),
        exact_rows: String(n),
        times: Array.from({ length: n }, (_, i) => 1.7e12 + i * 3.6e6),
        values: Array.from({ length: n }, () => String(Math.floor(r() * 1e9))),
        steps: Array.from({ length: n }, () => (r() < 0.5 ? '0' : '1000')),
        precisions: Array.from({ length: n }, () => (['exact', 'rounded', 'lower_bound'] as const)[Math.floor(r() * 3)]),
        sources: Array.from({ length: n }, () => 'tiktok_web'),
      };
      const col = ['times', 'values', 'steps', 'precisions', 'sources'][Math.floor(r() * 5)]!;
      const odd = ODD[Math.floor(r() * ODD.length)];
      if (c % 3 === 1) row[col] = odd; // the whole column wrong
      if (c % 3 === 2 && n > 0) (row[col] as unknown[])[Math.floor(r() * n)] = odd; // one element wrong
      const got = chosenManyQuery.row.safeParse(row);
      const want = before.safeParse(row);
      expect(got.success).toBe(want.success);
      if (got.success && want.success) expect(got.data).toEqual(want.data);
      if (!got.success && !want.success) {
        rejected++;
        expect(got.error.issues.map((i) => i.path[0])).toEqual([...new Set(want.error.issues.map((i) => i.path[0]))]);
      }
    }
    expect(rejected).toBeGreaterThan(200);
  });
});
