/**
 * Which tags to list: every (platform, tag) that is tracked or has observations, and how each got there. Before
 * issue 14 the overview, /api/tags and compare's picker listed tracked tags only, so an imported or backfilled series
 * was invisible unless one knew its URL. One code path for all of them (overview, API, picker, CLI).
 */
import type { Store } from '../store/store.ts';
import { latestQuery, tagsWithDataQuery } from '../store/queries.ts';
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

/** The listing with each tag's latest value per metric (GET /api/tags). */
export async function listTagsWithLatest(store: Store): Promise<(TagListing & { latest: LatestValue[] })[]> {
  const tags = await listTags(store);
  const latest = tags.length ? await store.run(latestQuery, { platforms: tags.map((t) => t.platform), tags: tags.map((t) => t.tag) }) : [];
  const by = new Map<string, LatestValue[]>();
  for (const r of latest) {
    const k = `${r.platform}|${r.tag}`;
    by.set(k, [...(by.get(k) ?? []), { metric: r.metric, value: r.value, precision: r.precision, step: r.step, source: r.source, observedAt: r.latest_at, samples: Number(r.samples) }]);
  }
  return tags.map((t) => ({ ...t, latest: by.get(`${t.platform}|${t.tag}`) ?? [] }));
}
