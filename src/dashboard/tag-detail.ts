/**
 * Data of the tag page beyond the report: the counter reduced to at most ~1,000 points for any range (years of 10 s
 * samples included), the velocity per bin with its rounding interval, and the data-quality panel (sources, exact vs
 * rounded share, failures by kind, the latest readings with their provenance, conflicts between sources).
 */
import type { Store } from '../store/store.ts';
import { cleanSeries } from '../analytics/clean.ts';
import { rateSeries, windowVelocity } from '../analytics/velocity.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../analytics/math.ts';
import type { SeriesPoint } from '../analytics/types.ts';
import { findConflicts, type Conflict } from '../services/readings.ts';
import { bucketedSeriesQuery, recentObservationsQuery, sharedInstantsQuery, seriesExtentQuery, sourcesQuery, tagFailureKindsQuery, tagFailuresQuery, type FailureRecord } from '../store/dashboard-queries.ts';

/** Relative ranges of the time-range picker; they end at the tag's latest sample, not at "now". */
export const RANGES = { '24h': MS_PER_DAY, '7d': 7 * MS_PER_DAY, '30d': 30 * MS_PER_DAY, '90d': 90 * MS_PER_DAY, '1y': 365 * MS_PER_DAY, all: Infinity } as const;
export type RangeName = keyof typeof RANGES;

const MAX_CHART_POINTS = 1000;
const MAX_VELOCITY_BINS = 240;
const FAR_PAST = '1970-01-01T00:00:00.000Z';
const FAR_FUTURE = '2299-12-31T00:00:00.000Z';

export interface TagKey {
  platform: string;
  tag: string;
}

export interface ChartPoint {
  t: string;
  value: string;
  step: string;
  precision: 'exact' | 'rounded' | 'lower_bound';
  /** Samples merged into this point (1 unless the range is long). */
  samples: number;
}

export interface VelocityBin {
  start: string;
  end: string;
  velocityPerHour: number;
  velocityPerHourLow: number | null;
  velocityPerHourHigh: number | null;
}

export interface ChartData extends TagKey {
  metric: string;
  /** The resolved range (null bounds when the tag has no data). */
  from: string | null;
  to: string | null;
  /** Latest sample of the whole series, whatever the range. */
  lastAt: string | null;
  samples: number;
  bucketMs: number;
  points: ChartPoint[];
  velocity: { binMs: number; bins: VelocityBin[] } | null;
}

/** The range [from, to]: explicit bounds win; a relative range ends at the tag's latest sample. */
async function resolveRange(store: Store, key: TagKey & { metric: string }, q: { range: RangeName; from?: string | undefined; to?: string | undefined }) {
  const [all] = await store.run(seriesExtentQuery, { ...key, from: FAR_PAST, to: FAR_FUTURE });
  const lastAt = all?.last_at ?? null;
  const toMs = q.to ? Date.parse(q.to) : lastAt ? Date.parse(lastAt) : Date.now();
  const span = RANGES[q.range];
  const fromMs = q.from ? Date.parse(q.from) : Number.isFinite(span) ? toMs - span : Date.parse(all?.first_at ?? FAR_PAST);
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), lastAt };
}

/**
 * Velocity bins of the counter: the grid of `rateSeries` (hourly or coarser, informative for rounded data), each bin
 * with the rounding interval of its change (`windowVelocity` over exactly that bin).
 */
function velocityBins(points: ChartPoint[], fromMs: number, toMs: number): ChartData['velocity'] {
  const series: SeriesPoint[] = points.map((p) => ({ t: Date.parse(p.t), value: BigInt(p.value), step: BigInt(p.step), precision: p.precision }));
  const { adjusted } = cleanSeries(series);
  const rs = rateSeries(adjusted, fromMs, toMs, { baseBinMs: MS_PER_HOUR, maxBins: MAX_VELOCITY_BINS });
  if (!rs) return null;
  return {
    binMs: rs.binMs,
    bins: rs.bins.map((b) => {
      const w = windowVelocity(adjusted, { to: b.end, windowMs: rs.binMs, widen: false });
      return {
        start: new Date(b.start).toISOString(),
        end: new Date(b.end).toISOString(),
        velocityPerHour: b.velocityPerHour,
        velocityPerHourLow: w?.velocityPerHourLow ?? null,
        velocityPerHourHigh: w?.velocityPerHourHigh ?? null,
      };
    }),
  };
}

