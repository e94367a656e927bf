/**
 * reading_columns (compare's readings as one row of columns, issue 15 figure 7d) checks its array columns in one loop
 * each instead of z.array of an element schema, as chosen_many's schema did before it (this replaces that test, whose
 * query is gone), and maps its precision codes 1–3 back to their names. It must accept and reject exactly what the
 * z.array schema does, plus columns of unequal length, give the same data, and name the column that is wrong.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readingColumnsQuery, readingColumnsRangeQuery } from '../../../src/store/queries.ts';

const COLUMNS = ['tag_index', 't', 'value', 'step', 'precision', 'source', 'method', 'provenance'] as const;
const reference = z
  .object({
    tag_index: z.array(z.number().int().min(1)),
    t: z.array(z.number()),
    value: z.array(z.string()),
    step: z.array(z.string()),
    precision: z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).transform((a) => a.map((code) => (['exact', 'rounded', 'lower_bound'] as const)[code - 1]!)),
    source: z.array(z.string()),
    method: z.array(z.string()),
    provenance: z.array(z.string()),
  })
  .refine((c) => Object.values(c).every((a) => a.length === c.t.length), { message: 'columns of different lengths' });

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const ODD: unknown[] = [null, undefined, 1, 3, 4, -0, 0, 2.5, -3, '1', 'exact', 'approx', true, {}, [], Number.NaN, Number.POSITIVE_INFINITY, '18446744073709551615'];

describe('reading_columns schema = z.array columns of equal length', () => {
  it('accepts, rejects and returns the same on valid answers and answers with one wrong column, element or length', () => {
    const r = rng(1915);
    let rejected = 0;
    let accepted = 0;
    for (let c = 0; c < 800; c++) {
      const n = Math.floor(r() * 6);
      const cols: Record<string, unknown> = {
        tag_index: Array.from({ length: n }, (_, i) => 1 + (i >> 1)),
        t: Array.from({ length: n }, (_, i) => 1.7e12 + i * 3.6e6),
        value: Array.from({ length: n }, () => String(Math.floor(r() * 1e9))),
        step: Array.from({ length: n }, () => (r() < 0.5 ? '0' : '1000')),
        precision: Array.from({ length: n }, () => 1 + Math.floor(r() * 3)),
        source: Array.from({ length: n }, () => 'tiktok.api.statsV2'),
        method: Array.from({ length: n }, () => (r() < 0.8 ? 'http' : 'import')),
        provenance: Array.from({ length: n }, () => (r() < 0.8 ? '' : 'file.csv')),
      };
      const col = COLUMNS[Math.floor(r() * COLUMNS.length)]!;
      const odd = ODD[Math.floor(r() * ODD.length)];
      if (c % 4 === 1) cols[col] = odd; // the whole column wrong
      if (c % 4 === 2 && n > 0) (cols[col] as unknown[])[Math.floor(r() * n)] = odd; // one element wrong
      if (c % 4 === 3) (cols[col] as unknown[]).push(...(r() < 0.5 ? ['x'] : [])); // sometimes one column longer
      for (const q of [readingColumnsQuery, readingColumnsRangeQuery]) {
        const got = q.row.safeParse(cols);
        const want = reference.safeParse(cols);
        expect(got.success).toBe(want.success);
        if (got.success && want.success) expect(got.data).toEqual(want.data);
        if (!got.success && !want.success) expect(got.error.issues.map((i) => i.path[0])).toEqual([...new Set(want.error.issues.map((i) => i.path[0]))]);
      }
      if (reference.safeParse(cols).success) accepted++;
      else rejected++;
    }
    expect(rejected).toBeGreaterThan(250);
    expect(accepted).toBeGreaterThan(250);
  });

  it('is a columns query over the same rows as readings_many (the FINAL read, (tag, time) order)', () => {
    for (const q of [readingColumnsQuery, readingColumnsRangeQuery]) {
      expect(q.columns).toBe(true);
      expect(q.sql).toMatch(/FINAL/);
      expect(q.sql).toMatch(/ORDER BY tag, observed_at$/);
    }
  });
});
