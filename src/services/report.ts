/** Report of one tag: load its series (one primary-key range read) and run the analytics. */
import type { Store } from '../store/store.ts';
import { ANALYTICS_VERSION, ReportFitMemo, computeReport, type Report } from '../analytics/report.ts';
import { eventImpact, eventYearOverYear, type EventImpact, type EventYear } from '../analytics/events.ts';
import { resolveEvent, type EventInfo } from './events.ts';
import { loadReportInput, loadSeries, toPoints } from './series.ts';
import { findConflicts, type Conflict } from './readings.ts';
import { normalizeTag } from '../schema/tag.ts';
import { trackedCadenceMs } from './tracking.ts';

export interface ReportInput {
  platform: string;
  tag: string;
  metric: string;
  /** As-of time (ISO); later observations are ignored. */
  at?: string;
}

/**
 * The change points and lifecycle fits of recent reports, keyed by their whole input (analytics `ReportFitMemo`): a
 * report asked again before the tag's data changed skips the two fits, and any change of the data is another key.
 * Process-wide; the benchmark clears it to time the first report after a change (figure 7h, cold).
 */
export const reportFitMemo = new ReportFitMemo(64);

/**
 * The report of one tag, plus `conflicts`: instants where two sources give values that contradict each other (both
 * rows are kept in the store; the report used the preferred one, marked `chosen`). See services/readings.ts.
 */
export async function buildReport(store: Store, input: ReportInput): Promise<Report & { observations: number; conflicts: Conflict[] }> {
  const tag = normalizeTag(input.tag);
  const atMs = input.at ? Date.parse(input.at) : undefined;
  // the rows and the tag's cadence in one query (loadReportInput: the rows of loadSeries, tests/integration/analytics/
  // report-input.test.ts). A tracked tag's cadence: late samples are not gaps (the overview passes the same cadence).
  // (no rows: no gaps, so no cadence can change the report; it is not read)
  const { rows, cadenceMs } = await loadReportInput(store, { platform: input.platform, tag, metric: input.metric }, input.at ? { to: input.at } : {}, { cadenceOfEmpty: false });
  const points = toPoints(rows);
  const report = computeReport(points, {
    platform: input.platform,
    tag,
    metric: input.metric,
    ...(atMs !== undefined ? { at: atMs } : {}),
    now: Date.now(),
    ...(cadenceMs !== undefined ? { cadenceMs } : {}),
    fitMemo: reportFitMemo,
  });
  return { ...report, observations: rows.length, conflicts: findConflicts(rows, input.metric) };
}

/** Days of the baseline before an event and of the look after it. */
export const EVENT_DEFAULT_DAYS = 14;

export interface EventReportInput {
  platform: string;
  tag: string;
  metric: string;
  /** Event slug or name (user event or built-in). */
  event: string;
  /** Occurrence to analyse (default: the latest one the data can cover). */
  year?: number;
  beforeDays?: number;
  afterDays?: number;
}

export interface EventReport {
  platform: string;
  tag: string;
  metric: string;
  event: EventInfo;
  year: number;
  /** Velocity before, during and after this occurrence. */
  impact: EventImpact;
  /** The same window in every year the data cover, with year-over-year growth of the "during" velocity. */
  years: EventYear[];
  observations: number;
  method: { version: string; beforeDays: number; afterDays: number; description: string };
}

/**
 * Growth of one tag around an event: velocity in [start − before, start), [start, end) and [end, end + after),
 * and the same window in earlier years when the history reaches back (analytics eventImpact, eventYearOverYear).
 */
export async function buildEventReport(store: Store, input: EventReportInput): Promise<EventReport> {
  const tag = normalizeTag(input.tag);
  const rows = await loadSeries(store, { platform: input.platform, tag, metric: input.metric });
  const points = toPoints(rows);
  const lastMs = points.length ? points[points.length - 1]!.t : Date.now();
  const resolved = await resolveEvent(store, input.event, { ...(input.year !== undefined ? { year: input.year } : {}), referenceMs: Math.min(Date.now(), lastMs) });
  const beforeDays = input.beforeDays ?? EVENT_DEFAULT_DAYS;
  const afterDays = input.afterDays ?? EVENT_DEFAULT_DAYS;
  const cadenceMs = await trackedCadenceMs(store, input.platform, tag);
  const opts = { beforeDays, afterDays, ...(cadenceMs !== undefined ? { cadenceMs } : {}) };
  return {
    platform: input.platform,
    tag,
    metric: input.metric,
    event: resolved.event,
    year: resolved.year,
    impact: eventImpact(points, resolved.event, opts),
    years: eventYearOverYear(points, resolved.forYear, opts),
    observations: rows.length,
    method: {
      version: ANALYTICS_VERSION,
      beforeDays,
      afterDays,
      description: `velocity over fixed periods: ${beforeDays} days before the start, the event itself, ${afterDays} days after the end; each is the fixed-window velocity of the report's metrics (hourly bins, gaps never interpolated, null when samples cover less than 75 % of the period or the change is within two rounding steps; docs/analytics.md §3)`,
    },
  };
}
