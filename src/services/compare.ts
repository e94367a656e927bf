/**
 * Comparison of several tags on one time grid: absolute counts, log10, or indexed to 100 at a date
 * (analytics compareSeries: cleaned, linearly interpolated, never extrapolated).
 */
import * as z from 'zod';
import type { Store } from '../store/store.ts';
import { AdjustedCounterMemo, compareSeries, type CompareResult, type CompareScale } from '../analytics/compare.ts';
import { ANALYTICS_VERSION } from '../analytics/report.ts';
import { loadChosenMany } from './series.ts';
import { AnalyticsInputError, MetricInput, PlatformInput, TagList, TimeInput, durationInput, formatDuration, parseAnalyticsInput } from './analytics-inputs.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Without --step: hourly rows up to this span, daily beyond. */
const AUTO_DAILY_SPAN_MS = 7 * DAY_MS;
/** Rows of one comparison (a terminal table or an API answer, not a bulk export: use export for that). */
export const MAX_COMPARE_ROWS = 20_000;
export const MAX_COMPARE_TAGS = 20;
/** This process's cleaned counters of compared series (analytics/compare.ts AdjustedCounterMemo): two comparisons of the most tags (MAX_COMPARE_TAGS), ~8 MB at most for 60 days hourly. */
const compareMemo = new AdjustedCounterMemo(40);

export const CompareInput = z.object({
  tags: TagList.refine((t) => t.length >= 1 && t.length <= MAX_COMPARE_TAGS, `give between 1 and ${MAX_COMPARE_TAGS} tags, e.g. mentalhealth,suicideprevention`),
  platform: PlatformInput,
  metric: MetricInput,
  scale: z.enum(['linear', 'log', 'indexed']).optional(),
  indexAt: TimeInput.optional(),
  from: TimeInput.optional(),
  to: TimeInput.optional(),
  step: durationInput(60_000, 31 * DAY_MS, '1h or 1d').optional(),
});
export type CompareInput = z.input<typeof CompareInput>;

export interface CompareSeriesInfo {
  tag: string;
  /** Stored observations in the range. */
  observations: number;
  first: string | null;
  last: string | null;
  /** Share of observations that are exact counts (the rest are rounded display figures or lower bounds). */
  exactShare: number | null;
}

export interface Comparison extends CompareResult {
  platform: string;
  metric: string;
  step: string;
  series: CompareSeriesInfo[];
  /** Things the reader must know (e.g. a tag without data at the index date). */
  notes: string[];
  method: { analyticsVersion: string; description: string };
}

const SCALE_TEXT: Record<CompareScale, string> = {
  linear: 'counter of the cleaned series, linearly interpolated on the grid',
  log: 'log10 of the interpolated counter',
  indexed: '100 × counter / counter at the index time',
};

export async function compareTags(store: Store, raw: CompareInput): Promise<Comparison> {
  const input = parseAnalyticsInput(CompareInput, raw);
  const scale: CompareScale = input.scale ?? (input.indexAt ? 'indexed' : 'linear');
  if (input.indexAt && scale !== 'indexed') throw new AnalyticsInputError(`indexAt: only applies to the indexed scale (you asked for ${scale}): drop it or use scale indexed`);
  if (input.from && input.to && Date.parse(input.from) > Date.parse(input.to)) throw new AnalyticsInputError('from: is after to; swap them');

  const range = { ...(input.from ? { from: input.from } : {}), ...(input.to ? { to: input.to } : {}) };
  // one query for all tags, read as columns, one reading per instant taken in one pass (reading_columns: the same points
  // as toPoints of readings_many, and the same row counts; tests/integration/analytics/compare-chosen.test.ts)
  const byTag = await loadChosenMany(store, { platform: input.platform, metric: input.metric, tags: input.tags }, range);
  const loaded = input.tags.map((tag) => ({ tag, ...byTag.get(tag)! }));
  const series: CompareSeriesInfo[] = loaded.map(({ tag, observations, exactRows, points }) => ({
    tag,
    observations,
    // the first and last stored row's time: rows are in time order, and every instant of a row has a point
    first: points.length ? new Date(points[0]!.t).toISOString() : null,
    last: points.length ? new Date(points[points.length - 1]!.t).toISOString() : null,
    exactShare: observations ? exactRows / observations : null,
  }));
  const times = series.flatMap((s) => (s.first && s.last ? [Date.parse(s.first), Date.parse(s.last)] : []));
  const fromMs = input.from ? Date.parse(input.from) : times.length ? Math.min(...times) : undefined;
  const toMs = input.to ? Date.parse(input.to) : times.length ? Math.max(...times) : undefined;
  const stepMs = input.step ?? (fromMs !== undefined && toMs !== undefined && toMs - fromMs > AUTO_DAILY_SPAN_MS ? DAY_MS : HOUR_MS);
  if (fromMs !== undefined && toMs !== undefined && (toMs - fromMs) / stepMs > MAX_COMPARE_ROWS) {
    throw new AnalyticsInputError(`step: ${formatDuration(stepMs)} over this range gives more than ${MAX_COMPARE_ROWS} rows: use a larger step, a shorter range (from/to), or tagpulse export for bulk data`);
  }
  const result = compareSeries(
    loaded.map(({ tag, points }) => ({ key: tag, points })),
    {
      scale,
      stepMs,
      maxRows: MAX_COMPARE_ROWS + 1,
      memo: compareMemo,
      memoScope: `${input.platform}\0${input.metric}`,
      ...(input.indexAt ? { indexAt: Date.parse(input.indexAt) } : {}),
      ...(input.from ? { from: fromMs! } : {}),
      ...(input.to ? { to: toMs! } : {}),
    },
  );
  return {
    ...result,
    platform: input.platform,
    metric: input.metric,
    step: formatDuration(stepMs),
    series,
    notes: compareNotes(result, series),
    method: { analyticsVersion: ANALYTICS_VERSION, description: SCALE_TEXT[scale] },
  };
}

function compareNotes(result: CompareResult, series: CompareSeriesInfo[]): string[] {
  const notes: string[] = [];
  for (const s of series) {
    if (s.observations === 0) notes.push(`#${s.tag} has no observations in this range`);
    else if (s.exactShare !== null && s.exactShare < 1) notes.push(`#${s.tag}: ${((1 - s.exactShare) * 100).toFixed(1)}% of observations are rounded display figures or lower bounds`);
  }
  if (result.scale === 'indexed') {
    if (result.indexAt === null) notes.push('no common index time: not every tag has data; pass indexAt inside every tag\'s range');
    else {
      for (const s of series) {
        if (s.observations > 0 && result.rows.every((r) => r.values[s.tag] === null)) notes.push(`#${s.tag} has no data at the index time ${result.indexAt}: its indexed values are empty`);
      }
    }
  }
  return notes;
}
