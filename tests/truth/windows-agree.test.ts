/**
 * Truth suite — issue 11, "one number, one definition" for the velocities outside the report: the tag page's velocity
 * chart (`velocityBins`) and event impact (`eventImpact`) are the metrics' fixed-window velocity, so on random
 * series (bursty irregular sampling, hourly noise, gaps, one-decimal K/M/B rounding) they equal the report's windows
 * within 1e-9 relative — the same value, the same null, the same interval.
 */
import { describe, expect, it } from 'vitest';
import { binHourly, computeMetrics, velocityBins, type WindowMetric } from '../../src/analytics/metrics.ts';
import { eventImpact } from '../../src/analytics/events.ts';
import type { CalendarEvent } from '../../src/analytics/types.ts';
import { Counter, DAY, HOUR, MIN, T0, readings, rng, sampleTimes, withGap } from './process.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Equal within 1e-9 relative, or both null. */
function same(a: number | null | undefined, b: number | null | undefined, what: string): void {
  if (a === null || a === undefined || b === null || b === undefined) {
    expect(a ?? null, what).toBe(b ?? null);
    return;
  }
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300));
}

/**
 * What a report window shows for the fixed window [T − W, T]: its velocity when it is that window (not widened for
 * rounding, start not moved out of a gap), else the fixed-window velocity (null whenever the two differ).
 */
const shown = (w: WindowMetric, T: number, W: number) => (w.from === iso(T - W) && !w.widened ? w.velocityPerHour : w.fixedVelocityPerHour);

/** A random series ending with a reading exactly at the hour boundary E (so every as-of time reads the same data). */
function series(seed: number) {
  const r = rng(seed);
  const E = T0 + 10 * DAY;
  const rounded = seed % 3 === 0;
  const c = new Counter(T0, E, rounded ? 3e7 + r() * 5e7 : 1e6 + r() * 1e9, (t) => (rounded ? 4e5 : 2e4 + r() * 0) * Math.pow(2, (t - T0) / ((3 + seed) * DAY)), 0.05, seed);
  const bursts = sampleTimes({ from: T0 + DAY, to: E - HOUR, irregular: [8 * HOUR, 30 * HOUR], seed: seed + 50 });
  const times = sampleTimes({ from: T0, to: E, irregular: [2 * MIN, 25 * MIN], seed, bursts: { at: bursts, count: 30, spacing: 15_000 } });
  let pts = readings((t) => c.at(t), [...new Set([...times, E])].sort((a, b) => a - b), rounded);
  // even seeds: a hole of 3–30 hours somewhere in the last 4 days (a gap, or late samples, depending on its length)
  if (seed % 2 === 0) {
    const a = E - Math.floor(1 + r() * 3) * DAY - Math.floor(r() * 12) * HOUR;
    pts = withGap(pts, a, a + Math.floor(3 + r() * 27) * HOUR);
  }
  return { pts, E, rounded };
}

const meaningful = { chart: 0, event: 0, rounded: 0 };

