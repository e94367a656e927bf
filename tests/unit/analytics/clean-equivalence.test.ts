/**
 * The faster cleaning gives exactly the old results (issue 15, single-tag report and `tagpulse report`, figures 7h/6b):
 * `cleanSeries` computes every interval's local motion (median rate and median absolute rate of the neighbouring
 * intervals) in one pass over two sorted sliding windows (`localMotions`) instead of refilling and quickselecting a
 * window per sample. The old implementation is kept verbatim in reference/clean-before-report.ts; on random counters
 * with noise, rounding, dips, spikes, revisions, zeros, lower bounds and irregular sampling every field must be equal,
 * not merely close, and the one-pass medians must equal the per-sample ones for every interval and window size.
 */
import { describe, expect, it } from 'vitest';
import { cleanSeries, localMotion, localMotions, sortAndDedupe } from '../../../src/analytics/clean.ts';
import type { SeriesPoint } from '../../../src/analytics/types.ts';
import { cleanSeries as cleanSeriesBefore, sortAndDedupe as sortAndDedupeBefore } from './reference/clean-before-report.ts';
import { binClean, binHourly, binReadings, type HourBin } from '../../../src/analytics/metrics.ts';
import { binClean as binCleanBefore, binHourly as binHourlyBefore, binReadings as binReadingsBefore } from './reference/bins-before-compare3.ts';
import { HOUR, T0, gauss, randInt, rng } from './helpers.ts';

/** A counter with the troubles cleaning exists for. */
function troubled(r: () => number): SeriesPoint[] {
  const n = randInt(r, 2, 900);
  const step = r() < 0.3 ? BigInt(10 ** randInt(r, 1, 3)) : 0n;
  const rate = 10 ** (1 + 3 * r());
  const out: SeriesPoint[] = [];
  let c = 1e5 + 1e6 * r();
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += Math.round((r() < 0.1 ? 0.1 + 6 * r() : 0.5 + r()) * HOUR);
    c += Math.max(0, rate * (1 + 0.3 * gauss(r)) * (r() < 0.02 ? 20 : 1));
    if (r() < 0.01) c *= 0.7; // a revision downwards
    let value = BigInt(Math.round(c));
    const u = r();
    if (u < 0.02) value = value / 3n; // a dip
    else if (u < 0.04) value = value * 2n; // a spike
    else if (u < 0.045) value = 0n; // a zero
    if (step > 0n) value = (value / step) * step;
    const precision = u > 0.97 ? 'lower_bound' : step > 0n ? 'rounded' : 'exact';
    out.push({ t, value, step, precision, source: r() < 0.5 ? 'a' : 'b' });
    if (r() < 0.02) out.push({ t, value: value + 1n, step, precision, source: 'c' }); // a second reading at the same instant
  }
  return out;
}

describe('cleanSeries equals the cleaning before the sliding medians exactly', () => {
  it('on 300 random troubled counters, default options', () => {
    const r = rng(1519);
    let revisions = 0;
    let glitches = 0;
    for (let c = 0; c < 300; c++) {
      const s = troubled(r);
      const got = cleanSeries(s);
      expect(got).toEqual(cleanSeriesBefore(s));
      revisions += got.revisions.length;
      glitches += got.glitches.length;
    }
    expect(revisions).toBeGreaterThan(50); // the shift rules were exercised, not only the plain path
    expect(glitches).toBeGreaterThan(300);
  });

  it('on counters above 2^53 (the exact bigint differences) and straddling it', () => {
    const r = rng(1522);
    let straddling = 0;
    let revisions = 0;
    for (let c = 0; c < 120; c++) {
      // scaled far above 2^53 with low bits a float cannot hold (revisions and their excess still happen), or shifted to
      // cross 2^53 as the counter grows
      const big = (v: bigint) => (c % 2 === 0 ? v * 2n ** 40n + BigInt(randInt(r, 0, 2 ** 20)) : v + 2n ** 53n - 600_000n);
      const s = troubled(r).map((p) => ({ ...p, value: p.value === 0n ? 0n : big(p.value), step: p.step * (c % 2 === 0 ? 2n ** 40n : 1n) }));
      const got = cleanSeries(s);
      expect(got).toEqual(cleanSeriesBefore(s));
      revisions += got.revisions.length;
      if (s.some((p) => p.value > 0n && p.value < 2n ** 53n) && s.some((p) => p.value >= 2n ** 53n)) straddling++;
    }
    expect(straddling).toBeGreaterThan(20); // pairs on both sides of 2^53 were compared
    expect(revisions).toBeGreaterThan(10); // and revisions far above it, whose excess comes from those differences
  });

  it('with other neighbour counts (whole, fractional, zero) and run limits', () => {
    const r = rng(1520);
    for (let c = 0; c < 120; c++) {
      const s = troubled(r);
      const opts = { shiftNeighbours: [0, 1, 2, 3, 7, 12, 30, 2.5][c % 8]!, glitchMaxRunPoints: randInt(r, 1, 8), shiftMotionFactor: 5 + 30 * r() };
      expect(cleanSeries(s, opts)).toEqual(cleanSeriesBefore(s, opts));
    }
  });
});

