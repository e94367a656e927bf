/**
 * Exports in ClickHouse's own formats (CSVWithNames, JSONEachRow, Parquet) with a citation.
 *
 *  - raw: the stored observations with every provenance column (query export_observations);
 *  - cleaned: exactly the readings every metric uses (issue 11: one definition) — the first and the last usable
 *    reading of each UTC hour, cleaned as the metrics clean them (analytics/metrics.ts `binCounter`: lower bounds
 *    and zeros left out, glitches out, revisions removed, the tag's cadence in the gap rule), with `gap_before` on a
 *    row whose sampling interval is a gap. Interpolating `value` linearly between rows (never across a gap)
 *    reproduces the report's velocities for exact data. It is computed here and handed back to ClickHouse as
 *    JSONEachRow text through a bound parameter (query export_cleaned, `format()` table function), so ClickHouse
 *    writes every format, including Parquet, exactly as for raw exports. No temporary table: the store stays
 *    read-only for exports and works the same through the owner's API.
 *
 * A snapshot time pins the rows (ingested at or before it), so the data and its citation describe the same rows
 * and an export can be reproduced byte for byte while no stored row is replaced.
 */
import { careFor } from './care.ts';
import * as z from 'zod';
import type { ExportFormat, Store } from '../store/store.ts';
import { MAX_TIME, MIN_TIME } from '../store/queries.ts';
import { EMPTY_CLEANED_DATA, exportCleanedQuery, exportObservationsQuery, exportSourcesQuery, type ExportObservationRow } from '../store/analytics-queries.ts';
import { toChTime } from '../store/time.ts';
import { Metric } from '../schema/observation.ts';
import { CLEAN_DEFAULTS } from '../analytics/clean.ts';
import { binCounter, binHourly, METRIC_DEFAULTS } from '../analytics/metrics.ts';
import { trackedCadences } from './tracking.ts';
import { ANALYTICS_VERSION } from '../analytics/report.ts';
import { toPoints } from './series.ts';
import { choosePerInstant } from './readings.ts';
import { FlagInput, PlatformInput, TagList, TimeInput, parseAnalyticsInput, AnalyticsInputError } from './analytics-inputs.ts';
import { buildCitation, withShares, type Citation, type SourceSummary } from './citation.ts';
import { TagpulseError } from '../errors.ts';

