import { describe, it, expect } from 'vitest';
import { computeReport, type Report } from '../../../src/analytics/report.ts';
import type { SeriesPoint } from '../../../src/analytics/types.ts';
import { AlertRule } from '../../../src/schema/alerts.ts';
import { CHANGE_POINT_TOLERANCE_MS, decideEpisode, evaluateRule, newChangePoint, ruleApplies } from '../../../src/alerts/rules.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 8, 1);
const key = { platform: 'tiktok', tag: 'x', metric: 'views' };

/** Hourly exact counter with the given rate per hour for each hour. */
function series(rates: number[]): SeriesPoint[] {
  let v = 1_000_000n;
  const out: SeriesPoint[] = [{ t: T0, value: v, precision: 'exact', step: 0n }];
  rates.forEach((r, i) => {
    v += BigInt(r);
    out.push({ t: T0 + (i + 1) * HOUR, value: v, precision: 'exact', step: 0n });
  });
  return out;
}
const report = (rates: number[]) => computeReport(series(rates), { ...key, at: T0 + rates.length * HOUR });
const rule = (r: unknown) => AlertRule.parse(r);
const none = () => null;

describe('evaluateRule', () => {
  // 15 quiet days at 1000/h, then a day at 5000/h: every growth signal fires.
  const spike = report([...Array(15 * 24).fill(1000), ...Array(24).fill(5000)]);
  const quiet = report(Array(16 * 24).fill(1000));

  it('velocity and growth over a window, with the numbers behind the decision', () => {
    expect(evaluateRule(rule({ name: 'v', kind: 'velocity', threshold: 4000 }), spike, none)!.values).toMatchObject({ window: '24h', velocityPerHour: 5000, growthPct: 400, threshold: 4000, delta: '120000' });
    expect(evaluateRule(rule({ name: 'v', kind: 'velocity', threshold: 5001 }), spike, none)).toBeNull();
    expect(evaluateRule(rule({ name: 'g', kind: 'growthPct', threshold: 300, window: '24h' }), spike, none)!.values).toMatchObject({ growthPct: 400 });
    expect(evaluateRule(rule({ name: 'g', kind: 'growthPct', threshold: 300 }), quiet, none)).toBeNull();
  });

  it('z-score and breakout read the report (unknown numbers never fire)', () => {
    expect(spike.breakout).toBe(true);
    expect(evaluateRule(rule({ name: 'z', kind: 'zScore', threshold: 3.5 }), spike, none)!.values).toMatchObject({ zScore: spike.zScore, velocityPerHour24h: 5000, growthPct24h: 400 });
    expect(evaluateRule(rule({ name: 'b', kind: 'breakout' }), spike, none)!.values).toMatchObject({ breakout: true });
    expect(evaluateRule(rule({ name: 'b', kind: 'breakout' }), quiet, none)).toBeNull();
    const short = report(Array(30).fill(1000)); // z needs 7+ days of history
    expect(short.zScore).toBeNull();
    expect(evaluateRule(rule({ name: 'z', kind: 'zScore', threshold: -100 }), short, none)).toBeNull();
  });

  it('change points: only one later than those known before, keyed by its time', () => {
    const regime = report([...Array(10 * 24).fill(1000), ...Array(5 * 24).fill(20_000)]);
    const cp = regime.changePoints.at(-1)!;
    expect(cp).toBeDefined();
    const sig = evaluateRule(rule({ name: 'c', kind: 'changePoint' }), regime, () => null)!;
    expect(sig.episodeKey).toBe(`changepoint:${cp.at}`);
    expect(evaluateRule(rule({ name: 'c', kind: 'changePoint' }), regime, () => regime)).toBeNull();
  });
});

describe('newChangePoint', () => {
  const withCps = (ats: string[]) => ({ changePoints: ats.map((at) => ({ at, before: 1, after: 2 })) }) as unknown as Report;
  it('ignores a boundary that moved within the tolerance, reports a later one', () => {
    const t = Date.UTC(2024, 8, 10);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(newChangePoint(withCps([iso(t + 3 * HOUR)]), withCps([iso(t)]))).toBeNull();
    expect(newChangePoint(withCps([iso(t + CHANGE_POINT_TOLERANCE_MS + HOUR)]), withCps([iso(t)]))?.at).toBe(iso(t + CHANGE_POINT_TOLERANCE_MS + HOUR));
    expect(newChangePoint(withCps([]), null)).toBeNull();
  });
});

describe('decideEpisode', () => {
  const sig = { values: {} };
  it('opens an episode when the condition did not hold before', () => {
    expect(decideEpisode(sig, false, undefined, '2024-09-01T01:00:00.000Z')).toEqual({ fire: true, windowKey: 'from:2024-09-01T01:00:00.000Z' });
    expect(decideEpisode(sig, false, { windowKey: 'from:2024-08-01T00:00:00.000Z' }, '2024-09-01T01:00:00.000Z').fire).toBe(true);
  });
  it('stays quiet while the episode continues, or when the same samples are evaluated again', () => {
    expect(decideEpisode(sig, true, { windowKey: 'from:a' }, 'b')).toEqual({ fire: false, windowKey: 'from:a' });
    expect(decideEpisode(sig, false, { windowKey: 'from:b' }, 'b').fire).toBe(false);
  });
  it('fires when it held before but nothing was ever recorded (a new rule)', () => {
    expect(decideEpisode(sig, true, undefined, 'b')).toEqual({ fire: true, windowKey: 'from:b' });
  });
  it('one-off signals are their own episode', () => {
    expect(decideEpisode({ values: {}, episodeKey: 'changepoint:x' }, true, { windowKey: 'changepoint:w' }, 'b')).toEqual({ fire: true, windowKey: 'changepoint:x' });
    expect(decideEpisode({ values: {}, episodeKey: 'changepoint:x' }, false, { windowKey: 'changepoint:x' }, 'b').fire).toBe(false);
  });
});

describe('ruleApplies', () => {
  it('filters by tags, platform and metric', () => {
    expect(ruleApplies(rule({ name: 'a', kind: 'breakout' }), key)).toBe(true);
    expect(ruleApplies(rule({ name: 'a', kind: 'breakout', tags: ['#X'] }), key)).toBe(true);
    expect(ruleApplies(rule({ name: 'a', kind: 'breakout', tags: ['y'] }), key)).toBe(false);
    expect(ruleApplies(rule({ name: 'a', kind: 'breakout', platform: 'instagram' }), key)).toBe(false);
    expect(ruleApplies(rule({ name: 'a', kind: 'breakout', metric: 'posts' }), key)).toBe(false);
  });
});