describe('sortAndDedupe with its one-pass copy of already increasing input equals the general sort and dedupe', () => {
  it('on increasing, shuffled, repeated, equal-time and non-finite inputs: the same points in the same order, a new array', () => {
    const r = rng(1521);
    let fast = 0;
    let general = 0;
    for (let c = 0; c < 400; c++) {
      let s = troubled(r);
      const kind = c % 5;
      if (kind === 1) s = s.filter((p, i) => i === 0 || p.t !== s[i - 1]!.t); // strictly increasing: the one-pass copy
      if (kind === 2) s = [...s].sort(() => r() - 0.5); // shuffled
      if (kind === 3 && s.length) s = [...s, { ...s[randInt(r, 0, s.length - 1)]!, source: 'z' }]; // a repeat at the end
      if (kind === 4 && s.length) s = [...s.slice(0, -1), { ...s[s.length - 1]!, t: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][c % 3]! }];
      const increasing = s.every((p, i) => Number.isFinite(p.t) && (i === 0 || p.t > s[i - 1]!.t));
      if (increasing) fast++;
      else general++;
      const got = sortAndDedupe(s);
      const want = sortAndDedupeBefore(s);
      expect(got).not.toBe(s);
      expect(got.length).toBe(want.length);
      got.forEach((p, i) => expect(p).toBe(want[i])); // the very same point objects, in the same order
    }
    expect(fast).toBeGreaterThan(80);
    expect(general).toBeGreaterThan(150);
    expect(sortAndDedupe([])).toEqual(sortAndDedupeBefore([]));
  });
});

describe('localMotions = localMotion for every interval', () => {
  it('on random times and values (ties, flat stretches, repeated times), k = 1..25', () => {
    const r = rng(1521);
    for (let c = 0; c < 300; c++) {
      const n = randInt(r, 0, 200);
      const t: number[] = [];
      const v: number[] = [];
      let tt = 0;
      let vv = 0;
      for (let i = 0; i < n; i++) {
        tt += r() < 0.05 ? 0 : randInt(r, 1, 3); // repeated times: intervals of length 0 are left out
        vv += r() < 0.3 ? 0 : randInt(r, 0, 4) * (r() < 0.1 ? -1 : 1); // ties and drops
        t.push(tt);
        v.push(vv);
      }
      const k = randInt(r, 1, 25);
      const all = localMotions(t, v, k);
      for (let i = 1; i < n; i++) {
        const one = localMotion(t, v, i, k);
        expect([all.rate[i], all.absRate[i], all.n[i]]).toEqual([one.rate, one.absRate, one.n]);
      }
    }
  });
});

describe('binHourly, binReadings and binClean with their fast paths for ordered input equal their earlier versions', () => {
  it('on ordered, shuffled, repeated-time and non-finite inputs, bins out of order and every kind of as-of time', () => {
    const r = rng(2026);
    const shuffle = <T>(xs: T[]): T[] => xs.map((x) => [r(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const kinds = { ordered: 0, general: 0, binsOrdered: 0, binsShuffled: 0 };
    for (let c = 0; c < 96; c++) {
      let points = troubled(r).slice(0, randInt(r, 2, 300));
      const kind = c % 4;
      // 0: as read (repeated times sometimes); 1: strictly increasing (the fast path); 2: shuffled; 3: a non-finite time
      if (kind === 1) points = points.filter((p, i) => i === 0 || p.t > points[i - 1]!.t);
      if (kind === 2) points = shuffle(points);
      if (kind === 3) points.splice(randInt(r, 0, points.length), 0, { t: [Number.NaN, Number.POSITIVE_INFINITY][c % 2]!, value: 5n, step: 0n, precision: 'exact' });
      const last = points[points.length - 1]!.t;
      const ats = [[undefined, Number.POSITIVE_INFINITY][c % 2], T0 + (Number.isFinite(last) ? (last - T0) * r() : 0), T0 - HOUR];
      for (const at of ats) {
        const bins = binHourly(points, at);
        expect(bins, `binHourly ${c} ${at}`).toEqual(binHourlyBefore(points, at));
        const asOf = at ?? Number.POSITIVE_INFINITY;
        const variants: HourBin[][] = [bins, shuffle(bins)];
        if (bins.length > 2) variants.push(bins.map((b, i) => (i === 1 ? { ...b, start: Number.NaN } : b)), bins.map((b, i) => (i === bins.length - 1 ? { ...b, firstAt: Number.NaN } : b)));
        for (const [v, bs] of variants.entries()) {
          for (const a of [asOf, asOf - 7 * HOUR]) {
            expect(binReadings(bs, a), `binReadings ${c} ${v} ${a}`).toEqual(binReadingsBefore(bs, a));
            expect(binClean(bs, a), `binClean ${c} ${v} ${a}`).toEqual(binCleanBefore(bs, a));
          }
          if (v === 0) kinds.binsOrdered++;
          else kinds.binsShuffled++;
        }
      }
      if (kind === 1) kinds.ordered++;
      else kinds.general++;
    }
    expect(kinds.ordered).toBeGreaterThan(20);
    expect(kinds.general).toBeGreaterThan(60);
    expect(kinds.binsShuffled).toBeGreaterThan(kinds.binsOrdered);
  });
});