export const EXPORT_FORMATS = {
  csv: { clickhouse: 'CSVWithNames', contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  jsonl: { clickhouse: 'JSONEachRow', contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
  parquet: { clickhouse: 'Parquet', contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
} as const satisfies Record<string, { clickhouse: ExportFormat; contentType: string; extension: string }>;
export type ExportFormatName = keyof typeof EXPORT_FORMATS;

const MetricList = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  const parts = [...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))];
  for (const p of parts) {
    if (!Metric.safeParse(p).success) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(p)} is not a metric name (e.g. views, posts)` });
      return z.NEVER;
    }
  }
  return parts;
});

export const ExportInput = z.object({
  /** Empty: every tag of the platform. */
  tags: TagList.optional(),
  platform: PlatformInput,
  /** One or more metrics ("views,posts"); empty: every metric. */
  metric: MetricList.optional(),
  from: TimeInput.optional(),
  to: TimeInput.optional(),
  format: z.enum(['csv', 'jsonl', 'parquet']).default('csv'),
  cleaned: FlagInput.default(false),
  /** Reproduce an earlier export: only rows ingested at or before this time (default: now). */
  snapshot: TimeInput.optional(),
});
export type ExportInput = z.input<typeof ExportInput>;

export interface ExportOptions {
  /** Public URL of this instance, named in the citation. */
  instance?: string | undefined;
  /** Values that must never leave the instance (configured secrets). */
  secrets?: string[];
  /** File name recorded in the citation. */
  file?: string;
  now?: () => Date;
  /** Terms of sensitive topics (config sensitiveTopics, parsed): a matching tag adds the care block to the citation. */
  sensitiveTopics?: readonly string[];
}

export interface ExportResult {
  bytes: Buffer;
  format: ExportFormatName;
  contentType: string;
  /** Suggested file name, e.g. tagpulse-mentalhealth-views-20241122.csv */
  fileName: string;
  rows: number;
  citation: Citation;
}

export class ExportSecretError extends TagpulseError {
  override readonly code = 'EXPORT_SECRET';
  override readonly retryable = false;
  constructor() {
    super('the export would contain a configured secret (in provenance or notes); nothing was written. Remove the secret from the stored rows or the configuration first');
  }
}

export async function exportObservations(store: Store, raw: ExportInput, opts: ExportOptions = {}): Promise<ExportResult> {
  const input = parseAnalyticsInput(ExportInput, raw);
  if (input.from && input.to && Date.parse(input.from) > Date.parse(input.to)) throw new AnalyticsInputError('from: is after to; swap them');
  const exportedAt = (opts.now?.() ?? new Date()).toISOString();
  const params = {
    platform: input.platform,
    tags: input.tags ?? [],
    metrics: input.metric ?? [],
    from: input.from ?? MIN_TIME,
    to: input.to ?? MAX_TIME,
    snapshot: input.snapshot ?? exportedAt,
  };
  const fmt = EXPORT_FORMATS[input.format];
  const sourceRows = await store.run(exportSourcesQuery, params);
  const sources: SourceSummary[] = sourceRows.map((s) => ({
    source: s.source,
    method: s.method,
    ...withShares({ rows: s.rows, exact: s.exact, rounded: s.rounded, lowerBound: s.lower_bound }),
    firstAt: s.first_at,
    lastAt: s.last_at,
  }));
  let bytes: Buffer;
  let rows: number;
  let cleaning: Record<string, number> | undefined;
  if (input.cleaned) {
    const cleaned = cleanRows(await store.run(exportObservationsQuery, params), await trackedCadences(store));
    bytes = await store.exportBytes(exportCleanedQuery, { data: cleaned.rows ? cleaned.jsonl : EMPTY_CLEANED_DATA }, fmt.clickhouse);
    rows = cleaned.rows;
    cleaning = cleaned.stats;
  } else {
    bytes = await store.exportBytes(exportObservationsQuery, params, fmt.clickhouse);
    rows = sources.reduce((a, s) => a + s.rows, 0);
  }
  for (const secret of opts.secrets ?? []) if (secret.length >= 6 && bytes.includes(secret)) throw new ExportSecretError();
  const foundTags = [...new Set(sourceRows.flatMap((s) => s.tags))].sort();
  const fileName = opts.file ?? defaultExportFileName(input.tags ?? [], input.metric ?? [], fmt.extension, exportedAt, input.cleaned);
  const citation = buildCitation({
    cleaned: input.cleaned,
    platform: input.platform,
    tags: input.tags ?? [],
    foundTags,
    metrics: input.metric ?? [],
    foundMetrics: [...new Set(sourceRows.flatMap((s) => s.metrics))].sort(),
    query: { name: input.cleaned ? `${exportObservationsQuery.name} + cleanSeries` : exportObservationsQuery.name, parameters: params },
    rows,
    sources,
    collectorVersions: [...new Set(sourceRows.flatMap((s) => s.collector_versions))].sort(),
    analytics: { version: ANALYTICS_VERSION, ...(input.cleaned ? { parameters: { ...CLEAN_DEFAULTS, gapFactor: METRIC_DEFAULTS.gapFactor, readings: 'first and last usable reading of each UTC hour (the metrics’ hourly bins)' }, ...(cleaning ? { cleaning } : {}) } : {}) },
    format: fmt.clickhouse,
    bytes,
    exportedAt,
    instance: opts.instance,
    file: fileName,
    care: careFor(foundTags, opts.sensitiveTopics ?? []),
  });
  return { bytes, format: input.format, contentType: fmt.contentType, fileName, rows, citation };
}

export function defaultExportFileName(tags: string[], metrics: string[], extension: string, exportedAt: string, cleaned: boolean): string {
  const what = tags.length === 0 ? 'all' : tags.length <= 3 ? tags.join('+') : `${tags.slice(0, 3).join('+')}+${tags.length - 3}more`;
  const safe = what.replace(/[^\p{L}\p{N}_+-]/gu, '_');
  return `tagpulse-${safe}-${metrics.length ? metrics.join('+') : 'all'}${cleaned ? '-cleaned' : ''}-${exportedAt.slice(0, 10).replace(/-/g, '')}.${extension}`;
}

/**
 * The readings the metrics use, cleaned as the metrics clean them, for every (tag, metric) in the rows, as JSONEachRow
 * text for export_cleaned: `binCounter` over `binHourly` of the preferred reading per instant, with the tag's cadence
 * (`cadences`, by "platform|tag").
 */
export function cleanRows(rows: ExportObservationRow[], cadences: ReadonlyMap<string, number> = new Map()): { jsonl: string; rows: number; stats: Record<string, number> } {
  const groups = new Map<string, ExportObservationRow[]>();
  for (const r of rows) {
    const k = `${r.platform}\u0000${r.tag}\u0000${r.metric}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const lines: string[] = [];
  const stats = { inputRows: rows.length, outputRows: 0, readingsNotUsed: 0, zerosLeftOut: 0, glitches: 0, revisions: 0, gaps: 0, lowerBoundsLeftOut: 0, adjustedValues: 0 };
  for (const g of groups.values()) {
    // The row each point came from: the one choosePerInstant prefers when two sources share an instant.
    const chosen = choosePerInstant(g);
    const byTime = new Map(chosen.map((r) => [Date.parse(r.observed_at), r]));
    const points = toPoints(g);
    const cadenceMs = cadences.get(`${g[0]!.platform}|${g[0]!.tag}`);
    const { clean } = binCounter(binHourly(points), Infinity, cadenceMs !== undefined ? { cadenceMs } : {});
    stats.lowerBoundsLeftOut += points.filter((p) => p.precision === 'lower_bound').length;
    stats.zerosLeftOut += points.filter((p) => p.precision !== 'lower_bound' && p.value === 0n).length;
    stats.readingsNotUsed += points.filter((p) => p.precision !== 'lower_bound' && p.value > 0n).length - clean.raw.length;
    stats.glitches += clean.glitches.length;
    stats.revisions += clean.revisions.length;
    for (const p of clean.adjusted) {
      const r = byTime.get(p.t)!;
      if (p.value !== p.raw) stats.adjustedValues++;
      if (p.gap) stats.gaps++;
      lines.push(
        JSON.stringify({
          platform: r.platform,
          tag: r.tag,
          metric: r.metric,
          observed_at: toChTime(p.t),
          value: p.value.toString(),
          raw_value: p.raw.toString(),
          adjusted: p.value !== p.raw,
          gap_before: p.gap === true,
          step: p.step.toString(),
          precision: p.precision,
          source: r.source,
          method: r.method,
          collector_version: r.collector_version,
          provenance: r.provenance,
          analytics_version: ANALYTICS_VERSION,
        }),
      );
    }
  }
  stats.outputRows = lines.length;
  return { jsonl: lines.join('\n'), rows: lines.length, stats };
}
