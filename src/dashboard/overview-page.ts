/**
 * One page of the overview (issue 15, /api/overview contract in docs): filter, sort and page the overview's rows on
 * the server, so the client asks for one page at a time and renders only that. A pure function of the full answer
 * (`Overview`, whatever builds it: today `buildOverview`, later a per-tag summary table) and the query, kept apart
 * from the route so the data source behind the same envelope can change without touching the paging rules.
 *
 * Rules (the contract): nulls sort last whatever the direction; ties break on platform then tag, ascending; views and
 * posts sort by their exact UInt64 value (BigInt, never a float: two counts above 2^53 that a double would merge keep
 * their order); strings compare by code unit (locale-independent, so the order is the same on every machine).
 * `dataVersion` hashes every row of the full answer (before filtering and paging, without the generation time), so
 * the ETag built from it changes whenever any row could change, not only the rows of the page asked for.
 */
import { createHash } from 'node:crypto';
import type { Overview, OverviewRow } from './overview.ts';

export const OVERVIEW_SORT_KEYS = [
  'tag',
  'platform',
  'views',
  'posts',
  'velocity24h',
  'growth24hPct',
  'velocity7d',
  'growth7dPct',
  'doublingDays',
  'zScore',
  'lastSampleAt',
  'failures24h',
] as const;
export type OverviewSortKey = (typeof OVERVIEW_SORT_KEYS)[number];
/** Extra filters of the dashboard (beyond the contract's q and platform): status and where the data came from. */
export const OVERVIEW_ONLY = ['all', 'breakouts', 'problems'] as const;
export const OVERVIEW_SOURCES = ['all', 'tracked', 'imported', 'backfilled', 'sampled', 'not-sampled'] as const;
export const OVERVIEW_PAGE_SIZE_MAX = 500;
export const OVERVIEW_PAGE_SIZE_DEFAULT = 100;

export interface OverviewPageQuery {
  /** 1-based. A page past the last one is empty (total says how many rows there are). */
  page: number;
  pageSize: number;
  sort: OverviewSortKey;
  dir: 'asc' | 'desc';
  /** Case-insensitive substring of the tag (a leading # is ignored). */
  q?: string | undefined;
  platform?: string | undefined;
  only?: (typeof OVERVIEW_ONLY)[number] | undefined;
  source?: (typeof OVERVIEW_SOURCES)[number] | undefined;
}

export interface OverviewPage {
  generatedAt: string;
  metric: string;
  /** The latest hour boundary the rows' windows end at (each row carries its own asOf); null when no row has one. */
  asOf: string | null;
  /** Rows after the filters. */
  total: number;
  /** Rows before the filters. */
  totalAll: number;
  /** Every platform of the whole answer (before the filters), sorted: the platform filter's choices. */
  platforms: string[];
  page: number;
  pageSize: number;
  sort: OverviewSortKey;
  dir: 'asc' | 'desc';
  tags: OverviewRow[];
}

type Key = number | string | bigint | null;

/** The value a row sorts by (null = unknown, always last). */
function sortValue(r: OverviewRow, key: OverviewSortKey): Key {
  switch (key) {
    case 'tag':
      return r.tag;
    case 'platform':
      return r.platform;
    case 'views':
      return r.views ? BigInt(r.views.value) : null;
    case 'posts':
      return r.posts ? BigInt(r.posts.value) : null;
    case 'lastSampleAt':
      return r.lastSampleAt === null ? null : Date.parse(r.lastSampleAt);
    case 'failures24h':
      return r.failures24h;
    default: {
      const v = r[key];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
  }
}

const cmp = (a: string | number | bigint, b: string | number | bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Comparator of the contract: nulls last in both directions, then platform and tag ascending. */
export function overviewComparator(key: OverviewSortKey, dir: 'asc' | 'desc'): (a: OverviewRow, b: OverviewRow) => number {
  const sign = dir === 'asc' ? 1 : -1;
  return (a, b) => {
    const av = sortValue(a, key);
    const bv = sortValue(b, key);
    if (av === null || bv === null) {
      if (av !== bv) return av === null ? 1 : -1;
    } else {
      const c = cmp(av, bv);
      if (c !== 0) return sign * c;
    }
    return cmp(a.platform, b.platform) || cmp(a.tag, b.tag);
  };
}

/** The filters: text (tag substring), platform, status and source. */
export function overviewFilter(q: Pick<OverviewPageQuery, 'q' | 'platform' | 'only' | 'source'>): (r: OverviewRow) => boolean {
  const text = (q.q ?? '').trim().replace(/^#/, '').toLowerCase();
  const platform = q.platform ?? '';
  const only = q.only ?? 'all';
  const source = q.source ?? 'all';
  return (r) =>
    (!text || r.tag.toLowerCase().includes(text)) &&
    (!platform || r.platform === platform) &&
    (only === 'breakouts' ? r.breakout === true : only === 'problems' ? r.stale || r.failures24h > 0 : true) &&
    (source === 'all' ? true : source === 'not-sampled' ? !r.sampled : r.origins.includes(source));
}

/** Filter, sort and cut one page out of the full overview. */
export function pageOverview(overview: Overview, query: OverviewPageQuery): OverviewPage {
  const rows = overview.tags.filter(overviewFilter(query));
  rows.sort(overviewComparator(query.sort, query.dir));
  const start = (query.page - 1) * query.pageSize;
  let asOf: string | null = null;
  const platforms = new Set<string>();
  for (const r of overview.tags) {
    if (r.asOf !== null && (asOf === null || r.asOf > asOf)) asOf = r.asOf;
    platforms.add(r.platform);
  }
  return {
    generatedAt: overview.generatedAt,
    metric: overview.metric,
    asOf,
    total: rows.length,
    totalAll: overview.tags.length,
    platforms: [...platforms].sort(),
    page: query.page,
    pageSize: query.pageSize,
    sort: query.sort,
    dir: query.dir,
    tags: rows.slice(start, start + query.pageSize),
  };
}

/**
 * A hash of every row of the full answer (and its metric), without the generation time: the data version. Every
 * field of every row counts (JSON of each row: no field list to forget). A version tag, not a security hash: sha1.
 * Cost on 10,000 rows with their sparklines (~10 MB of JSON): 0.15–0.7 s on the bench machine at load 15–23 on two
 * cores, most of it JSON.stringify; a store-side data version (e.g. of the per-tag summary table) can replace it.
 */
export function overviewDataVersion(overview: Overview): string {
  const h = createHash('sha1').update(overview.metric);
  for (const r of overview.tags) h.update('\n').update(JSON.stringify(r));
  return h.digest('base64url');
}

/**
 * The ETag of one answer: the data version plus the query that cut it (a page of other rows is another
 * representation, so a client that moves to another page never gets a 304 for the page it had).
 */
export function overviewEtag(dataVersion: string, query: OverviewPageQuery & { metric: string; at?: string | undefined }): string {
  const q = [query.metric, query.at ?? '', query.page, query.pageSize, query.sort, query.dir, query.q ?? '', query.platform ?? '', query.only ?? 'all', query.source ?? 'all'];
  const h = createHash('sha256').update(dataVersion).update(JSON.stringify(q)).digest('base64url').slice(0, 27);
  return `W/"ov-${h}"`;
}

/** True when an If-None-Match header names this ETag (a list, `*`, weak or strong spelling). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === bare;
  });
}
