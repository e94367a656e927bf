/**
 * Golden reports (issue 15, figures 7h/7j: the report's JavaScript after the read made cheaper without changing one
 * output bit). 43 seeded series covering every path of `computeReport` that a speed-up could touch — hourly exact
 * counters, display-rounded values with steps, gaps (with and without a cadence), irregular and dense cadence, lower
 * bounds, imports at the same instant as collected values, 0–3 points, clear change points, decreasing steps and
 * downward revisions, glitches, rise-and-fall waves (lifecycle fit), counters above 2^53, parameter overrides — each
 * computed without the fit memo, with it on a miss (memo empty) and on a hit, and compared as JSON text (numbers spelled
 * in full, −0 apart from 0) with fixtures/report-golden.json. That file was written by the code before the speed-ups
 * (commit "report golden fixture from unchanged code"), so any change of any number, time or flag of any report fails
 * here. Regenerate only for an intended change of the method (then bump ANALYTICS_VERSION):
 * `REPORT_GOLDEN_WRITE=1 npx vitest run tests/unit/analytics/report-golden.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReportFitMemo, computeReport, type ReportOptions } from '../../../src/analytics/report.ts';
import type { SeriesPoint } from '../../../src/analytics/types.ts';
import { DAY, HOUR, T0, displayRound, gauss, irregularTimes, randInt, regularTimes, rng } from './helpers.ts';

const FIXTURE = new URL('./fixtures/report-golden.json', import.meta.url).pathname;

interface Case {
  name: string;
  points: SeriesPoint[];
  opts?: Partial<ReportOptions>;
}

const exact = (t: number, v: number, source = 'tiktok.api.statsV2'): SeriesPoint => ({ t, value: BigInt(Math.round(v)), precision: 'exact', step: 0n, source });
const rounded = (t: number, v: number, source = 'tiktok.rehydration.shareMeta'): SeriesPoint => {
  const { value, step } = displayRound(v);
  return { t, value, step, precision: step === 0n ? 'exact' : 'rounded', source };
};
/** Exponential growth with a daily rhythm and multiplicative noise on the increments (monotone). */
function growth(r: () => number, times: readonly number[], o: { c0?: number; ratePerDay?: number; noise?: number } = {}): number[] {
  let c = o.c0 ?? 10 ** (3 + 5 * r());
  const k = o.ratePerDay ?? 0.01 + 0.08 * r();
  const noise = o.noise ?? 0.1;
  const out: number[] = [];
  for (let i = 0; i < times.length; i++) {
    if (i > 0) {
      const dtH = (times[i]! - times[i - 1]!) / HOUR;
      const rhythm = 1 + 0.5 * Math.sin((2 * Math.PI * times[i]!) / DAY);
      c += Math.max(0, c * (k / 24) * dtH * rhythm * Math.exp(noise * gauss(r)));
    }
    out.push(c);
  }
  return out;
}
/** Velocity given per hour by `v(h)` (h hours since the start), counter summed from c0. */
function fromVelocity(r: () => number, times: readonly number[], c0: number, v: (h: number) => number, noise = 0.1): number[] {
  let c = c0;
  return times.map((t, i) => {
    if (i > 0) c += Math.max(0, v((t - times[0]!) / HOUR) * ((t - times[i - 1]!) / HOUR) * Math.exp(noise * gauss(r)));
    return c;
  });
}
const jitter = (r: () => number, times: readonly number[], maxMs = 90_000) => times.map((t) => t + Math.floor(r() * maxMs));
const hourly = (hours: number, start = T0) => regularTimes(start, start + (hours - 1) * HOUR, HOUR);
const nowAfter = (pts: readonly SeriesPoint[]) => (pts.length ? Math.max(...pts.map((p) => p.t)) + 30 * 60_000 : T0);