export async function buildChart(store: Store, key: TagKey & { metric: string }, q: { range: RangeName; from?: string | undefined; to?: string | undefined }): Promise<ChartData> {
  const range = await resolveRange(store, key, q);
  const [extent] = await store.run(seriesExtentQuery, { ...key, from: range.from, to: range.to });
  const samples = extent?.samples ?? 0;
  const base = { ...key, from: range.from, to: range.to, lastAt: range.lastAt, samples };
  if (!extent?.first_at || !extent.last_at || samples === 0) return { ...base, bucketMs: 1, points: [], velocity: null };
  const spanMs = Date.parse(extent.last_at) - Date.parse(extent.first_at);
  // Buckets are aligned to the epoch, so a span of (MAX − 1) widths touches at most MAX buckets.
  const bucketMs = samples <= MAX_CHART_POINTS ? 1 : Math.max(1, Math.ceil(spanMs / (MAX_CHART_POINTS - 1)));
  const rows = await store.run(bucketedSeriesQuery, { ...key, from: range.from, to: range.to, bucketMs });
  const points: ChartPoint[] = rows.map((r) => ({ t: r.t, value: r.value, step: r.step, precision: r.precision, samples: r.samples }));
  return { ...base, bucketMs, points, velocity: velocityBins(points, Date.parse(range.from), Date.parse(range.to)) };
}

export interface QualityData extends TagKey {
  from: string;
  to: string;
  sources: { metric: string; source: string; method: string; precision: string; samples: number; firstAt: string; lastAt: string }[];
  /** Samples per metric and precision. */
  precision: Record<string, { exact: number; rounded: number; lower_bound: number }>;
  failuresByKind: { kind: string; failures: number; lastAt: string }[];
  recentFailures: FailureRecord[];
  recentObservations: { metric: string; observedAt: string; value: string; precision: string; step: string; source: string; method: string; provenance: string; note: string }[];
  /** Instants where two sources contradict each other (both kept; `chosen` marks the value analyses use). */
  conflicts: Conflict[];
}

export async function buildQuality(store: Store, key: TagKey, range: { from: string; to: string }): Promise<QualityData> {
  const args = { ...key, ...range };
  const [sources, kinds, failures, recent, shared] = await Promise.all([
    store.run(sourcesQuery, args),
    store.run(tagFailureKindsQuery, args),
    store.run(tagFailuresQuery, { ...args, limit: 20 }),
    store.run(recentObservationsQuery, { ...args, limit: 20 }),
    store.run(sharedInstantsQuery, { ...args, limit: 2000 }),
  ]);
  const precision: QualityData['precision'] = {};
  for (const s of sources) {
    const p = (precision[s.metric] ??= { exact: 0, rounded: 0, lower_bound: 0 });
    if (s.precision === 'exact' || s.precision === 'rounded' || s.precision === 'lower_bound') p[s.precision] += s.samples;
  }
  return {
    ...args,
    sources: sources.map((s) => ({ metric: s.metric, source: s.source, method: s.method, precision: s.precision, samples: s.samples, firstAt: s.first_at, lastAt: s.last_at })),
    precision,
    failuresByKind: kinds.map((k) => ({ kind: k.kind, failures: k.failures, lastAt: k.last_at })),
    recentFailures: failures,
    recentObservations: recent.map((r) => ({ metric: r.metric, observedAt: r.observed_at, value: r.value, precision: r.precision, step: r.step, source: r.source, method: r.method, provenance: r.provenance, note: r.note })),
    conflicts: findConflicts(shared).reverse(),
  };
}
