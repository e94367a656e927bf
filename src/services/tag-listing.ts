/**
 * Which tags to list: every (platform, tag) that is tracked or has observations, and how each got there. Before
 * issue 14 the overview, /api/tags and compare's picker listed tracked tags only, so an imported or backfilled series
 * was invisible unless one knew its URL. One code path for all of them (overview, API, picker, CLI).
 */
import type { Store } from '../store/store.ts';
import { tagsWithDataQuery } from '../store/queries.ts';
import { summaryListingQuery } from '../store/summary-queries.ts';
import { refreshOnRead } from './tag-summaries.ts';
import { listTracked } from './tracking.ts';

/** How a tag's data arrived: sampled on a schedule, imported, backfilled from the Wayback Machine, or sampled by hand. */
export type TagOrigin = 'tracked' | 'imported' | 'backfilled' | 'sampled';
export const TAG_ORIGINS: readonly TagOrigin[] = ['tracked', 'imported', 'backfilled', 'sampled'];

export interface TagListing {
  platform: string;
  tag: string;
  /** Every origin that applies, most specific first ("tracked" when a schedule samples it now). */
  origins: TagOrigin[];
  /** True while a schedule samples the tag (tracked and active). */
  sampled: boolean;
  /** The cadence of the schedule (also for a tag no longer tracked: its last cadence); null if never tracked. */
  everyMs: number | null;
  /** True when the tag was tracked and is not any more. */
  trackingStopped: boolean;
  /** Methods of its stored observations (http, browser, api, wayback, import, manual). */
  methods: string[];
  /** Distinct stored observations (metric, time). */
  observations: number;
  firstAt: string | null;
  lastAt: string | null;
  /** Known only from "more than X" figures: the highest such X (decimal string); else null. */
  lowerBound: string | null;
  /** One line saying how the tag got here, e.g. "tracked every 1h", "imported", "backfilled, no longer sampled". */
  originText: string;
}

const METHOD_ORIGIN: Record<string, TagOrigin> = { import: 'imported', manual: 'imported', wayback: 'backfilled', http: 'sampled', browser: 'sampled', api: 'sampled' };

