/**
 * The report's memo of its two fits (issue 15, figure 7h; analytics `ReportFitMemo`, held by services/report.ts): a
 * report computed with the memo equals the report computed without it, on the first call (a miss) and on every later
 * one (a hit), and any change of the series that reaches the fits (a value, a new point, a step, a precision, a gap, an
 * as-of time or a parameter) gives the freshly computed answer, never the kept one. Hits are copies, so a caller that
 * edits its report cannot change what the next caller gets.
 */
import { describe, expect, it } from 'vitest';
import { ReportFitMemo, cadenceCanChange, computeReport, type ReportOptions } from '../../../src/analytics/report.ts';
import type { SeriesPoint } from '../../../src/analytics/types.ts';
import { HOUR, T0, gauss, randInt, rng } from './helpers.ts';

/** A counter whose velocity rises and falls (a wave, so the lifecycle fit and its bootstrap run), with noise and steps. */
function wave(r: () => number, hours = randInt(r, 48, 700)): SeriesPoint[] {
  const peakAt = hours * (0.25 + 0.5 * r());
  const width = 4 + r() * hours * 0.15;
  const height = 10 ** (2 + 3 * r());
  const noise = r() < 0.3 ? 0 : 0.02 + 0.2 * r();
  const step = r() < 0.3 ? 10n : 0n;
  const out: SeriesPoint[] = [];
  let c = 1e6;
  for (let h = 0; h < hours; h += 1) {
    const x = (h - peakAt) / width;
    c += Math.max(0, height * (1 / (2 + Math.exp(x) + Math.exp(-x))) * Math.exp(noise * gauss(r)));
    const value = step > 0n ? (BigInt(Math.round(c)) / step) * step : BigInt(Math.round(c));
    out.push({ t: T0 + h * HOUR, value, step, precision: step > 0n ? 'rounded' : 'exact', source: 'test' });
  }
  return out;
}

const optsOf = (s: readonly SeriesPoint[], extra: Partial<ReportOptions> = {}): ReportOptions => ({ platform: 'tiktok', tag: 'memo', metric: 'views', now: s[s.length - 1]!.t + HOUR, ...extra });

