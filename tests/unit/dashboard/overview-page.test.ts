/**
 * Issue 15, "the overview is paginated, sorted and filtered on the server": the pure paging rules of
 * src/dashboard/overview-page.ts (the /api/overview contract) and the query schema's 400s. Before this, /api/overview
 * returned every row and the client sorted them (views as BigInt there, but nothing on the server did).
 */
import { describe, expect, it } from 'vitest';
import type { Overview, OverviewRow } from '../../../src/dashboard/overview.ts';
import { etagMatches, overviewDataVersion, overviewEtag, pageOverview, type OverviewPageQuery } from '../../../src/dashboard/overview-page.ts';
import { OverviewQuery } from '../../../src/api/dashboard-routes.ts';
import { HttpError, parseQuery } from '../../../src/api/router.ts';

function row(tag: string, over: Partial<OverviewRow> = {}): OverviewRow {
  return {
    platform: 'tiktok',
    tag,
    everyMs: 3_600_000,
    origins: ['tracked'],
    sampled: true,
    originText: 'tracked every 1 h',
    lowerBound: null,
    views: null,
    posts: null,
    samples: 10,
    lastSampleAt: null,
    stale: false,
    asOf: null,
    velocity24h: null,
    velocity24hLow: null,
    velocity24hHigh: null,
    growth24hPct: null,
    growth24hPctLow: null,
    growth24hPctHigh: null,
    velocity7d: null,
    velocity7dLow: null,
    velocity7dHigh: null,
    growth7dPct: null,
    growth7dPctLow: null,
    growth7dPctHigh: null,
    doublingDays: null,
    doublingDaysLow: null,
    doublingDaysHigh: null,
    halvingDays: null,
    zScore: null,
    breakout: null,
    sparkline: { startMs: 0, stepMs: 7_200_000, values: [] },
    failures24h: 0,
    lastFailure: null,
    ...over,
  };
}
const count = (value: string) => ({ value, precision: 'exact' as const, step: '0', observedAt: '2026-12-05T10:00:00.000Z' });
const overview = (tags: OverviewRow[]): Overview => ({ generatedAt: '2026-12-05T10:30:00.000Z', metric: 'views', tags });
const Q: OverviewPageQuery = { page: 1, pageSize: 100, sort: 'velocity24h', dir: 'desc' };
const tagsOf = (o: Overview, q: Partial<OverviewPageQuery>) => pageOverview(o, { ...Q, ...q }).tags.map((r) => r.tag);

describe('pageOverview: sorting', () => {
  const data = overview([
    row('a', { velocity24h: 5 }),
    row('b', { velocity24h: null }),
    row('c', { velocity24h: 50 }),
    row('d', { velocity24h: -3 }),
    row('e', { velocity24h: null }),
    row('f', { velocity24h: 5, platform: 'instagram' }),
  ]);

  it('puts nulls last in both directions; ties by platform then tag ascending', () => {
    expect(tagsOf(data, { dir: 'desc' })).toEqual(['c', 'f', 'a', 'd', 'b', 'e']);
    expect(tagsOf(data, { dir: 'asc' })).toEqual(['d', 'f', 'a', 'c', 'b', 'e']);
  });

  it('sorts views and posts by the exact UInt64 value, above 2^53 too', () => {
    // 2^63 + 1 and 2^63 + 2 are the same double; as BigInt they differ and keep their order.
    const big = overview([
      row('x', { views: count('9223372036854775809') }),
      row('y', { views: count('9223372036854775810') }),
      row('z', { views: count('9007199254740993') }), // 2^53 + 1
      row('w', { views: count('9007199254740992') }), // 2^53
      row('n', { views: null }),
      row('s', { views: count('18446744073709551615') }), // UInt64 max
    ]);
    expect(Number('9223372036854775809')).toBe(Number('9223372036854775810'));
    expect(tagsOf(big, { sort: 'views', dir: 'desc' })).toEqual(['s', 'y', 'x', 'z', 'w', 'n']);
    expect(tagsOf(big, { sort: 'views', dir: 'asc' })).toEqual(['w', 'z', 'x', 'y', 's', 'n']);
    const posts = overview([row('p', { posts: count('9007199254740993') }), row('q', { posts: count('9007199254740992') }), row('r')]);
    expect(tagsOf(posts, { sort: 'posts', dir: 'asc' })).toEqual(['q', 'p', 'r']);
    expect(tagsOf(posts, { sort: 'posts', dir: 'desc' })).toEqual(['p', 'q', 'r']);
  });

  it('sorts every contract key; strings, times and numbers, nulls last', () => {
    const rows = overview([
      row('bb', { lastSampleAt: '2026-12-05T09:00:00.000Z', doublingDays: 10, zScore: -1, failures24h: 2, growth24hPct: 3, velocity7d: 1, growth7dPct: null }),
      row('aa', { lastSampleAt: '2026-12-05T10:00:00.000Z', doublingDays: null, zScore: 4, failures24h: 0, growth24hPct: null, velocity7d: 9, growth7dPct: 7 }),
      row('cc', { lastSampleAt: null, doublingDays: 2, zScore: null, failures24h: 1, growth24hPct: -5, velocity7d: null, growth7dPct: -1 }),
    ]);
    expect(tagsOf(rows, { sort: 'tag', dir: 'asc' })).toEqual(['aa', 'bb', 'cc']);
    expect(tagsOf(rows, { sort: 'tag', dir: 'desc' })).toEqual(['cc', 'bb', 'aa']);
    expect(tagsOf(rows, { sort: 'lastSampleAt', dir: 'desc' })).toEqual(['aa', 'bb', 'cc']);
    expect(tagsOf(rows, { sort: 'lastSampleAt', dir: 'asc' })).toEqual(['bb', 'aa', 'cc']);
    expect(tagsOf(rows, { sort: 'doublingDays', dir: 'asc' })).toEqual(['cc', 'bb', 'aa']);
    expect(tagsOf(rows, { sort: 'doublingDays', dir: 'desc' })).toEqual(['bb', 'cc', 'aa']);
    expect(tagsOf(rows, { sort: 'zScore', dir: 'desc' })).toEqual(['aa', 'bb', 'cc']);
    expect(tagsOf(rows, { sort: 'failures24h', dir: 'desc' })).toEqual(['bb', 'cc', 'aa']);
    expect(tagsOf(rows, { sort: 'growth24hPct', dir: 'asc' })).toEqual(['cc', 'bb', 'aa']);
    expect(tagsOf(rows, { sort: 'velocity7d', dir: 'asc' })).toEqual(['bb', 'aa', 'cc']);
    expect(tagsOf(rows, { sort: 'growth7dPct', dir: 'desc' })).toEqual(['aa', 'cc', 'bb']);
    const platforms = overview([row('a', { platform: 'youtube' }), row('b', { platform: 'instagram' }), row('a', { platform: 'instagram' })]);
    expect(pageOverview(platforms, { ...Q, sort: 'platform', dir: 'desc' }).tags.map((r) => `${r.platform}/${r.tag}`)).toEqual(['youtube/a', 'instagram/a', 'instagram/b']);
  });
});