function cases(): Case[] {
  const r = rng(7007);
  const out: Case[] = [];
  // hourly exact counters (the bench's shape: jittered slots, 1 % missed hours), short to longer than maxBins
  for (const hours of [30, 200, 735, 1500]) {
    const times = jitter(r, hourly(hours)).filter(() => r() > 0.01);
    const vs = growth(r, times);
    out.push({ name: `hourly exact ${hours}h`, points: times.map((t, i) => exact(t, vs[i]!)) });
  }
  // display-rounded values with steps (three digits shown), small and large counters
  for (const [hours, c0] of [[120, 2e5], [400, 3e7], [735, 5e9], [900, 1.2e6]] as const) {
    const times = jitter(r, hourly(hours));
    const vs = growth(r, times, { c0, ratePerDay: 0.02 + 0.05 * r() });
    out.push({ name: `rounded ${hours}h from ${c0}`, points: times.map((t, i) => rounded(t, vs[i]!)) });
  }
  // gaps: holes of hours to days, with and without the tracked cadence
  for (const [hours, cadenceMs] of [[300, undefined], [500, HOUR], [600, 4 * HOUR]] as const) {
    const times = jitter(r, hourly(hours)).filter((t) => {
      const h = (t - T0) / HOUR;
      return !((h > 50 && h < 62) || (h > 200 && h < 260) || (h > hours - 30 && h < hours - 27));
    });
    const vs = growth(r, times);
    out.push({ name: `gaps ${hours}h cadence ${cadenceMs ?? '-'}`, points: times.map((t, i) => exact(t, vs[i]!)), ...(cadenceMs !== undefined ? { opts: { cadenceMs } } : {}) });
  }
  // irregular cadence (5 min to 3 h) and dense sampling (several readings per hour: first and last of each hour)
  for (const [days, minDt, maxDt] of [[10, 5 * 60_000, 3 * HOUR], [20, 30 * 60_000, 2.5 * HOUR], [4, 60_000, 20 * 60_000], [2, 15_000, 5 * 60_000]] as const) {
    const times = irregularTimes(r, T0, T0 + days * DAY, minDt, maxDt);
    const vs = growth(r, times);
    out.push({ name: `irregular ${days}d ${minDt}-${maxDt}`, points: times.map((t, i) => (r() < 0.3 ? rounded(t, vs[i]!) : exact(t, vs[i]!))) });
  }
  // lower bounds among the readings ("more than X"), one series ending on a lower bound
  for (const endLower of [false, true]) {
    const times = jitter(r, hourly(250));
    const vs = growth(r, times, { c0: 5e5 });
    const pts = times.map((t, i): SeriesPoint => (r() < 0.15 || (endLower && i === times.length - 1) ? { t, value: BigInt(Math.floor(vs[i]! / 1e5)) * 100000n, step: 0n, precision: 'lower_bound', source: 'tiktok.html' } : exact(t, vs[i]!)));
    out.push({ name: `lower bounds end ${endLower}`, points: pts });
  }
  // imports at the same instant as collected values (another source, precision or value at the very same time)
  for (let c = 0; c < 3; c++) {
    const times = jitter(r, hourly(300));
    const vs = growth(r, times, { c0: 2e6 });
    const pts: SeriesPoint[] = times.map((t, i) => exact(t, vs[i]!));
    for (let i = 0; i < times.length; i += randInt(r, 3, 9)) {
      const kind = randInt(r, 0, 3);
      if (kind === 0) pts.push(rounded(times[i]!, vs[i]!, 'import.csv'));
      else if (kind === 1) pts.push(exact(times[i]!, vs[i]! + randInt(r, -50, 50), 'import.csv'));
      else if (kind === 2) pts.push({ ...exact(times[i]!, vs[i]!), source: 'import.json' });
      else pts.push({ t: times[i]!, value: BigInt(Math.round(vs[i]!)), precision: 'lower_bound', step: 0n, source: 'import.wayback' });
    }
    // unsorted input: the report must not depend on the order
    for (let i = pts.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [pts[i], pts[j]] = [pts[j]!, pts[i]!];
    }
    out.push({ name: `imports at the same instant ${c}`, points: pts });
  }
  // short series: 0, 1, 2, 3 points, and 3 points inside one hour
  out.push({ name: 'empty', points: [], opts: { now: T0 } });
  out.push({ name: 'one point', points: [exact(T0, 1000)] });
  out.push({ name: 'two points', points: [exact(T0, 1000), exact(T0 + 5 * HOUR, 1600)] });
  out.push({ name: 'three points', points: [exact(T0, 1000), exact(T0 + HOUR, 1200), rounded(T0 + 9 * HOUR, 2.1e3)] });
  out.push({ name: 'three points in one hour', points: [exact(T0 + 60_000, 1000), exact(T0 + 20 * 60_000, 1010), exact(T0 + 50 * 60_000, 1030)] });
  // clear change points: velocity steps up, steps down, turns from growth to decay
  const steps: [string, (h: number) => number][] = [
    ['step up', (h) => (h < 300 ? 1000 : 5000)],
    ['step down then up', (h) => (h < 200 ? 8000 : h < 400 ? 1500 : 6000)],
    ['growth then decay', (h) => 500 * Math.exp(h < 250 ? h / 60 : 250 / 60 - (h - 250) / 40)],
  ];
  for (const [name, v] of steps) {
    const times = jitter(r, hourly(600));
    const vs = fromVelocity(r, times, 1e6, v, 0.08);
    out.push({ name: `change points: ${name}`, points: times.map((t, i) => exact(t, vs[i]!)) });
  }
  // decreasing steps: display flicker down by one step, a genuinely shrinking counter, a downward revision
  {
    const times = jitter(r, hourly(300));
    const vs = growth(r, times, { c0: 3.3e6, ratePerDay: 0.01 });
    out.push({ name: 'rounded flicker down', points: times.map((t, i) => rounded(t, vs[i]! - (r() < 0.1 ? 1e5 : 0))) });
    const shrink = times.map((t, i) => exact(t, 5e6 - 800 * i + 200 * gauss(r)));
    out.push({ name: 'shrinking counter', points: shrink });
    const rev = times.map((t, i) => exact(t, vs[i]! - (i >= 180 ? 4e5 : 0)));
    out.push({ name: 'downward revision', points: rev });
    const up = times.map((t, i) => rounded(t, vs[i]! + (i >= 120 ? 9e5 : 0)));
    out.push({ name: 'upward revision rounded', points: up });
  }
  // glitches: zeros, dips and spikes that return to trend
  {
    const times = jitter(r, hourly(400));
    const vs = growth(r, times, { c0: 8e5 });
    const pts = times.map((t, i) => exact(t, i % 97 === 13 ? 0 : i % 71 === 5 ? vs[i]! * 0.5 : i % 83 === 40 ? vs[i]! * 1.8 : vs[i]!));
    out.push({ name: 'glitches', points: pts });
    const run = times.map((t, i) => exact(t, i >= 200 && i < 203 ? vs[i]! * 0.3 : vs[i]!));
    out.push({ name: 'dip of three samples', points: run });
  }
  // rise-and-fall waves: the lifecycle fit and its bootstrap
  for (let c = 0; c < 3; c++) {
    const hours = randInt(r, 200, 720);
    const peak = hours * (0.3 + 0.4 * r());
    const width = 10 + r() * hours * 0.12;
    const times = jitter(r, hourly(hours));
    const vs = fromVelocity(r, times, 1e5, (h) => 3000 / (2 + Math.exp((h - peak) / width) + Math.exp(-(h - peak) / width)), 0.05 + 0.1 * r());
    out.push({ name: `wave ${c}`, points: times.map((t, i) => (c === 2 ? rounded(t, vs[i]!) : exact(t, vs[i]!))) });
  }
  // counters above 2^53 (bigint end to end)
  {
    const times = jitter(r, hourly(200));
    const base = 2n ** 60n;
    out.push({ name: 'above 2^53', points: times.map((t, i) => ({ t, value: base + BigInt(i) * 123456789012n + BigInt(randInt(r, 0, 1000)), precision: 'exact', step: 0n })) });
  }
  // as-of times: points after `now` ignored, and an explicit `at` in the middle
  {
    const times = jitter(r, hourly(400));
    const vs = growth(r, times);
    const pts = times.map((t, i) => exact(t, vs[i]!));
    out.push({ name: 'points after now', points: pts, opts: { now: times[300]! + 10 * 60_000 } });
    out.push({ name: 'explicit at', points: pts, opts: { at: times[250]! + 45 * 60_000, now: times[399]! + HOUR } });
  }
  // breakout: 6× the rate over the last 48 hours
  {
    const times = jitter(r, hourly(500));
    const vs = fromVelocity(r, times, 1e6, (h) => (h < 476 ? 2000 : 12000), 0.05);
    out.push({ name: 'breakout', points: times.map((t, i) => exact(t, vs[i]!)) });
  }
  // parameter overrides: the mean cost, other glitch limits, another bin width and penalty
  {
    const times = jitter(r, hourly(500));
    const vs = fromVelocity(r, times, 1e6, (h) => (h < 250 ? 3000 : 700), 0.1);
    const pts = times.map((t, i) => exact(t, vs[i]!));
    out.push({ name: 'mean cost', points: pts, opts: { parameters: { changepointCost: 'mean' } } });
    out.push({ name: 'overrides', points: pts, opts: { parameters: { glitchMaxRunPoints: 2, glitchMaxRunMs: 3 * HOUR, changepointBaseBinMs: 2 * HOUR, changepointPenaltyMultiplier: 1, changepointMinSegmentBins: 3, lifecycleBootstrapReplicates: 20 } } });
  }
  return out;
}

