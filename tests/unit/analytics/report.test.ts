import { describe, expect, it } from 'vitest';
import { ANALYTICS_VERSION, DEFAULT_PARAMETERS, ReportSchema, computeReport } from '../../../src/analytics/index.ts';
import type { SeriesPoint } from '../../../src/analytics/index.ts';
import { DAY, HOUR, T0, exactPoints, irregularTimes, rng, roundedPoints } from './helpers.ts';

const OPTS = { platform: 'tiktok', tag: 'suicideprevention', metric: 'views' };
const TOP_KEYS = [
  'platform',
  'tag',
  'metric',
  'at',
  'asOf',
  'latest',
  'windows',
  'growthRatePerDay',
  'growthRatePerDayLow',
  'growthRatePerDayHigh',
  'counterDoublingDays',
  'counterDoublingDaysLow',
  'counterDoublingDaysHigh',
  'counterHalvingDays',
  'counterHalvingDaysLow',
  'counterHalvingDaysHigh',
  'velocityGrowthRatePerDay',
  'velocityGrowthRatePerDayLow',
  'velocityGrowthRatePerDayHigh',
  'velocityDoublingDays',
  'velocityDoublingDaysLow',
  'velocityDoublingDaysHigh',
  'velocityHalvingDays',
  'velocityHalvingDaysLow',
  'velocityHalvingDaysHigh',
  'acceleration',
  'zScore',
  'breakout',
  'revisions',
  'gaps',
  'glitches',
  'changePoints',
  'lifecycle',
  'points',
  'method',
];
// issue 11 added asOf, intervals on every rate, and per window its coverage, interpolated/widened flags and growth interval
const WINDOW_KEYS = ['window', 'from', 'to', 'delta', 'velocityPerHour', 'velocityPerHourLow', 'velocityPerHourHigh', 'coverage', 'interpolated', 'widened', 'growthPct', 'growthPctLow', 'growthPctHigh'];

const Td = 3;
const expo = (t: number) => 1.5e9 * Math.pow(2, (t - T0) / (Td * DAY));
const times = irregularTimes(rng(77), T0, T0 + 21 * DAY, 0.3 * HOUR, 1.7 * HOUR);

