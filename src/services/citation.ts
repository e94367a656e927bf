/**
 * Citations of exports: what was exported (query name and parameters, snapshot, time range), where the numbers come
 * from (sources with their exact / rounded / lower-bound shares, collector versions), how they were processed
 * (analytics version), and a content hash so a reader can check they hold the same bytes.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const TAGPULSE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const PLATFORM_NAMES: Record<string, string> = { tiktok: 'TikTok', tiktok_research: 'TikTok (Research API)', instagram: 'Instagram', youtube: 'YouTube' };

export interface PrecisionCounts {
  rows: number;
  exact: number;
  rounded: number;
  lowerBound: number;
}

export interface PrecisionShares extends PrecisionCounts {
  exactShare: number | null;
  roundedShare: number | null;
  lowerBoundShare: number | null;
}

export interface SourceSummary extends PrecisionShares {
  source: string;
  method: string;
  firstAt: string;
  lastAt: string;
}

export interface CitationInput {
  cleaned: boolean;
  platform: string;
  /** Requested tags (empty: all tags). */
  tags: string[];
  /** Tags present in the exported rows. */
  foundTags: string[];
  /** Requested metrics (empty: all metrics). */
  metrics: string[];
  /** Metrics present in the exported rows. */
  foundMetrics: string[];
  query: { name: string; parameters: Record<string, unknown> };
  rows: number;
  sources: SourceSummary[];
  collectorVersions: string[];
  analytics: { version: string; parameters?: Record<string, unknown>; cleaning?: Record<string, number> };
  format: string;
  bytes: Buffer;
  exportedAt: string;
  /** Public URL of the instance (never a secret), or undefined for a local one. */
  instance?: string | undefined;
  file?: string;
  /** Sensitive topics only: crisis resources and safe-messaging guidance (services/care.ts). */
  care?: { resources: string; reporting: string } | null;
}

export interface Citation {
  dataset: string;
  title: string;
  instance: string;
  query: { name: string; parameters: Record<string, unknown> };
  timeRange: { from: string | null; to: string | null };
  rows: number;
  precision: PrecisionShares;
  sources: SourceSummary[];
  collectorVersions: string[];
  analytics: CitationInput['analytics'] & { cleaned: boolean };
  tagpulseVersion: string;
  format: string;
  file?: string;
  bytes: number;
  sha256: string;
  exportedAt: string;
  /** Ready-to-paste citation. */
  text: string;
  /** Sensitive topics only (services/care.ts): crisis resources, and a pointer to safe-messaging guidance. */
  care?: { resources: string; reporting: string };
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function withShares(c: PrecisionCounts): PrecisionShares {
  const share = (n: number) => (c.rows ? n / c.rows : null);
  return { ...c, exactShare: share(c.exact), roundedShare: share(c.rounded), lowerBoundShare: share(c.lowerBound) };
}

/** "#a, #b and #c" / "#a, #b, #c and 4 more" / "all tags". */
export function describeTags(requested: string[], found: string[]): string {
  const tags = requested.length ? requested : found;
  if (!requested.length && found.length !== 1) return found.length ? `all tags (${found.length})` : 'all tags';
  const named = tags.slice(0, 3).map((t) => `#${t}`);
  const rest = tags.length - named.length;
  if (rest > 0) return `${named.join(', ')} and ${rest} more`;
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : named.join('');
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const day = (iso: string) => iso.slice(0, 10);

export function buildCitation(input: CitationInput): Citation {
  const totals = input.sources.reduce<PrecisionCounts>(
    (a, s) => ({ rows: a.rows + s.rows, exact: a.exact + s.exact, rounded: a.rounded + s.rounded, lowerBound: a.lowerBound + s.lowerBound }),
    { rows: 0, exact: 0, rounded: 0, lowerBound: 0 },
  );
  const precision = withShares(totals);
  const from = input.sources.length ? input.sources.map((s) => s.firstAt).sort()[0]! : null;
  const to = input.sources.length ? input.sources.map((s) => s.lastAt).sort().at(-1)! : null;
  const metricList = input.metrics.length ? input.metrics : input.foundMetrics;
  const metrics = metricList.length ? metricList.join(' and ') : 'all metrics';
  const title = `${describeTags(input.tags, input.foundTags)} ${PLATFORM_NAMES[input.platform] ?? input.platform} ${metrics}`;
  const instance = input.instance ?? 'a local tagpulse instance';
  const sha256 = sha256Hex(input.bytes);
  const shares = [`${pct(precision.exactShare)} exact`];
  if (precision.rounded) shares.push(`${pct(precision.roundedShare)} rounded display figures`);
  if (precision.lowerBound) shares.push(`${pct(precision.lowerBoundShare)} lower bounds`);
  const what = input.cleaned ? `cleaned series (tagpulse analytics ${input.analytics.version}) from ${totals.rows.toLocaleString('en-US')} observations` : `${input.rows.toLocaleString('en-US')} observations`;
  const body = from && to ? `${day(from)}–${day(to)}, ${what} (${shares.join(', ')})` : 'no observations in the selected range';
  const text = `tagpulse (${input.exportedAt.slice(0, 4)}). ${title}, ${body}. Exported ${day(input.exportedAt)} from ${instance}. sha256:${sha256}`;
  return {
    dataset: input.cleaned ? 'tagpulse cleaned counter series' : 'tagpulse observations',
    title,
    instance,
    query: input.query,
    timeRange: { from, to },
    rows: input.rows,
    precision,
    sources: input.sources,
    collectorVersions: input.collectorVersions,
    analytics: { ...input.analytics, cleaned: input.cleaned },
    tagpulseVersion: TAGPULSE_VERSION,
    format: input.format,
    ...(input.file ? { file: input.file } : {}),
    bytes: input.bytes.length,
    sha256,
    exportedAt: input.exportedAt,
    text,
    ...(input.care ? { care: input.care } : {}),
  };
}
