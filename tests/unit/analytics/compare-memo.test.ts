/**
 * Figure 7d: `compareSeries` may take each series' cleaned counter from an `AdjustedCounterMemo` when its points are
 * unchanged. The memo must change nothing: over random sequences of comparisons — the same tags again, a value, a
 * precision, a step, a source or a time changed, a point added or dropped, keys beyond the memo's size — every result
 * with the memo equals the result without it. A repeat on unchanged points is served from the memo (the very same
 * array, so the test is not vacuous), and a changed point is not, even one the caller changed in place.
 */
import { describe, expect, it } from 'vitest';
import { AdjustedCounterMemo, compareSeries, type CompareScale } from '../../../src/analytics/compare.ts';
import type { SeriesPoint } from '../../../src/analytics/types.ts';
import { HOUR, T0, gauss, randInt, rng } from './helpers.ts';

function series(r: () => number): SeriesPoint[] {
  const n = randInt(r, 0, 400);
  const step = r() < 0.3 ? BigInt(10 ** randInt(r, 1, 5)) : 0n;
  const out: SeriesPoint[] = [];
  let c = 1e6 * r();
  let t = T0 + randInt(r, 0, 48) * HOUR;
  for (let i = 0; i < n; i++) {
    t += Math.round(HOUR * (r() < 0.03 ? 30 : 0.5 + r()));
    c += 1e3 * Math.exp(gauss(r));
    const glitch = r() < 0.02 ? -5e3 : 0;
    const v = BigInt(Math.max(1, Math.round(c + glitch)));
    const precision = r() < 0.05 ? 'lower_bound' : step > 0n ? 'rounded' : 'exact';
    out.push({ t, value: step > 0n ? (v / step) * step : v, precision, step: precision === 'rounded' ? step : 0n, source: r() < 0.5 ? 'tiktok.api.statsV2' : 'tiktok.rehydration.shareMeta' });
  }
  return out;
}

/** A copy of the points with one change (or none), as a later read of the same tag might give. */
function changed(r: () => number, ps: SeriesPoint[]): SeriesPoint[] {
  const out = ps.map((p) => ({ ...p }));
  if (!out.length) return out;
  const i = randInt(r, 0, out.length - 1);
  const p = out[i]!;
  switch (randInt(r, 0, 6)) {
    case 0: p.value += 1n; break;
    case 1: p.precision = p.precision === 'exact' ? 'lower_bound' : 'exact'; break;
    case 2: p.step = p.step + 10n; break;
    case 3: p.source = `${p.source}x`; break;
    case 4: p.t -= 1; break;
    case 5: out.push({ ...out[out.length - 1]!, t: out[out.length - 1]!.t + HOUR, value: out[out.length - 1]!.value + 5n }); break;
    default: out.splice(i, 1);
  }
  return out;
}

describe('AdjustedCounterMemo: a comparison with the memo equals it without', () => {
  it('random sequences of comparisons (repeats, changed points, more keys than the memo holds)', () => {
    const r = rng(1507);
    const memo = new AdjustedCounterMemo(6);
    const store = new Map<string, SeriesPoint[]>();
    const names = Array.from({ length: 10 }, (_, i) => `tag${i}`);
    let hits = 0;
    for (let round = 0; round < 300; round++) {
      const keys = [...new Set(Array.from({ length: randInt(r, 1, 5) }, () => names[randInt(r, 0, names.length - 1)]!))];
      for (const k of keys) {
        const old = store.get(k);
        store.set(k, !old || r() < 0.15 ? series(r) : r() < 0.4 ? changed(r, old) : old.map((p) => ({ ...p })));
      }
      const input = keys.map((key) => ({ key, points: store.get(key)! }));
      const scale = (['linear', 'log', 'indexed'] as CompareScale[])[randInt(r, 0, 2)]!;
      const opts = { scale, stepMs: [HOUR, 6 * HOUR, 24 * HOUR][randInt(r, 0, 2)]! };
      const before = new Map(keys.map((k) => [k, memoPeek(memo, k)]));
      const a = compareSeries(input, { ...opts, memo, memoScope: 'tiktok\0views' });
      const b = compareSeries(input, opts);
      expect(a).toEqual(b);
      for (const k of keys) if (before.get(k) !== undefined && before.get(k) === memoPeek(memo, k)) hits++;
      expect(memo.size).toBeLessThanOrEqual(6);
    }
    expect(hits).toBeGreaterThan(50);
  });

  it('serves unchanged points from the memo and recomputes on any changed field', () => {
    const r = rng(15);
    const memo = new AdjustedCounterMemo();
    const ps = series(r).slice(0, 200);
    while (ps.length < 50) ps.push(...series(r).slice(0, 50));
    const first = memo.adjusted('k', ps);
    expect(memo.adjusted('k', ps.map((p) => ({ ...p })))).toBe(first);
    for (const change of [(p: SeriesPoint) => (p.value += 1n), (p: SeriesPoint) => (p.t += 1), (p: SeriesPoint) => (p.source = 'other'), (p: SeriesPoint) => (p.step += 1n)]) {
      const copy = ps.map((p) => ({ ...p }));
      change(copy[10]!);
      const again = memo.adjusted('k', copy);
      expect(again).not.toBe(first);
      expect(memo.adjusted('k', ps)).not.toBe(again); // back to the original points: computed again, not the changed ones
    }
    // a caller changing its own points after the call: the memo kept a copy, so the changed points are not a hit
    const kept = memo.adjusted('k', ps);
    ps[20]!.value += 7n;
    expect(memo.adjusted('k', ps)).not.toBe(kept);
  });
});

/** The memo's array for a tag of the scope the test uses. */
const memoPeek = (memo: AdjustedCounterMemo, key: string) => memo.peek(`tiktok\0views\0${key}`);