describe('computeReport', () => {
  it('produces exactly the documented, schema-valid, JSON-ready shape', () => {
    const r = computeReport(roundedPoints(expo, times), OPTS);
    expect(Object.keys(r)).toEqual(TOP_KEYS);
    expect(r.windows.map((w) => w.window)).toEqual(['1h', '24h', '7d']);
    for (const w of r.windows) expect(Object.keys(w)).toEqual(WINDOW_KEYS);
    expect(ReportSchema.parse(r)).toEqual(r);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.method.version).toBe(ANALYTICS_VERSION);
    expect(r.method.parameters).toEqual(DEFAULT_PARAMETERS);
    expect(r.points).toBe(times.length);
    expect(r.latest).toEqual({
      value: roundedPoints(expo, [times[times.length - 1]!])[0]!.value.toString(),
      observedAt: new Date(times[times.length - 1]!).toISOString(),
      exact: false,
    });
  });

  it('measures a known doubling time (exponential, irregular, rounded) within 2 %', () => {
    for (const pts of [exactPoints(expo, times), roundedPoints(expo, times)]) {
      const r = computeReport(pts, OPTS);
      expect(Math.abs(r.counterDoublingDays! / Td - 1)).toBeLessThan(0.02);
      expect(Math.abs(r.velocityDoublingDays! / Td - 1)).toBeLessThan(0.02);
      expect(r.velocityHalvingDays).toBeNull();
      expect(r.growthRatePerDay!).toBeCloseTo(Math.LN2 / Td, 2);
      // 24h velocity growth of an exponential: 2^(1/Td) − 1
      expect(r.windows[1]!.growthPct! / 100).toBeCloseTo(Math.pow(2, 1 / Td) - 1, 1);
      expect(r.acceleration!).toBeGreaterThan(0);
      expect(r.changePoints).toEqual([]);
      expect(r.revisions).toEqual([]);
      expect(r.glitches).toEqual([]);
      expect(r.gaps).toEqual([]);
    }
  });

  it('ignores every point after opts.at (as-of)', () => {
    const pts = exactPoints(expo, times);
    const at = T0 + 10 * DAY + 0.5 * HOUR;
    // later data include a glitch and a revision that must not leak into the as-of report
    const later: SeriesPoint[] = [
      ...pts,
      { t: at + HOUR, value: 0n, precision: 'exact', step: 0n },
      { t: T0 + 30 * DAY, value: 10n, precision: 'exact', step: 0n },
    ];
    const r = computeReport(later, { ...OPTS, at });
    expect(r).toEqual(computeReport(pts.filter((p) => p.t <= at), { ...OPTS, at }));
    expect(r.at).toBe(new Date(at).toISOString());
    expect(Date.parse(r.latest!.observedAt)).toBeLessThanOrEqual(at);
    expect(r.glitches).toEqual([]);
    expect(r.revisions).toEqual([]);
    expect(Date.parse(r.windows[0]!.to!)).toBeLessThanOrEqual(at);
    // opts.now acts as the as-of time when `at` is absent
    expect(computeReport(later, { ...OPTS, now: at }).points).toBe(r.points);
  });

  it('treats glitch zeros as missing: no drop, no revision, same velocities', () => {
    const pts = exactPoints(expo, times);
    const clean = computeReport(pts, OPTS);
    const withZeros = pts.map((p, i) => (i % 17 === 5 ? { ...p, value: 0n } : p));
    const r = computeReport(withZeros, OPTS);
    expect(r.glitches.length).toBe(withZeros.filter((p) => p.value === 0n).length);
    expect(r.revisions).toEqual([]);
    for (const w of r.windows) expect(w.velocityPerHour!).toBeGreaterThan(0);
    expect(Math.abs(r.windows[2]!.velocityPerHour! / clean.windows[2]!.velocityPerHour! - 1)).toBeLessThan(1e-3);
    expect(Math.abs(r.counterDoublingDays! / Td - 1)).toBeLessThan(0.02);
    // a trailing zero does not become the latest value
    const trailing = [...pts, { t: times[times.length - 1]! + HOUR, value: 0n, precision: 'exact' as const, step: 0n }];
    expect(computeReport(trailing, OPTS).latest!.value).toBe(pts[pts.length - 1]!.value.toString());
  });

  it('reports a persistent drop as a revision and keeps velocities non-negative', () => {
    const pts = exactPoints((t) => 1e9 + 1e6 * ((t - T0) / HOUR), times);
    const k = Math.floor(pts.length * 0.8);
    const dropped = pts.map((p, i) => (i >= k ? { ...p, value: p.value - 200_000_000n } : p));
    const r = computeReport(dropped, OPTS);
    expect(r.revisions).toHaveLength(1);
    expect(r.revisions[0]!.at).toBe(new Date(pts[k]!.t).toISOString());
    expect(BigInt(r.revisions[0]!.from) - BigInt(r.revisions[0]!.to)).toBeGreaterThan(100_000_000n);
    for (const w of r.windows) expect(w.velocityPerHourLow ?? 0).toBeGreaterThanOrEqual(0);
  });

  it('reports sampling gaps', () => {
    const holey = times.filter((t) => t < T0 + 5 * DAY || t > T0 + 5 * DAY + 12 * HOUR);
    const r = computeReport(exactPoints(expo, holey), OPTS);
    expect(r.gaps).toHaveLength(1);
    expect(Date.parse(r.gaps[0]!.from)).toBeLessThan(T0 + 5 * DAY);
    expect(Date.parse(r.gaps[0]!.to)).toBeGreaterThan(T0 + 5 * DAY + 12 * HOUR);
  });

  it('keeps counts above 2^53 exact in the output strings', () => {
    const big = 2n ** 62n;
    const pts: SeriesPoint[] = Array.from({ length: 30 }, (_, i) => ({
      t: T0 + i * HOUR,
      value: big + BigInt(i) * 1_000_003n,
      precision: 'exact',
      step: 0n,
    }));
    const r = computeReport(pts, OPTS);
    expect(r.latest!.value).toBe((big + 29n * 1_000_003n).toString());
    expect(r.windows[0]!.delta).toBe('1000003');
    expect(r.windows[1]!.delta).toBe((24n * 1_000_003n).toString());
    expect(r.windows[0]!.velocityPerHour).toBeCloseTo(1_000_003, 6);
  });

  it('applies and echoes parameter overrides', () => {
    const pts = exactPoints(expo, times);
    const r = computeReport(pts, { ...OPTS, parameters: { changepointCost: 'mean', zMinBaselineDays: 30 } });
    expect(r.method.parameters.changepointCost).toBe('mean');
    expect(r.method.parameters.zMinBaselineDays).toBe(30);
    expect(r.zScore).toBeNull(); // only 14 baseline days exist
    expect(r.breakout).toBeNull();
    // the plain mean-shift cost splits a steady exponential into a staircase (why 'meanSlope' is the default)
    expect(r.changePoints.length).toBeGreaterThan(5);
    expect(ReportSchema.parse(r)).toEqual(r);
  });

  it('handles empty and tiny inputs', () => {
    const empty = computeReport([], OPTS);
    expect(ReportSchema.parse(empty)).toEqual(empty);
    expect(empty.latest).toBeNull();
    expect(empty.at).toBeNull();
    expect(empty.windows.every((w) => w.velocityPerHour === null && w.delta === null)).toBe(true);
    const one = computeReport([{ t: T0, value: 5n, precision: 'exact', step: 0n }], { ...OPTS, now: T0 + DAY });
    expect(one.at).toBe(new Date(T0 + DAY).toISOString());
    expect(one.latest!.value).toBe('5');
    expect(ReportSchema.parse(one)).toEqual(one);
  });

  it('flags a breakout on a surge after two weeks of steady growth', () => {
    const surgeAt = T0 + 20 * DAY;
    const f = (t: number) => 1e9 + 1e6 * ((Math.min(t, surgeAt) - T0) / HOUR) + 8e6 * (Math.max(0, t - surgeAt) / HOUR);
    const r = computeReport(exactPoints(f, times), OPTS);
    expect(r.zScore!).toBeGreaterThan(3.5);
    expect(r.windows[1]!.growthPct!).toBeGreaterThan(50);
    expect(r.breakout).toBe(true);
    const steady = computeReport(exactPoints((t) => 1e9 + 1e6 * ((t - T0) / HOUR), times), OPTS);
    expect(steady.breakout).toBe(false);
  });
});
