/**
 * Data of the tag page beyond the report: the counter reduced to at most ~1,000 points for any range (years of 10 s
 * samples included), the velocity per bin with its interval — each bin the metrics' fixed-window velocity over exactly
 * that bin (analytics/metrics.ts `velocityBins`, on the same hourly bins, cadence and as-of time as the report, so
 * the 1 h bin ending at the report's asOf is its 1 h window) — and the data-quality panel (sources, exact vs
 * rounded share, failures by kind, the latest readings with their provenance, conflicts between sources).
 */
import type { Store } from '../store/store.ts';
import { MS_PER_DAY } from '../analytics/math.ts';
import { binsFromColumns, velocityBins, type VelocityBin } from '../analytics/metrics.ts';
import { findConflicts, type Conflict } from '../services/readings.ts';
import { trackedCadences } from '../services/tracking.ts';
import { hourlyPointsQuery, bucketedSeriesQuery, recentObservationsQuery, sharedInstantsQuery, seriesExtentQuery, sourcesQuery, tagFailureKindsQuery, tagFailuresQuery, type FailureRecord } from '../store/dashboard-queries.ts';
import { MIN_TIME, MAX_TIME } from '../store/queries.ts';

/** Relative ranges of the time-range picker; they end at the tag's latest sample, not at "now". */
export const RANGES = { '24h': MS_PER_DAY, '7d': 7 * MS_PER_DAY, '30d': 30 * MS_PER_DAY, '90d': 90 * MS_PER_DAY, '1y': 365 * MS_PER_DAY, all: Infinity } as const;
export type RangeName = keyof typeof RANGES;

const MAX_CHART_POINTS = 1000;
const MAX_VELOCITY_BINS = 240;

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

export type { VelocityBin };

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
  const [all] = await store.run(seriesExtentQuery, { ...key, from: MIN_TIME, to: MAX_TIME });
  const lastAt = all?.last_at ?? null;
  const toMs = q.to ? Date.parse(q.to) : lastAt ? Date.parse(lastAt) : Date.now();
  const span = RANGES[q.range];
  const fromMs = q.from ? Date.parse(q.from) : Number.isFinite(span) ? toMs - span : Date.parse(all?.first_at ?? MIN_TIME);
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), lastAt };
}

/**
 * Velocity bins over [fromMs, toMs]: the hourly bins of the whole series up to the as-of time (the report reads the
 * whole series too, so cleaning and the gap threshold see the same readings), the tag's cadence, `velocityBins`.
 */
async function chartVelocity(store: Store, key: TagKey & { metric: string }, fromMs: number, toMs: number, atMs: number): Promise<ChartData['velocity']> {
  const [rows, cadences] = await Promise.all([
    store.run(hourlyPointsQuery, { platforms: [key.platform], tags: [key.tag], metric: key.metric, from: MIN_TIME, to: new Date(atMs).toISOString() }),
    trackedCadences(store),
  ]);
  const row = rows[0];
  if (!row) return null;
  const cadenceMs = cadences.get(`${key.platform}|${key.tag}`);
  return velocityBins(binsFromColumns(row), { fromMs, toMs, maxBins: MAX_VELOCITY_BINS }, { atMs, ...(cadenceMs !== undefined ? { cadenceMs } : {}) });
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
  // as of the explicit end, else now: the time the tag page's report is computed as of
  const atMs = q.to ? Date.parse(q.to) : Date.now();
  return { ...base, bucketMs, points, velocity: await chartVelocity(store, key, Date.parse(range.from), Date.parse(range.to), atMs) };
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