/** JSON text of a report: numbers exactly as JSON spells them (shortest round-trip), −0 apart from 0. */
const text = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : v));

function reports(): Record<string, { plain: string; miss: string; hit: string }> {
  const memo = new ReportFitMemo();
  const out: Record<string, { plain: string; miss: string; hit: string }> = {};
  for (const c of cases()) {
    const opts: ReportOptions = { platform: 'tiktok', tag: 'golden', metric: 'views', now: nowAfter(c.points), ...c.opts };
    const plain = text(computeReport(c.points, opts));
    const miss = text(computeReport(c.points, { ...opts, fitMemo: memo }));
    const hit = text(computeReport(c.points, { ...opts, fitMemo: memo }));
    out[c.name] = { plain, miss, hit };
  }
  return out;
}

describe('report golden (issue 15: no output bit changes)', () => {
  it('every report equals the fixture written by the code before the speed-ups, memo cold and warm', () => {
    const got = reports();
    expect(Object.keys(got)).toHaveLength(43);
    if (process.env.REPORT_GOLDEN_WRITE === '1') {
      for (const v of Object.values(got)) expect(v.miss).toBe(v.plain);
      writeFileSync(FIXTURE, JSON.stringify(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, JSON.parse(v.plain) as unknown])), null, 1) + '\n');
    }
    expect(existsSync(FIXTURE), `${FIXTURE} missing: it is committed with this test`).toBe(true);
    const want = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(want).sort()).toEqual(Object.keys(got).sort());
    for (const [name, r] of Object.entries(got)) {
      const w = text(want[name]);
      expect(r.plain, `${name}: no memo`).toBe(w);
      expect(r.miss, `${name}: memo miss`).toBe(w);
      expect(r.hit, `${name}: memo hit`).toBe(w);
    }
  });

  it('the cases reach the paths they are meant to cover', () => {
    const want = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, { changePoints: unknown[]; lifecycle: unknown; gaps: unknown[]; glitches: unknown[]; revisions: unknown[]; breakout: boolean | null; latest: { exact: boolean } | null; points: number }>;
    const all = Object.values(want);
    expect(all.filter((x) => x.changePoints.length > 0).length).toBeGreaterThanOrEqual(5);
    expect(all.filter((x) => x.lifecycle !== null).length).toBeGreaterThanOrEqual(2);
    expect(all.filter((x) => x.gaps.length > 0).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((x) => x.glitches.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(all.filter((x) => x.revisions.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(all.some((x) => x.breakout === true)).toBe(true);
    expect(all.some((x) => x.latest?.exact === false)).toBe(true);
    expect([0, 1, 2, 3].every((n) => all.some((x) => x.points === n))).toBe(true);
  });
});
