import { describe, expect, it } from 'vitest';
import { builtinEvent, builtinEvents, eventImpact, eventYearOverYear } from '../../../src/analytics/index.ts';
import { DAY, HOUR, exactPoints, irregularTimes, regularTimes, rng } from './helpers.ts';

describe('builtinEvents', () => {
  it('lists the awareness dates in UTC with exclusive ends', () => {
    expect(builtinEvents(2025)).toEqual([
      { name: 'Mental Health Awareness Month (US)', slug: 'mental-health-awareness-month-us', start: '2025-05-01T00:00:00.000Z', end: '2025-06-01T00:00:00.000Z' },
      { name: 'Suicide Prevention Awareness Month', slug: 'suicide-prevention-awareness-month', start: '2025-09-01T00:00:00.000Z', end: '2025-10-01T00:00:00.000Z' },
      { name: 'World Suicide Prevention Day', slug: 'world-suicide-prevention-day', start: '2025-09-10T00:00:00.000Z', end: '2025-09-11T00:00:00.000Z' },
      { name: 'World Mental Health Day', slug: 'world-mental-health-day', start: '2025-10-10T00:00:00.000Z', end: '2025-10-11T00:00:00.000Z' },
    ]);
  });
});

/** Counter at 1000/h, 3000/h on 10 Sep (UTC) of every year. */
function wspdCounter(t: number): number {
  const y = new Date(t).getUTCFullYear();
  let c = 1e9 + 1000 * (t / HOUR);
  for (let yy = 2023; yy <= y; yy++) {
    const s = Date.UTC(yy, 8, 10);
    const overlap = Math.max(0, Math.min(t, s + DAY) - s);
    c += (yy === 2025 ? 4000 : 2000) * (overlap / HOUR);
  }
  return c;
}

describe('eventImpact', () => {
  it('measures velocity before/during/after and the growth of during vs before', () => {
    // hourly samples on the hour: the event edges are sampled, so interpolation is exact
    const pts = exactPoints(wspdCounter, regularTimes(Date.UTC(2024, 7, 1), Date.UTC(2024, 9, 15), HOUR));
    const imp = eventImpact(pts, builtinEvent('world-suicide-prevention-day', 2024));
    expect(imp.before!.velocityPerHour).toBeCloseTo(1000, 6);
    expect(imp.during!.velocityPerHour).toBeCloseTo(3000, 6);
    expect(imp.after!.velocityPerHour).toBeCloseTo(1000, 6);
    expect(imp.duringVsBeforePct!).toBeCloseTo(200, 6);
    expect(imp.afterVsBeforePct!).toBeCloseTo(0, 6);
    expect(imp.during!.delta).toBe('72000');
    // irregular sampling: edges are interpolated across the rate jump (error ≤ rate jump × sampling interval)
    const irr = exactPoints(wspdCounter, irregularTimes(rng(3), Date.UTC(2024, 7, 1), Date.UTC(2024, 9, 15), 0.5 * HOUR, 1.5 * HOUR));
    const imp2 = eventImpact(irr, builtinEvent('world-suicide-prevention-day', 2024));
    expect(imp2.during!.velocityPerHour! / 3000).toBeCloseTo(1, 1);
    expect(imp2.before!.velocityPerHour! / 1000).toBeCloseTo(1, 2);
    expect(imp.during!.from).toBe('2024-09-10T00:00:00.000Z');
    // not covered → null
    const none = eventImpact(pts, builtinEvent('world-suicide-prevention-day', 2023));
    expect(none.during).toBeNull();
    expect(none.duringVsBeforePct).toBeNull();
  });
});

describe('eventYearOverYear', () => {
  it('compares the same window across the years with data', () => {
    const pts = exactPoints(
      wspdCounter,
      regularTimes(Date.UTC(2023, 7, 1), Date.UTC(2025, 9, 1), 3 * HOUR),
    );
    const yoy = eventYearOverYear(pts, (y) => builtinEvent('world-suicide-prevention-day', y));
    expect(yoy.map((r) => r.year)).toEqual([2023, 2024, 2025]);
    expect(yoy[0]!.duringYoYPct).toBeNull();
    expect(yoy[1]!.impact.during!.velocityPerHour).toBeCloseTo(3000, 6);
    expect(yoy[1]!.duringYoYPct!).toBeCloseTo(0, 6);
    expect(yoy[2]!.impact.during!.velocityPerHour).toBeCloseTo(5000, 6);
    expect(yoy[2]!.duringYoYPct!).toBeCloseTo((5000 / 3000 - 1) * 100, 6);
    // the "after" period is the 14 days after the event
    expect(yoy[2]!.impact.after!.to).toBe('2025-09-25T00:00:00.000Z');
  });
});