function formatEveryShort(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** The origin line shown in the overview's "Source" column and the API. */
export function originText(t: Pick<TagListing, 'origins' | 'sampled' | 'everyMs' | 'trackingStopped' | 'observations'>): string {
  if (t.sampled) {
    const more = t.origins.filter((o) => o !== 'tracked' && o !== 'sampled');
    return `tracked every ${formatEveryShort(t.everyMs!)}${more.length ? ` (+ ${more.join(', ')})` : ''}`;
  }
  const parts = t.origins.map((o) => (o === 'sampled' ? (t.trackingStopped ? 'sampled' : 'sampled once') : o));
  const head = parts.length ? parts.join(', ') : 'no data';
  return t.trackingStopped ? `${head}; tracking stopped` : `${head}; not sampled`;
}

/** Origins of a tag from the methods of its stored rows and whether a schedule samples it now (most specific first). */
export function originsOf(methods: readonly string[], sampled: boolean): TagOrigin[] {
  const origins = new Set<TagOrigin>();
  if (sampled) origins.add('tracked');
  for (const m of methods) origins.add(METHOD_ORIGIN[m] ?? 'sampled');
  if (sampled) origins.delete('sampled'); // samples of a tracked tag are its schedule's
  return TAG_ORIGINS.filter((o) => origins.has(o));
}

export async function listTags(store: Store): Promise<TagListing[]> {
  const [tracked, withData] = await Promise.all([listTracked(store, true), store.run(tagsWithDataQuery, {})]);
  const trackedBy = new Map(tracked.map((t) => [`${t.platform}|${t.tag}`, t]));
  const dataBy = new Map(withData.map((r) => [`${r.platform}|${r.tag}`, r]));
  const keys = new Set<string>([...withData.map((r) => `${r.platform}|${r.tag}`), ...tracked.filter((t) => t.active).map((t) => `${t.platform}|${t.tag}`)]);
  const out: TagListing[] = [];
  for (const k of keys) {
    const [platform, tag] = k.split('|') as [string, string];
    const tr = trackedBy.get(k);
    const d = dataBy.get(k);
    const sampled = Boolean(tr?.active);
    const base = {
      origins: originsOf(d?.methods ?? [], sampled),
      sampled,
      everyMs: tr?.everyMs ?? null,
      trackingStopped: Boolean(tr && !tr.active),
      observations: d ? Number(d.observations) : 0,
    };
    out.push({
      platform,
      tag,
      ...base,
      methods: d?.methods ?? [],
      firstAt: d?.first_at ?? null,
      lastAt: d?.last_at ?? null,
      lowerBound: d?.lower_bound_only ? d.max_lower_bound : null,
      originText: originText(base),
    });
  }
  return out.sort((a, b) => a.platform.localeCompare(b.platform) || a.tag.localeCompare(b.tag));
}

export interface LatestValue {
  metric: string;
  value: string;
  precision: string;
  step: string;
  source: string;
  observedAt: string;
  samples: number;
}

/**
 * The listing with each tag's latest value per metric (GET /api/tags), read from the per-tag summary table
 * (tag_summary_v1, issue 15) and the tracked list: no scan of the raw table, no exact distinct over raw rows. Rows
 * missing from the summary are computed first when few, stale ones are refreshed in the background
 * (services/tag-summaries.ts `refreshOnRead`). `observations` and `latest[].samples` count hours with at least one
 * reading (the hourly rollup's buckets; summed over metrics for `observations`), not raw rows.
 */
export async function listTagsWithLatest(store: Store, nowMs = Date.now()): Promise<(TagListing & { latest: LatestValue[] })[]> {
  await refreshOnRead(store, nowMs);
  const [tracked, rows] = await Promise.all([listTracked(store, true), store.run(summaryListingQuery, {})]);
  const trackedBy = new Map(tracked.map((t) => [`${t.platform}|${t.tag}`, t]));
  const by = new Map<string, (typeof rows)[number][]>();
  for (const r of rows) {
    const k = `${r.platform}|${r.tag}`;
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  const keys = new Set<string>([...by.keys(), ...tracked.filter((t) => t.active).map((t) => `${t.platform}|${t.tag}`)]);
  const out: (TagListing & { latest: LatestValue[] })[] = [];
  for (const k of keys) {
    const [platform, tag] = k.split('|') as [string, string];
    const tr = trackedBy.get(k);
    const ms = by.get(k) ?? [];
    const sampled = Boolean(tr?.active);
    const methods = [...new Set(ms.flatMap((m) => m.methods))].sort();
    const times = (xs: (string | null)[]) => xs.filter((x): x is string => x !== null).sort();
    const firsts = times(ms.map((m) => m.first_at));
    const lasts = times(ms.map((m) => m.last_at));
    const lowerBoundOnly = ms.length > 0 && ms.every((m) => m.lower_bound_only);
    const maxLower = ms.map((m) => m.max_lower_bound).filter((x): x is string => x !== null).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    const base = { origins: originsOf(methods, sampled), sampled, everyMs: tr?.everyMs ?? null, trackingStopped: Boolean(tr && !tr.active), observations: ms.reduce((n, m) => n + m.sample_hours, 0) };
    out.push({
      platform,
      tag,
      ...base,
      methods,
      firstAt: firsts[0] ?? null,
      lastAt: lasts[lasts.length - 1] ?? null,
      lowerBound: lowerBoundOnly ? (maxLower[maxLower.length - 1] ?? null) : null,
      originText: originText(base),
      latest: ms
        .filter((m) => m.latest_value !== null && m.latest_at !== null)
        .map((m) => ({ metric: m.metric, value: m.latest_value!, precision: m.latest_precision, step: m.latest_step, source: m.latest_source, observedAt: m.latest_at!, samples: m.sample_hours })),
    });
  }
  return out.sort((a, b) => a.platform.localeCompare(b.platform) || a.tag.localeCompare(b.tag));
}
