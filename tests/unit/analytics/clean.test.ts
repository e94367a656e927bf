import { describe, expect, it } from 'vitest';
import { cleanSeries, detectGaps, futureRunningMin, sortAndDedupe } from '../../../src/analytics/index.ts';
import type { SeriesPoint } from '../../../src/analytics/index.ts';
import { HOUR, T0, rng, shuffle } from './helpers.ts';

const ex = (h: number, v: number | bigint): SeriesPoint => ({ t: T0 + h * HOUR, value: BigInt(v), precision: 'exact', step: 0n });
const rd = (h: number, v: number | bigint, step: number | bigint): SeriesPoint => ({
  t: T0 + h * HOUR,
  value: BigInt(v),
  precision: 'rounded',
  step: BigInt(step),
});
const iso = (h: number) => new Date(T0 + h * HOUR).toISOString();
const values = (pts: readonly { value: bigint }[]) => pts.map((p) => Number(p.value));

describe('sortAndDedupe', () => {
  it('sorts by time and keeps one point per timestamp: exact over rounded, then the larger value', () => {
    const pts: SeriesPoint[] = [
      ex(2, 300),
      rd(1, 200, 100),
      ex(1, 180),
      rd(0, 100, 10),
      rd(0, 120, 10),
      { ...ex(3, 500), precision: 'lower_bound' },
      ex(3, 400),
    ];
    const out = sortAndDedupe(pts);
    expect(out.map((p) => (p.t - T0) / HOUR)).toEqual([0, 1, 2, 3]);
    expect(values(out)).toEqual([120, 180, 300, 400]);
    expect(out[1]!.precision).toBe('exact');
  });

  it('does not depend on input order (ties broken by step, then source)', () => {
    const pts: SeriesPoint[] = [
      { ...rd(0, 100, 10), source: 'b' },
      { ...rd(0, 100, 10), source: 'a' },
      { ...rd(0, 100, 1) },
      ex(1, 200),
    ];
    const ref = sortAndDedupe(pts);
    expect(ref[0]!.step).toBe(1n);
    const r = rng(7);
    for (let i = 0; i < 20; i++) expect(sortAndDedupe(shuffle(pts, r))).toEqual(ref);
    const noStep: SeriesPoint[] = [{ ...rd(0, 100, 10), source: 'b' }, { ...rd(0, 100, 10), source: 'a' }, rd(0, 100, 10)];
    expect(sortAndDedupe(noStep)[0]!.source).toBe('a');
    expect(sortAndDedupe(shuffle(noStep, r))[0]!.source).toBe('a');
  });
});

describe('futureRunningMin', () => {
  it('is min over the future', () => {
    expect(futureRunningMin([5n, 3n, 4n, 2n, 6n])).toEqual([2n, 2n, 2n, 2n, 6n]);
    expect(futureRunningMin([])).toEqual([]);
  });
});

describe('cleanSeries', () => {
  it('treats a zero as missing (glitch), not as a drop', () => {
    const c = cleanSeries([ex(0, 1000), ex(1, 2000), ex(2, 0), ex(3, 4000)]);
    expect(c.glitches).toEqual([{ at: iso(2), value: '0', reason: 'zero' }]);
    expect(c.revisions).toEqual([]);
    expect(values(c.adjusted)).toEqual([1000, 2000, 4000]);
    expect(c.raw).toHaveLength(4);
  });

  it('treats an impossible drop that returns to trend as a glitch ("dip")', () => {
    const c = cleanSeries([ex(0, 1000), ex(1, 2000), ex(2, 50), ex(3, 60), ex(4, 2500)]);
    expect(c.glitches.map((g) => [g.at, g.reason])).toEqual([
      [iso(2), 'dip'],
      [iso(3), 'dip'],
    ]);
    expect(c.revisions).toEqual([]);
    expect(values(c.adjusted)).toEqual([1000, 2000, 2500]);
  });

  // issue 11: a drop within the rounding step is the counter's own motion (display flicker, or a shrinking counter):
  // neither a glitch nor a revision, and no longer clipped to zero change (clipping hid genuine declines).
  it('treats a drop within the rounding step as motion, not a glitch or revision', () => {
    const q = 100_000_000; // "16.4B": one decimal of B
    const c = cleanSeries([rd(0, 164 * q, q), rd(1, 163 * q, q), rd(2, 165 * q, q)]);
    expect(c.glitches).toEqual([]);
    expect(c.revisions).toEqual([]);
    expect(values(c.adjusted)).toEqual([164 * q, 163 * q, 165 * q]);
  });

  it('uses the larger of the two steps as the tolerance', () => {
    const c = cleanSeries([ex(0, 1_000_050), rd(1, 1_000_000, 100_000), ex(2, 1_000_100)]);
    expect(c.revisions).toEqual([]);
    expect(c.glitches).toEqual([]);
  });

  // issue 11: the adjusted series removes the level shift from the earlier points instead of pushing it back onto
  // the earlier increments (the future running minimum invented a stall there).
  it('records a persistent drop beyond the step as one revision and removes the shift without a stall', () => {
    const pts = Array.from({ length: 40 }, (_, h) => ex(h, 10_000 + 100 * h - (h >= 20 ? 3000 : 0)));
    const c = cleanSeries(pts);
    expect(c.revisions).toEqual([{ at: iso(20), from: '11900', to: '9000' }]);
    expect(c.glitches).toEqual([]);
    expect(values(c.adjusted)).toEqual(Array.from({ length: 40 }, (_, h) => 7_000 + 100 * h));
    expect(c.adjusted.map((p) => Number(p.raw))).toEqual(pts.map((p) => Number(p.value)));
  });

  it('a drop at the very end is a revision until later data show a return to trend', () => {
    expect(cleanSeries([ex(0, 100), ex(1, 200), ex(2, 120)]).revisions).toHaveLength(1);
    const later = cleanSeries([ex(0, 100), ex(1, 200), ex(2, 120), ex(3, 210)]);
    expect(later.revisions).toEqual([]);
    expect(later.glitches).toHaveLength(1);
  });

  it('a revision followed much later by regrowth past the old level stays a revision', () => {
    const hours = Array.from({ length: 40 }, (_, i) => i * 6); // 10 days at 6 h
    const pts = hours.map((h) => ex(h, h < 60 ? 1000 + 10 * h : 1000 + 10 * h - 400));
    const c = cleanSeries(pts);
    expect(c.revisions).toEqual([{ at: iso(60), from: '1540', to: '1200' }]);
    expect(c.glitches).toEqual([]);
    // but a short dip that regains the level within 5 samples / 24 h is a glitch
    const dip = hours.map((h) => ex(h, h >= 60 && h < 84 ? 500 : 1000 + 10 * h));
    const d = cleanSeries(dip);
    expect(d.revisions).toEqual([]);
    expect(d.glitches.map((g) => g.reason)).toEqual(['dip', 'dip', 'dip', 'dip']);
  });

  it('keeps lower bounds in raw but excludes them from the adjusted series', () => {
    const lb: SeriesPoint = { t: T0 + 1.5 * HOUR, value: 10_000n, precision: 'lower_bound', step: 0n };
    const c = cleanSeries([ex(0, 100), ex(1, 200), lb, ex(2, 300)]);
    expect(c.raw).toHaveLength(4);
    expect(values(c.adjusted)).toEqual([100, 200, 300]);
    expect(c.revisions).toEqual([]);
  });

  it('handles counts above 2^53 exactly', () => {
    const big = 2n ** 60n;
    const c = cleanSeries([ex(0, big), ex(1, big + 1n), ex(2, big + 3n)]);
    expect(c.adjusted.map((p) => p.value - big)).toEqual([0n, 1n, 3n]);
  });
});