describe('pageOverview: filters and pages', () => {
  const many = overview(Array.from({ length: 25 }, (_, i) => row(`tag${String(i).padStart(2, '0')}`, { velocity24h: i, platform: i % 5 === 0 ? 'youtube' : 'tiktok' })));

  it('filters by a case-insensitive tag substring (# ignored) and by platform; total counts the filtered rows', () => {
    const mixed = overview([row('MentalHealth'), row('mentalhealthmatters'), row('therapy'), row('mental', { platform: 'youtube' })]);
    const p = pageOverview(mixed, { ...Q, sort: 'tag', dir: 'asc', q: '#MENTAL' });
    expect(p.tags.map((r) => r.tag)).toEqual(['MentalHealth', 'mental', 'mentalhealthmatters']); // code-unit order
    expect(p).toMatchObject({ total: 3, totalAll: 4 });
    expect(pageOverview(mixed, { ...Q, q: 'mental', platform: 'youtube' }).tags.map((r) => r.tag)).toEqual(['mental']);
    expect(pageOverview(mixed, { ...Q, q: 'nothing' })).toMatchObject({ total: 0, totalAll: 4, tags: [] });
  });

  it('filters by status and by source', () => {
    const rows = overview([
      row('br', { breakout: true }),
      row('st', { stale: true }),
      row('fa', { failures24h: 3 }),
      row('im', { origins: ['imported'], sampled: false }),
      row('ok', { breakout: false }),
    ]);
    expect(tagsOf(rows, { only: 'breakouts' })).toEqual(['br']);
    expect(tagsOf(rows, { only: 'problems', sort: 'tag', dir: 'asc' })).toEqual(['fa', 'st']);
    expect(tagsOf(rows, { source: 'imported' })).toEqual(['im']);
    expect(tagsOf(rows, { source: 'not-sampled' })).toEqual(['im']);
    expect(tagsOf(rows, { source: 'tracked' })).toHaveLength(4);
  });

  it('cuts pages after sorting: first, middle, last (partial) and past the end', () => {
    const page = (n: number) => pageOverview(many, { ...Q, page: n, pageSize: 10, sort: 'velocity24h', dir: 'desc' });
    expect(page(1).tags.map((r) => r.velocity24h)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    expect(page(2).tags.map((r) => r.velocity24h)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
    expect(page(3).tags.map((r) => r.velocity24h)).toEqual([4, 3, 2, 1, 0]);
    expect(page(4)).toMatchObject({ tags: [], total: 25, totalAll: 25, page: 4, pageSize: 10 });
    // Paging after filtering: 5 youtube rows, pages of 2.
    const yt = pageOverview(many, { ...Q, platform: 'youtube', page: 3, pageSize: 2, sort: 'tag', dir: 'asc' });
    expect(yt).toMatchObject({ total: 5, totalAll: 25 });
    expect(yt.tags.map((r) => r.tag)).toEqual(['tag20']);
    expect(yt.platforms).toEqual(['tiktok', 'youtube']); // the filter's choices come from the whole answer
  });

  it('the envelope: generatedAt, metric, the latest asOf, sort and dir', () => {
    const rows = overview([row('a', { asOf: '2026-12-05T09:00:00.000Z' }), row('b', { asOf: '2026-12-05T10:00:00.000Z' }), row('c')]);
    expect(pageOverview(rows, { ...Q, sort: 'tag', dir: 'asc' })).toMatchObject({ generatedAt: '2026-12-05T10:30:00.000Z', metric: 'views', asOf: '2026-12-05T10:00:00.000Z', sort: 'tag', dir: 'asc', page: 1, pageSize: 100 });
    expect(pageOverview(overview([row('c')]), Q).asOf).toBeNull();
  });

  it('does not reorder the overview it was given', () => {
    const before = many.tags.map((r) => r.tag);
    pageOverview(many, { ...Q, sort: 'velocity24h', dir: 'desc' });
    expect(many.tags.map((r) => r.tag)).toEqual(before);
  });
});

describe('ETag', () => {
  const a = overview([row('a', { velocity24h: 1 }), row('b', { velocity24h: 2 })]);
  const q = { ...Q, metric: 'views' };

  it('the data version changes with any row, not with the generation time', () => {
    expect(overviewDataVersion({ ...a, generatedAt: '2030-01-01T00:00:00.000Z' })).toBe(overviewDataVersion(a));
    // A change in row b changes the version even for a page that shows only row a.
    const changed = overview([row('a', { velocity24h: 1 }), row('b', { velocity24h: 3 })]);
    expect(overviewDataVersion(changed)).not.toBe(overviewDataVersion(a));
    expect(overviewEtag(overviewDataVersion(changed), { ...q, pageSize: 1 })).not.toBe(overviewEtag(overviewDataVersion(a), { ...q, pageSize: 1 }));
    expect(overviewDataVersion({ ...a, metric: 'posts' })).not.toBe(overviewDataVersion(a));
  });

  it('another page, sort or filter is another representation (another ETag)', () => {
    const v = overviewDataVersion(a);
    const base = overviewEtag(v, q);
    expect(overviewEtag(v, { ...q })).toBe(base);
    for (const other of [{ page: 2 }, { pageSize: 5 }, { sort: 'tag' as const }, { dir: 'asc' as const }, { q: 'a' }, { platform: 'tiktok' }, { only: 'breakouts' as const }, { metric: 'posts' }, { at: '2026-12-01T00:00:00.000Z' }]) {
      expect(overviewEtag(v, { ...q, ...other }), JSON.stringify(other)).not.toBe(base);
    }
  });

  it('If-None-Match: exact, weak or strong spelling, in a list, or *', () => {
    const e = overviewEtag(overviewDataVersion(a), q);
    expect(e).toMatch(/^W\/"ov-[A-Za-z0-9_-]+"$/);
    expect(etagMatches(e, e)).toBe(true);
    expect(etagMatches(e.replace(/^W\//, ''), e)).toBe(true);
    expect(etagMatches(`"x", ${e}`, e)).toBe(true);
    expect(etagMatches('*', e)).toBe(true);
    expect(etagMatches(undefined, e)).toBe(false);
    expect(etagMatches('W/"ov-other"', e)).toBe(false);
  });
});

describe('the query schema (400 with what was wrong)', () => {
  const parse = (qs: string) => parseQuery(OverviewQuery, new URL(`http://x/api/overview?${qs}`));
  const error = (qs: string): HttpError => {
    try {
      parse(qs);
    } catch (e) {
      return e as HttpError;
    }
    throw new Error(`${qs} was accepted`);
  };

  it('defaults: page 1, 100 rows, velocity24h descending', () => {
    expect(parse('')).toMatchObject({ metric: 'views', page: 1, pageSize: 100, sort: 'velocity24h', dir: 'desc' });
    expect(parse('page=3&pageSize=500&sort=views&dir=asc&q=men&platform=tiktok')).toMatchObject({ page: 3, pageSize: 500, sort: 'views', dir: 'asc', q: 'men', platform: 'tiktok' });
  });

  it.each([
    ['page=0', /page must be a whole number from 1/],
    ['page=-2', /page must be a whole number from 1/],
    ['page=1.5', /page must be a whole number from 1/],
    ['page=abc', /page must be a whole number from 1/],
    ['pageSize=0', /pageSize must be a whole number from 1 to 500/],
    ['pageSize=501', /pageSize must be a whole number from 1 to 500/],
    ['pageSize=ten', /pageSize must be a whole number from 1 to 500/],
    ['sort=velocity', /sort must be one of tag, platform, views/],
    ['sort=views&dir=up', /dir must be asc or desc/],
    ['only=everything', /only must be one of/],
  ])('%s → 400 naming the parameter', (qs, message) => {
    const e = error(qs);
    expect(e).toBeInstanceOf(HttpError);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^query parameter (page|pageSize|sort|dir|only): /);
    expect(e.message).toMatch(message);
  });
});
