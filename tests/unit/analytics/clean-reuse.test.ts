/**
 * `cleanSeriesClassified(points, opts, reuse)` (issue 15, figures 7h/7j: the report cleans its raw samples and, in the metrics,
 * their hourly bin readings — usually the same readings — and the second cleaning takes over the first one's
 * classification): the result always equals a fresh `cleanSeries(points, opts)`, whether the reused result is of the
 * same readings (taken over), of readings that differ in one time, value, step or exactness, or under other options
 * (classified afresh), and the two results share no object.
 */
import { describe, expect, it } from 'vitest';
import { cleanSeries, cleanSeriesClassified, type CleanOptions } from '../../../src/analytics/clean.ts';
import type { SeriesPoint } from '../../../src/analytics/types.ts';
import { HOUR, T0, gauss, randInt, rng } from './helpers.ts';

function series(r: () => number, n: number): SeriesPoint[] {
  let c = 10 ** (3 + 4 * r());
  const out: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) {
    c += Math.max(0, c * 0.002 * Math.exp(0.3 * gauss(r)));
    const u = r();
    // zeros, dips, spikes, a lasting shift, lower bounds, rounded values: every branch of the classification
    const v = u < 0.02 ? 0 : u < 0.04 ? c * 0.4 : u < 0.06 ? c * 2 : i > n * 0.7 && n % 3 === 0 ? c * 0.8 : c;
    if (r() < 0.05) out.push({ t: T0 + i * HOUR, value: BigInt(Math.round(v)), step: 0n, precision: 'lower_bound' });
    else if (r() < 0.2) out.push({ t: T0 + i * HOUR, value: (BigInt(Math.round(v)) / 1000n) * 1000n, step: 1000n, precision: 'rounded' });
    else out.push({ t: T0 + i * HOUR, value: BigInt(Math.round(v)), step: 0n, precision: 'exact' });
  }
  return out;
}

/** One change of the readings that the classification reads (or of one it does not: the source). */
function variant(r: () => number, s: readonly SeriesPoint[]): SeriesPoint[] {
  const out = s.map((p) => ({ ...p }));
  if (out.length === 0) return out;
  const i = randInt(r, 0, out.length - 1);
  const p = out[i]!;
  switch (randInt(r, 0, 4)) {
    case 0:
      out[i] = { ...p, value: p.value + 1n };
      break;
    case 1:
      out[i] = { ...p, step: p.step + 10n };
      break;
    case 2:
      out[i] = { ...p, precision: p.precision === 'exact' ? 'rounded' : 'exact' };
      break;
    case 3:
      out[i] = { ...p, t: p.t + 1 };
      break;
    default:
      out[i] = { ...p, source: 'other' };
  }
  return out;
}

describe('cleanSeriesClassified with an earlier classification to reuse', () => {
  it('equals a fresh cleaning: same readings, changed readings, other options (300 random series)', () => {
    const r = rng(1577);
    const optsList: CleanOptions[] = [{}, { glitchMaxRunPoints: 2 }, { glitchMaxRunMs: 3 * HOUR }, { shiftNeighbours: 5 }, { gapThresholdMs: 3 * HOUR }, { shiftMotionFactor: 5, shiftMinRelative: 0.001 }, { shiftNeighbours: 2.5 }];
    let glitchy = 0;
    for (let c = 0; c < 300; c++) {
      const s = series(r, randInt(r, 0, 200));
      const optsA = optsList[randInt(r, 0, optsList.length - 1)]!;
      const optsB = r() < 0.5 ? optsA : optsList[randInt(r, 0, optsList.length - 1)]!;
      const b = r() < 0.5 ? s : variant(r, s);
      const { clean: prior, classification } = cleanSeriesClassified(s, optsA);
      const fresh = cleanSeries(b, optsB);
      const reused = cleanSeriesClassified(b, optsB, classification).clean;
      expect(reused).toEqual(fresh);
      // nothing shared between the two results
      for (let i = 0; i < reused.adjusted.length; i++) expect(prior.adjusted.includes(reused.adjusted[i]!)).toBe(false);
      for (const g of reused.glitches) expect(prior.glitches.includes(g)).toBe(false);
      for (const v of reused.revisions) expect(prior.revisions.includes(v)).toBe(false);
      if (fresh.glitches.length + fresh.revisions.length > 0) glitchy++;
    }
    expect(glitchy).toBeGreaterThan(100);
  });

  it('a bin-reading cleaning over the same readings as the raw one (the report) equals its fresh cleaning', () => {
    const r = rng(1578);
    for (let c = 0; c < 50; c++) {
      const s = series(r, randInt(r, 2, 300)).filter((p) => p.precision !== 'lower_bound' && p.value > 0n);
      // the readings as binReadings gives them: exactness from the step, no source
      const bins = s.map((p): SeriesPoint => ({ t: p.t, value: p.value, step: p.step, precision: p.step > 0n ? 'rounded' : 'exact' }));
      const { classification } = cleanSeriesClassified(s, { glitchMaxRunPoints: 5 });
      expect(cleanSeriesClassified(bins, { gapThresholdMs: 2 * HOUR }, classification).clean).toEqual(cleanSeries(bins, { gapThresholdMs: 2 * HOUR }));
    }
  });
});