describe('truth: the tag page chart and event impact are the report’s fixed-window velocity', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`chart bins and event periods = report windows on a random series (seed ${seed})`, () => {
      const { pts, E, rounded } = series(seed);
      const bins = binHourly(pts, E);
      const m = computeMetrics(bins, { atMs: E });
      // exact data: the reading at E is the end; rounded data: the last threshold crossing before it
      const T = Date.parse(m.asOf!);
      expect(T).toBeGreaterThan(E - 6 * HOUR);
      const w24 = m.windows.find((w) => w.window === '24h')!;

      // chart: the bin ending at asOf is the report's fixed window of the bin's width
      const chart = velocityBins(bins, { fromMs: E - 3 * DAY, toMs: E, maxBins: 240 }, { atMs: E })!;
      const W = chart.binMs;
      expect(DAY % W).toBe(0);
      const atAsOf = chart.bins.find((b) => b.end === m.asOf);
      if (T % W === 0) {
        expect(atAsOf, 'a bin ends at asOf').toBeDefined();
        const mw = computeMetrics(bins, { atMs: E, windowsMs: [W] }).windows[0]!;
        same(atAsOf!.velocityPerHour, shown(mw, T, W), `bin of ${W / HOUR} h ending at asOf`);
        expect(atAsOf!.interpolated).toBe(mw.from === iso(T - W) && !mw.widened ? mw.interpolated : atAsOf!.interpolated);
        if (mw.from === iso(T - W) && !mw.widened) {
          same(atAsOf!.velocityPerHourLow, mw.velocityPerHourLow, 'interval low');
          same(atAsOf!.velocityPerHourHigh, mw.velocityPerHourHigh, 'interval high');
        }
      }
      // the bins of the 24 h before asOf add up to the report's 24 h window (the counter is the same)
      const day = chart.bins.filter((b) => Date.parse(b.start) >= T - DAY && Date.parse(b.end) <= T);
      expect(day.length * W).toBe(T % W === 0 ? DAY : day.length * W);
      if (T % W === 0 && day.every((b) => b.velocityPerHour !== null && !b.interpolated)) {
        meaningful.chart++;
        expect(w24.fixedVelocityPerHour).not.toBeNull();
        same(day.reduce((a, b) => a + b.velocityPerHour! * (W / HOUR), 0) / 24, w24.fixedVelocityPerHour, 'mean of the 24 h of bins');
      }

      // event impact: a one-day event ending at asOf is the report's fixed 24 h window, interval and coverage included
      const event: CalendarEvent = { name: 'test', slug: 'test', start: iso(T - DAY), end: iso(T) };
      const imp = eventImpact(pts, event, { beforeDays: 1, afterDays: 1 });
      same(imp.during?.velocityPerHour, shown(w24, T, DAY), 'event during vs report 24 h');
      if (imp.during) same(imp.during.coverage, w24.coverage, 'coverage');
      same(imp.before && !imp.before.interpolated ? imp.before.velocityPerHour : null, w24.previousVelocityPerHour, 'event before vs report previous 24 h');
      same(imp.duringVsBeforePct, w24.growthPct, 'growth');
      if (T === E) expect(imp.after).toBeNull();
      if (w24.fixedVelocityPerHour !== null) meaningful.event++;
      if (rounded) meaningful.rounded++;
    });
  }

  it('the random cases mean something: most have known velocities to compare', () => {
    expect(meaningful.chart).toBeGreaterThanOrEqual(6);
    expect(meaningful.event).toBeGreaterThanOrEqual(8);
    expect(meaningful.rounded).toBe(4); // seeds 3, 6, 9, 12
  });

  it('an event period over a 5-day hole is unknown, as the report’s window over it (not an interpolated number)', () => {
    const E = T0 + 30 * DAY;
    const c = new Counter(T0, E, 1e8, () => 5000);
    const s = T0 + 20 * DAY;
    const pts = withGap(readings((t) => c.at(t), sampleTimes({ from: T0, to: E, every: 30 * MIN })), s - 9 * DAY, s - 4 * DAY);
    const imp = eventImpact(pts, { name: 'test', slug: 'test', start: iso(s), end: iso(s + DAY) }, { beforeDays: 14, afterDays: 7 });
    const report14 = computeMetrics(binHourly(pts), { atMs: s, windowsMs: [14 * DAY] }).windows[0]!;
    expect(report14.fixedVelocityPerHour).toBeNull();
    expect(imp.before).not.toBeNull();
    expect(imp.before!.velocityPerHour).toBeNull();
    expect(imp.before!.coverage).toBeCloseTo(report14.coverage!, 12);
    expect(imp.before!.coverage).toBeLessThan(0.75);
    expect(imp.duringVsBeforePct).toBeNull();
    // the periods the samples do cover are known, exactly
    expect(imp.during!.velocityPerHour).toBeCloseTo(5000, 6);
    expect(imp.after!.velocityPerHour).toBeCloseTo(5000, 6);
  });
});