describe('gaps', () => {
  // issue 11: a gap is Δt > 2 × the median interval (was 3 × with a 2 h floor), never less than 2 × the cadence.
  it('reports Δt > 2 × median Δt', () => {
    const hours = [0, 1, 2, 3, 5.5, 6, 7, 17, 18, 19];
    const c = cleanSeries(hours.map((h, i) => ex(h, 100 + i)));
    expect(c.medianIntervalMs).toBe(HOUR);
    expect(c.gaps).toEqual([{ from: iso(3), to: iso(5.5) }, { from: iso(7), to: iso(17) }]);
    expect(c.adjusted.filter((p) => p.gap).map((p) => p.t)).toEqual([T0 + 5.5 * HOUR, T0 + 17 * HOUR]);
  });

  it('never calls late samples of a tracked tag gaps: the threshold is at least 2 × the cadence', () => {
    const times = [0, 600_000, 1_200_000, 1_800_000, 1_800_000 + 90 * 60_000].map((t) => T0 + t);
    expect(detectGaps(times).gaps).toHaveLength(1); // 90 min > 2 × 10 min
    expect(detectGaps(times, { cadenceMs: 3_600_000 }).gaps).toEqual([]); // hourly cadence: 90 min is a late sample
    expect(detectGaps(times, { gapMinMs: 3 * 3_600_000 }).gaps).toEqual([]);
  });

  it('treats glitch samples as missing when looking for gaps', () => {
    const c = cleanSeries([ex(0, 100), ex(1, 200), ex(2, 300), ex(3, 0), ex(4, 0), ex(5, 0), ex(6, 0), ex(7, 700), ex(8, 800)]);
    expect(c.gaps).toEqual([{ from: iso(2), to: iso(7) }]);
  });
});

describe('cleanSeries local motion (scratch buffers)', () => {
  // The local-motion medians use module-level scratch buffers (a speed change, issue 15 compare). Why this test: a
  // buffer must carry nothing from one call to the next, also after it grew for a wider neighbourhood.
  it('gives the same result for a series whatever was cleaned before it, and after the buffers grew', () => {
    const r = rng(15);
    const series = (n: number): SeriesPoint[] => {
      let v = 1_000;
      return Array.from({ length: n }, (_, h) => {
        v += Math.floor(r() * 500);
        const glitch = r() < 0.05;
        return ex(h, glitch ? Math.floor(v / 3) : v);
      });
    };
    const a = series(300);
    const b = series(200);
    const first = JSON.stringify(cleanSeries(a), (_k, x) => (typeof x === 'bigint' ? String(x) : x));
    cleanSeries(b);
    cleanSeries(b, { shiftNeighbours: 40 });
    const again = JSON.stringify(cleanSeries(a), (_k, x) => (typeof x === 'bigint' ? String(x) : x));
    expect(again).toBe(first);
    expect(cleanSeries(a).glitches.length).toBeGreaterThan(0);
  });
});
