/**
 * Calendar events (awareness days/months) and their impact on a counter's velocity.
 *
 * Method: velocity over fixed windows before / during / after an event by the metrics' one definition of a fixed
 * window (analytics/metrics.ts `fixedWindowVelocities`: the hourly-bin counter, gaps never interpolated, null below
 * 75 % coverage or a change within two rounding steps, rounding interval), growth of "during" vs "before" as
 * period-over-period growth; the same window compared across years. docs/analytics.md §6; growth-methods.md §7
 * ("Annotations").
 */
import type { CalendarEvent, SeriesPoint } from './types.ts';
import { MS_PER_DAY } from './math.ts';
import { binHourly, fixedWindowVelocities, type FixedWindowVelocity, type HourBin } from './metrics.ts';
import { growthPct } from './growth.ts';

const utc = (y: number, month1: number, day: number): string => new Date(Date.UTC(y, month1 - 1, day)).toISOString();

/** Slugs of the built-in awareness events (UTC calendar days). */
export const BUILTIN_EVENT_SLUGS = [
  'world-suicide-prevention-day',
  'suicide-prevention-awareness-month',
  'world-mental-health-day',
  'mental-health-awareness-month-us',
] as const;
/** Slug of a built-in event. */
export type BuiltinEventSlug = (typeof BUILTIN_EVENT_SLUGS)[number];

/** One built-in event in a given year (half-open [start, end), UTC). */
export function builtinEvent(slug: BuiltinEventSlug, year: number): CalendarEvent {
  switch (slug) {
    case 'world-suicide-prevention-day':
      return { name: 'World Suicide Prevention Day', slug, start: utc(year, 9, 10), end: utc(year, 9, 11) };
    case 'suicide-prevention-awareness-month':
      return { name: 'Suicide Prevention Awareness Month', slug, start: utc(year, 9, 1), end: utc(year, 10, 1) };
    case 'world-mental-health-day':
      return { name: 'World Mental Health Day', slug, start: utc(year, 10, 10), end: utc(year, 10, 11) };
    case 'mental-health-awareness-month-us':
      return { name: 'Mental Health Awareness Month (US)', slug, start: utc(year, 5, 1), end: utc(year, 6, 1) };
  }
}

/**
 * Built-in calendar of awareness dates for `year`, sorted by start: World Suicide Prevention Day (10 Sep, IASP/WHO),
 * Suicide Prevention Awareness Month (September), World Mental Health Day (10 Oct, WFMH), Mental Health Awareness
 * Month (May, US). Days are whole UTC days; `end` is exclusive.
 */
export function builtinEvents(year: number): CalendarEvent[] {
  return BUILTIN_EVENT_SLUGS.map((s) => builtinEvent(s, year)).sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? -1 : 1,
  );
}

/** Velocity over one fixed period: the metrics' fixed-window velocity (`FixedWindowVelocity`). */
export type PeriodVelocity = FixedWindowVelocity;

/** Output of `eventImpact`. */
export interface EventImpact {
  event: CalendarEvent;
  /** [start − beforeDays, start) — null when not covered by data. */
  before: PeriodVelocity | null;
  /** [start, end) */
  during: PeriodVelocity | null;
  /** [end, end + afterDays) */
  after: PeriodVelocity | null;
  /** (v_during / v_before − 1)·100 */
  duringVsBeforePct: number | null;
  /** (v_after / v_before − 1)·100 */
  afterVsBeforePct: number | null;
}

function impactOnBins(bins: readonly HourBin[], event: CalendarEvent, beforeDays: number, afterDays: number, cadenceMs: number | undefined): EventImpact {
  const s = Date.parse(event.start);
  const e = Date.parse(event.end);
  const [before, during, after] = fixedWindowVelocities(
    bins,
    [
      { fromMs: s - beforeDays * MS_PER_DAY, toMs: s },
      { fromMs: s, toMs: e },
      { fromMs: e, toMs: e + afterDays * MS_PER_DAY },
    ],
    { atMs: Infinity, ...(cadenceMs !== undefined ? { cadenceMs } : {}) },
  ) as [PeriodVelocity | null, PeriodVelocity | null, PeriodVelocity | null];
  return {
    event,
    before,
    during,
    after,
    duringVsBeforePct: growthPct(measured(during), measured(before)),
    afterVsBeforePct: growthPct(measured(after), measured(before)),
  };
}

/** A period's velocity for growth: an interpolated one is not measured (as in the report's growth %). */
const measured = (p: PeriodVelocity | null): number | null => (p === null || p.interpolated ? null : p.velocityPerHour);

/** Options of `eventImpact` / `eventYearOverYear`. */
export interface EventImpactOptions {
  /** Days before the event used as the baseline (default 14). */
  beforeDays?: number;
  /** Days after the event (default 14). */
  afterDays?: number;
  /** Sampling cadence of a tracked tag (the metrics' gap rule). */
  cadenceMs?: number;
}

/**
 * Velocity of a counter before, during and after an event, and the growth of "during" (and "after") vs "before".
 * Periods are fixed (no rounding widening) so that they are comparable; a period is null when an edge lies outside
 * the data or inside a gap, and its velocity is null when samples cover less than 75 % of it. Pure.
 */
export function eventImpact(
  points: readonly SeriesPoint[],
  event: CalendarEvent,
  opts: EventImpactOptions = {},
): EventImpact {
  return impactOnBins(binHourly(points), event, opts.beforeDays ?? 14, opts.afterDays ?? 14, opts.cadenceMs);
}

/** One year of `eventYearOverYear`. */
export interface EventYear {
  year: number;
  impact: EventImpact;
  /** Growth of the "during" velocity vs the previous calendar year's (null if that year is not covered). */
  duringYoYPct: number | null;
}

/**
 * The same event window compared across the years the data cover: for every calendar year from the first to the
 * last usable sample, `eventImpact` of `eventForYear(year)`; only years whose "during" period is covered are
 * returned, with the year-over-year growth of the "during" velocity.
 */
export function eventYearOverYear(
  points: readonly SeriesPoint[],
  eventForYear: (year: number) => CalendarEvent,
  opts: EventImpactOptions = {},
): EventYear[] {
  const bins = binHourly(points);
  if (bins.length < 1) return [];
  const y0 = new Date(bins[0]!.firstAt).getUTCFullYear();
  const y1 = new Date(bins[bins.length - 1]!.lastAt).getUTCFullYear();
  const out: EventYear[] = [];
  for (let y = y0; y <= y1; y++) {
    const impact = impactOnBins(bins, eventForYear(y), opts.beforeDays ?? 14, opts.afterDays ?? 14, opts.cadenceMs);
    if (impact.during === null) continue;
    const prev = out[out.length - 1];
    const duringYoYPct =
      prev !== undefined && prev.year === y - 1
        ? growthPct(measured(impact.during), measured(prev.impact.during))
        : null;
    out.push({ year: y, impact, duringYoYPct });
  }
  return out;
}