describe('ReportFitMemo', () => {
  it('a report with the memo equals the report without it, on the miss and on the hits (40 random waves)', () => {
    const r = rng(1515);
    const memo = new ReportFitMemo();
    let lifecycles = 0;
    let changePoints = 0;
    for (let c = 0; c < 40; c++) {
      const s = wave(r);
      const plain = computeReport(s, optsOf(s));
      expect(computeReport(s, optsOf(s, { fitMemo: memo }))).toEqual(plain); // miss
      expect(computeReport(s, optsOf(s, { fitMemo: memo }))).toEqual(plain); // hit
      if (plain.lifecycle) lifecycles++;
      changePoints += plain.changePoints.length;
    }
    expect(memo.size).toBe(40);
    expect([memo.hits, memo.misses]).toEqual([40, 40]);
    expect(lifecycles).toBeGreaterThan(10); // the lifecycle fit and its bootstrap are among what is kept
    expect(changePoints).toBeGreaterThan(10);
  });

  it('any change of the input that reaches the fits gives the fresh answer, not the kept one', () => {
    const r = rng(1516);
    const memo = new ReportFitMemo(1000);
    let differed = 0;
    for (let c = 0; c < 12; c++) {
      const s = wave(r, 240);
      computeReport(s, optsOf(s, { fitMemo: memo }));
      const i = randInt(r, 1, s.length - 2);
      const p = s[i]!;
      const variants: [SeriesPoint[], Partial<ReportOptions>][] = [
        [s.map((q, j) => (j >= i ? { ...q, value: q.value + 5_000n } : q)), {}], // a revised value from i on
        [[...s, { ...s[s.length - 1]!, t: s[s.length - 1]!.t + HOUR, value: s[s.length - 1]!.value + 10_000n }], {}], // a new point
        [s.filter((_, j) => j < i || j > i + 30), {}], // a gap (deleted observations)
        [s.map((q) => ({ ...q, step: q.step + 100n, precision: 'rounded' as const })), {}], // other steps and precision
        [s, { at: p.t }], // an earlier as-of time
        [s, { parameters: { lifecycleBootstrapSeed: 7 } }], // a parameter of the lifecycle fit
        [s, { parameters: { changepointPenaltyMultiplier: 0.5 } }], // a parameter of the change points
      ];
      for (const [v, extra] of variants) {
        const fresh = computeReport(v, optsOf(s, extra));
        const misses = memo.misses;
        expect(computeReport(v, optsOf(s, { ...extra, fitMemo: memo }))).toEqual(fresh);
        expect(memo.misses).toBe(misses + 1); // a miss, not a hit on the original series
        const original = computeReport(s, optsOf(s));
        if (JSON.stringify([fresh.lifecycle, fresh.changePoints]) !== JSON.stringify([original.lifecycle, original.changePoints])) differed++;
      }
    }
    expect(differed).toBeGreaterThan(20); // the variants do change the fits, so a stale hit would have been caught
  });

  it('hits are copies: editing a report does not change the next one', () => {
    const r = rng(1517);
    const memo = new ReportFitMemo();
    let s = wave(r, 300);
    for (let k = 0; k < 20 && computeReport(s, optsOf(s)).lifecycle === null; k++) s = wave(r, 300);
    const plain = computeReport(s, optsOf(s));
    expect(plain.lifecycle).not.toBeNull();
    const first = computeReport(s, optsOf(s, { fitMemo: memo }));
    first.lifecycle!.peakAt = 'edited';
    first.changePoints.push({ at: 'edited', before: 0, after: 0 });
    for (const c of first.changePoints) c.before = -1;
    expect(computeReport(s, optsOf(s, { fitMemo: memo }))).toEqual(plain);
  });

  it('keeps at most `capacity` entries, dropping the least recently used', () => {
    const r = rng(1518);
    const memo = new ReportFitMemo(3);
    const series = Array.from({ length: 4 }, () => wave(r, 60));
    for (const s of series.slice(0, 3)) computeReport(s, optsOf(s, { fitMemo: memo }));
    computeReport(series[0]!, optsOf(series[0]!, { fitMemo: memo })); // 0 is now the most recent
    computeReport(series[3]!, optsOf(series[3]!, { fitMemo: memo })); // drops 1
    expect(memo.size).toBe(3);
    expect([memo.hits, memo.misses]).toEqual([1, 4]);
    for (const i of [0, 2, 3]) computeReport(series[i]!, optsOf(series[i]!, { fitMemo: memo })); // kept: hits
    expect([memo.hits, memo.misses]).toEqual([4, 4]);
    computeReport(series[1]!, optsOf(series[1]!, { fitMemo: memo })); // dropped: a miss
    expect([memo.hits, memo.misses]).toEqual([4, 5]);
    expect(memo.size).toBe(3);
    memo.clear();
    expect(memo.size).toBe(0);
    for (const s of series) expect(computeReport(s, optsOf(s, { fitMemo: memo }))).toEqual(computeReport(s, optsOf(s)));
  });
});

/**
 * services/report.ts reads a tracked tag's cadence only when the report has gaps, and recomputes only when the cadence
 * is over an hour (`cadenceCanChange`): the cadence enters the report only through the gap threshold
 * gapFactor × max(median interval, 1 h, cadence), which it can only raise.
 */
describe('a report the cadence cannot change (no gaps, or a cadence of at most an hour) is the same with it', () => {
  it('on 150 random series (regular, irregular, with holes) and cadences from 10 min to 2 days', () => {
    const r = rng(1523);
    let noGaps = 0;
    let shortCadence = 0;
    let differed = 0;
    for (let c = 0; c < 150; c++) {
      let s = wave(r, randInt(r, 30, 400));
      if (c % 3 === 1) s = s.filter(() => r() > 0.4); // irregular sampling
      if (c % 3 === 2) {
        const from = randInt(r, 1, s.length - 2);
        const len = randInt(r, 2, 40);
        s = s.filter((_, i) => i < from || i >= from + len); // a hole
      }
      const cadenceMs = Math.round((c % 5 === 0 ? r() : 10 / 60 + r() * 48) * HOUR); // every fifth at most an hour
      const without = computeReport(s, optsOf(s));
      const withCadence = computeReport(s, optsOf(s, { cadenceMs }));
      if (!cadenceCanChange(without, cadenceMs)) {
        if (without.gaps.length === 0) noGaps++;
        else shortCadence++;
        expect(withCadence).toEqual(without);
      } else if (JSON.stringify(withCadence) !== JSON.stringify(without)) differed++;
      if (!cadenceCanChange(without)) expect(cadenceCanChange(without, cadenceMs)).toBe(false);
    }
    expect(noGaps).toBeGreaterThan(40);
    expect(shortCadence).toBeGreaterThan(5); // gaps and a cadence of at most an hour: the same report
    expect(differed).toBeGreaterThan(10); // with gaps and a longer cadence reports do change: the rule is not vacuous
  });
});

