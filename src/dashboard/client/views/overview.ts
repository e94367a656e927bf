/// <reference lib="dom" />
/**
 * Overview: every tag with data or a schedule (tracked, imported, backfilled, sampled once), one page at a time
 * (issue 15). The server filters, sorts and pages (/api/overview); the page renders only the rows it got, so 10,000
 * tags cost no more to draw than 100. Clicking a column header sorts on the server; the filter box (debounced)
 * filters on the server; "rows a–b of N" with previous and next. State in the URL (shareable, back/forward): q,
 * platform, metric, only, source, sort, dir, page, pageSize. The refresh is a setTimeout chain (the next one starts
 * after the previous one finished) that revalidates with If-None-Match: a 304 re-renders nothing. With an admin
 * token a tag that is not sampled has a "Track" button (POST /api/tracked).
 */
import type { DriftBanner } from '../../../services/format-drift.ts';
import { driftBanners } from './drift-banner.ts';
import type { OverviewRow } from '../../overview.ts';
import type { OverviewPage, OverviewSortKey } from '../../overview-page.ts';
import { refreshEvery } from '../refresh.ts';
import { focusSelector, h, replace, restoreFocus, uid } from '../dom.ts';
import { ApiError, getJson, getJsonIfChanged, hasToken, link, postJson } from '../api.ts';
import { choice, param, setParams } from '../state.ts';
import { NONE, doublingText, formatAge, formatInt, formatPct, formatRate, formatTime, withInterval } from '../format.ts';
import { METRICS, METRIC_OPTIONS, badge, breakoutBadge, count, errorBox, field, loading, notice, select, sparkline } from '../widgets.ts';

const ONLY = ['all', 'breakouts', 'problems'] as const;
/** The source filter: how the tag's data got here (see services/tag-listing.ts). */
const SOURCES = ['all', 'tracked', 'imported', 'backfilled', 'sampled', 'not-sampled'] as const;
const SOURCE_LABELS: Record<(typeof SOURCES)[number], string> = {
  all: 'Any source',
  tracked: 'Tracked (sampled on a schedule)',
  imported: 'Imported',
  backfilled: 'Backfilled (Wayback)',
  sampled: 'Sampled by hand',
  'not-sampled': 'Not sampled any more or never',
};
const REFRESH_MS = 30_000;
/** Typing in the filter asks the server once the typing pauses this long. */
const FILTER_DEBOUNCE_MS = 250;
const PAGE_SIZE_DEFAULT = 100;
const PAGE_SIZE_MAX = 500;
const SORT_KEYS: readonly OverviewSortKey[] = ['tag', 'platform', 'views', 'posts', 'velocity24h', 'growth24hPct', 'velocity7d', 'growth7dPct', 'doublingDays', 'zScore', 'lastSampleAt', 'failures24h'];
/** Sort names of links shared before the sort moved to the server (the column keys then). */
const LEGACY_SORT: Record<string, OverviewSortKey> = { growth24h: 'growth24hPct', growth7d: 'growth7dPct', doubling: 'doublingDays', age: 'lastSampleAt', failures: 'failures24h' };

interface Column {
  key: string;
  /** Accessible name (and the visible header unless `short` is given under a group header). */
  label: string;
  /** Header group shown above (e.g. "Last 24 hours"); the column header then shows `short`. */
  group?: string;
  short?: string;
  title?: string;
  numeric?: boolean;
  /** The server's sort key (the /api/overview contract); absent: not sortable. */
  sort?: OverviewSortKey;
  cell: (r: OverviewRow, metric: string, generatedAt: string) => HTMLElement | string;
}

/**
 * Column tooltips: the definitions of docs/analytics.md §3 ("One definition per metric"), quoted word for word (the
 * browser test tests/browser/overview-paging.spec.ts checks each quoted sentence against the document), with the
 * column's own window named first, so the table says exactly which window and which definition each number follows.
 */
function windowVelocityTitle(w: string): string {
  return (
    `Velocity over the ${w} window ending at T (W = ${w}), per hour: v = (C(T) − C(T − W)) / W. ` +
    'T: the latest hour boundary ≤ at where C is known. Every window and rate ends at T. ' +
    'Coverage = share of [T − W, T] covered by sampling intervals that are not gaps. Below windowMinCoverage (0.75) the velocity is null. ' +
    'Rounding: While |Δ| < 2q the start moves back hour by hour (widened); if the data run out, the velocity is null with its interval (never 0/h). ' +
    'In brackets the interval [(Δ − u)/W, (Δ + u)/W].'
  );
}
function growthTitle(w: string): string {
  return (
    `Growth of the ${w} velocity against the ${w} before it (W = ${w}): Growth % of window W = (v[T−W, T] / v[T−2W, T−W] − 1)·100 ` +
    'on the two fixed windows, with its interval from the two velocity intervals (a null bound = unbounded). ' +
    'The point is null unless both velocities are known (covered, informative, not interpolated) and the previous one is > 0.'
  );
}
const DOUBLING_TITLE =
  'Counter doubling time ln 2/k: time for the counter to double at its average growth over the last 7 days. ' +
  'k: Theil–Sen slope of ln C(h) at the hour boundaries h ∈ [T − 7 d, T] where C is known, per day — the 7-day average growth, not the current 24 h rate. ' +
  "In brackets Sen's 95 % interval; a bound whose rate may be ≤ 0 is null (unbounded), shown as \"54 d (> 48)\". A shrinking counter shows its halving time ln 2/(−k).";

const COLUMNS: Column[] = [
  {
    key: 'tag',
    label: 'Tag',
    sort: 'tag',
    cell: (r) =>
      h(
        'span',
        { class: 'tag-cell' },
        h('a', { href: link('/tag', { platform: r.platform, tag: r.tag, metric: param('metric') ?? undefined }) }, `#${r.tag}`),
        h('span', { class: 'tag-sub' }, h('span', { class: 'platform-label' }, r.platform), r.breakout ? breakoutBadge() : null),
      ),
  },
  { key: 'views', label: 'Views', numeric: true, sort: 'views', title: 'latest stored reading: exact, or a rounded display figure marked ≈', cell: (r) => (r.views ? count(r.views.value, r.views.precision, r.views.step) : NONE) },
  { key: 'posts', label: 'Posts', numeric: true, sort: 'posts', title: 'latest stored reading: exact, or a rounded display figure marked ≈', cell: (r) => (r.posts ? count(r.posts.value, r.posts.precision, r.posts.step) : NONE) },
  {
    key: 'velocity24h',
    label: 'Velocity 24 h',
    group: 'Last 24 hours',
    short: 'Velocity',
    title: windowVelocityTitle('24 h'),
    numeric: true,
    sort: 'velocity24h',
    cell: (r) => h('span', { class: 'velocity-24h', title: windowTitle(r, '24 h', r.velocity24h, r.velocity24hLow, r.velocity24hHigh) }, withInterval(r.velocity24h, r.velocity24hLow, r.velocity24hHigh, formatRate, ' – ')),
  },
  {
    key: 'growth24hPct',
    label: 'Growth 24 h',
    group: 'Last 24 hours',
    short: 'Growth',
    title: growthTitle('24 h'),
    numeric: true,
    sort: 'growth24hPct',
    cell: (r) => pct(r.growth24hPct, r.growth24hPctLow, r.growth24hPctHigh, 'growth-24h'),
  },
  {
    key: 'velocity7d',
    label: 'Velocity 7 d',
    group: 'Last 7 days',
    short: 'Velocity',
    title: windowVelocityTitle('7 d'),
    numeric: true,
    sort: 'velocity7d',
    cell: (r) => h('span', { class: 'velocity-7d', title: windowTitle(r, '7 days', r.velocity7d, r.velocity7dLow, r.velocity7dHigh) }, withInterval(r.velocity7d, r.velocity7dLow, r.velocity7dHigh, formatRate, ' – ')),
  },
  { key: 'growth7dPct', label: 'Growth 7 d', group: 'Last 7 days', short: 'Growth', title: growthTitle('7 d'), numeric: true, sort: 'growth7dPct', cell: (r) => pct(r.growth7dPct, r.growth7dPctLow, r.growth7dPctHigh, 'growth-7d') },
  {
    key: 'doublingDays',
    label: 'Doubling',
    title: DOUBLING_TITLE,
    numeric: true,
    sort: 'doublingDays',
    cell: (r) =>
      h(
        'span',
        {
          class: 'doubling',
          title:
            r.halvingDays !== null
              ? 'counter halving time ln 2/(−k): the counter shrinks on its 7-day average growth k < 0 (interval not in the overview yet: see the tag page)'
              : "counter doubling time ln 2/k from the 7-day average growth k ending at T, with Sen's 95 % interval",
        },
        r.halvingDays !== null ? (doublingText({ days: r.halvingDays, low: null, high: null }, 'halves') ?? NONE) : (doublingText({ days: r.doublingDays, low: r.doublingDaysLow, high: r.doublingDaysHigh }, 'doubles') ?? NONE).replace(/^doubles in /, ''),
      ),
  },
  {
    key: 'trend',
    label: 'Trend, 7 days',
    title: 'the cleaned counter (glitches and lower bounds left out) over the last 7 days on a 2-hour grid, interpolated between readings and never extrapolated',
    cell: (r, metric) => h('span', { class: 'trend-cell' }, sparkline(r.sparkline.values, `${metric} of #${r.tag} over the last 7 days`)),
  },
  {
    key: 'lastSampleAt',
    label: 'Last sample',
    title: 'age of the latest stored reading at the time the data was generated ("data as of" above); the time in the cell\'s tooltip',
    sort: 'lastSampleAt',
    cell: (r, _metric, generatedAt) =>
      h('span', { title: `${formatTime(r.lastSampleAt, true)} · ${formatInt(r.samples)} samples` }, formatAge(r.lastSampleAt, Date.parse(generatedAt)), r.stale ? [' ', badge('stale', 'warn', `no sample for more than three cadences (every ${formatInt((r.everyMs ?? 0) / 1000)} s)`)] : null),
  },
  {
    key: 'failures24h',
    label: 'Failures 24 h',
    title: "collection failures of the tag in the last 24 hours; the latest one in the cell's tooltip",
    numeric: true,
    sort: 'failures24h',
    cell: (r) => (r.failures24h ? h('span', { title: r.lastFailure ? `latest: ${r.lastFailure.kind} at ${formatTime(r.lastFailure.at, true)}: ${r.lastFailure.message}` : '' }, formatInt(r.failures24h), r.lastFailure ? h('span', { class: 'muted' }, ` · ${r.lastFailure.kind}`) : null) : h('span', { class: 'muted' }, '0')),
  },
  {
    key: 'source',
    label: 'Source',
    title: 'how the data got here (tracked with its cadence, imported, backfilled, sampled once) and whether a schedule still samples it',
    cell: (r) =>
      h(
        'span',
        { class: 'source-cell', 'data-origins': r.origins.join(' ') },
        r.sampled ? r.originText : h('span', { class: 'muted' }, r.originText),
        r.lowerBound !== null ? h('span', { class: 'tag-sub', title: 'known only from "more than X" figures' }, ` · lower bound ≥ ${formatInt(Number(r.lowerBound))}`) : null,
        !r.sampled && hasToken() ? [' ', trackButton(r)] : null,
      ),
  },
];

/**
 * Two header rows: grouped columns ("Last 24 hours" over Velocity and Growth) keep the table narrow. Each sortable
 * header is a button named by the column's full label; aria-sort marks the sorted column.
 */
function headerRows(sortKey: OverviewSortKey, dir: 'asc' | 'desc', onSort: (key: OverviewSortKey, dir: 'asc' | 'desc') => void): HTMLTableRowElement[] {
  const cell = (c: Column, attrs: Record<string, string | number>) => {
    const active = c.sort !== undefined && c.sort === sortKey;
    const th = h('th', { ...attrs, scope: 'col', class: c.numeric ? 'num' : '', 'aria-sort': active ? (dir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : null, title: c.title ?? null });
    const text = c.group ? (c.short ?? c.label) : c.label;
    if (!c.sort) th.append(text);
    else
      th.append(
        h(
          'button',
          { type: 'button', class: 'sort', 'data-sort': c.sort, 'aria-label': c.label, onclick: () => onSort(c.sort!, active ? (dir === 'asc' ? 'desc' : 'asc') : c.numeric || c.sort === 'lastSampleAt' ? 'desc' : 'asc') },
          h('span', null, text),
          h('span', { class: 'sort-icon', 'aria-hidden': 'true' }, active ? (dir === 'asc' ? '▲' : '▼') : '↕'),
        ),
      );
    return th;
  };
  const top = h('tr');
  const bottom = h('tr');
  COLUMNS.forEach((c, i) => {
    if (!c.group) top.append(cell(c, { rowspan: 2 }));
    else {
      if (COLUMNS[i - 1]?.group !== c.group) top.append(h('th', { scope: 'colgroup', colspan: COLUMNS.filter((x) => x.group === c.group).length, class: 'group' }, c.group));
      bottom.append(cell(c, {}));
    }
  });
  return [top, bottom];
}

function pct(v: number | null, lo: number | null = null, hi: number | null = null, cls = ''): HTMLElement {
  return h('span', { class: `${cls} ${v === null ? 'muted' : v > 0 ? 'up' : v < 0 ? 'down' : ''}`.trim() }, withInterval(v, lo, hi, formatPct, ' to '));
}

/** Tooltip of a window cell: exactly which window (its end T), its interval, and why a value may be missing. */
function windowTitle(r: OverviewRow, name: string, v: number | null, lo: number | null, hi: number | null): string {
  const end = r.asOf ? `ending ${formatTime(r.asOf)} (T)` : 'no window yet';
  const interval = lo !== null && hi !== null && lo !== hi ? `; rounding interval ${formatRate(lo)} – ${formatRate(hi)}` : v !== null && lo !== null && lo === hi ? '; exact counts' : '';
  return `mean increase per hour over the ${name} ${end}${interval}. Null when samples cover less than 75 % of the window, or when the change stays below two rounding steps and the data run out.`;
}

/** "Track" for a tag that is not sampled: POST /api/tracked with the page's admin token, at the default cadence. */
function trackButton(r: OverviewRow): HTMLElement {
  const status = h('span', { class: 'muted', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'track',
    'aria-label': `Track #${r.tag}`,
    onclick: async () => {
      button.setAttribute('disabled', '');
      try {
        const res = await postJson<{ tracked: { everyMs: number }[] }>('/api/tracked', { tags: [r.tag], platform: r.platform });
        replace(status, ` tracked every ${formatInt((res.tracked[0]?.everyMs ?? 0) / 1000)} s; samples arrive with the next schedule`);
      } catch (e) {
        button.removeAttribute('disabled');
        replace(status, ` ${e instanceof ApiError ? e.message : String(e)}`);
      }
    },
  }, 'Track');
  return h('span', null, button, status);
}

/** What the server is asked for, from the URL (unknown values fall back to the defaults). */
interface PageQuery {
  metric: (typeof METRICS)[number];
  page: number;
  pageSize: number;
  sort: OverviewSortKey;
  dir: 'asc' | 'desc';
  q: string;
  platform: string;
  only: (typeof ONLY)[number];
  source: (typeof SOURCES)[number];
}

function wholeParam(name: string, min: number, max: number, fallback: number): number {
  const v = Number(param(name));
  return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

function queryFromUrl(): PageQuery {
  const rawSort = param('sort') ?? '';
  const sort = (SORT_KEYS as readonly string[]).includes(rawSort) ? (rawSort as OverviewSortKey) : (LEGACY_SORT[rawSort] ?? 'velocity24h');
  const textual = sort === 'tag' || sort === 'platform';
  return {
    metric: choice('metric', METRICS, 'views'),
    page: wholeParam('page', 1, 1_000_000, 1),
    pageSize: wholeParam('pageSize', 1, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT),
    sort,
    dir: choice('dir', ['asc', 'desc'] as const, textual ? 'asc' : 'desc'),
    q: (param('q') ?? '').trim(),
    platform: param('platform') ?? '',
    only: choice('only', ONLY, 'all'),
    source: choice('source', SOURCES, 'all'),
  };
}

function apiParams(q: PageQuery): Record<string, string | number | null> {
  return {
    metric: q.metric,
    page: q.page,
    pageSize: q.pageSize,
    sort: q.sort,
    dir: q.dir,
    q: q.q || null,
    platform: q.platform || null,
    only: q.only === 'all' ? null : q.only,
    source: q.source === 'all' ? null : q.source,
  };
}

export async function overviewView(root: HTMLElement): Promise<void> {
  const titleId = uid('title');
  const summary = h('p', { class: 'muted summary', 'aria-live': 'polite' });
  const body = h('div', null, loading());
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of the tag list' });
  /** The page shown, its ETag and the query it answers (a refresh revalidates exactly that). */
  let shown: { data: OverviewPage; etag: string | null; key: string } | null = null;
  let inflight: { promise: Promise<void>; abort: AbortController } | null = null;
  let seq = 0;

  const filterInput = h('input', { type: 'search', value: param('q') ?? '', placeholder: 'e.g. mental', autocomplete: 'off' });
  let debounce: number | undefined;
  filterInput.addEventListener('input', () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      if (!body.isConnected) return; // another view (or back/forward) replaced this one meanwhile
      setParams({ q: filterInput.value.trim(), page: null });
      void load('user');
    }, FILTER_DEBOUNCE_MS);
  });
  const platformBox = h('span');
  const controls = h(
    'div',
    { class: 'controls', role: 'group', 'aria-label': 'Filter and options' },
    field('Filter tags', filterInput),
    platformBox,
    select('Show', ONLY.map((o) => ({ value: o, label: o === 'all' ? 'All tags' : o === 'breakouts' ? 'Breakouts only' : 'Stale or failing only' })), choice('only', ONLY, 'all'), (v) => {
      setParams({ only: v === 'all' ? null : v, page: null });
      void load('user');
    }),
    select('Data source', SOURCES.map((o) => ({ value: o, label: SOURCE_LABELS[o] })), choice('source', SOURCES, 'all'), (v) => {
      setParams({ source: v === 'all' ? null : v, page: null });
      void load('user');
    }),
    select('Velocity of', METRIC_OPTIONS, queryFromUrl().metric, (v) => {
      setParams({ metric: v === 'views' ? null : v }, 'push');
      void load('user');
    }),
  );
  document.title = 'Tags · tagpulse';
  const banners = h('div', { class: 'drift-box' });
  replace(root, h('div', { class: 'page-head' }, h('h1', { id: titleId }, 'Tags'), summary), banners, controls, body, pager);

  function goTo(page: number): void {
    setParams({ page: page === 1 ? null : String(page) }, 'push');
    void load('user');
  }

  function renderPage(data: OverviewPage, q: PageQuery): void {
    if (!data.totalAll) {
      replace(body, notice(h('strong', null, 'No tags with data yet. '), 'Track one with ', h('code', null, 'tagpulse track add mentalhealth'), ' and ', h('code', null, 'tagpulse run'), ', import a series with ', h('code', null, 'tagpulse import series.csv'), ', or explore with ', h('code', null, 'tagpulse demo'), '.'));
      replace(pager);
      replace(summary, `0 tags · data as of ${formatTime(data.generatedAt, true)}`);
      return;
    }
    const head = headerRows(data.sort, data.dir, (key, nextDir) => {
      setParams({ sort: key, dir: nextDir, page: null }, 'push');
      void load('user');
    });
    const table = h(
      'table',
      { class: 'data overview', 'aria-labelledby': titleId },
      h('thead', null, head),
      h(
        'tbody',
        null,
        data.tags.map((r) => h('tr', { 'data-tag': r.tag, class: r.breakout ? 'is-breakout' : '' }, COLUMNS.map((c) => h('td', { class: c.numeric ? 'num' : '' }, c.cell(r, data.metric, data.generatedAt))))),
      ),
    );
    const refocus = focusSelector(body) ?? focusSelector(pager);
    replace(body, h('div', { class: 'table-scroll' }, table), data.tags.length ? null : h('p', { class: 'muted' }, 'No tag matches these filters.'));
    const first = data.tags.length ? (data.page - 1) * data.pageSize + 1 : 0;
    const last = data.tags.length ? first + data.tags.length - 1 : 0;
    const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
    const rowsText = data.tags.length ? `rows ${formatInt(first)}–${formatInt(last)} of ${formatInt(data.total)} tags` : `0 of ${formatInt(data.totalAll)} tags`;
    replace(
      pager,
      h('button', { type: 'button', class: 'button button-quiet', 'data-page': 'previous', 'aria-label': 'Previous page', disabled: data.page <= 1, onclick: () => goTo(Math.min(data.page - 1, pages)) }, '← Previous'),
      h('span', { class: 'pager-text' }, `${rowsText} · page ${formatInt(Math.min(data.page, pages))} of ${formatInt(pages)}`),
      h('button', { type: 'button', class: 'button button-quiet', 'data-page': 'next', 'aria-label': 'Next page', disabled: data.page >= pages, onclick: () => goTo(data.page + 1) }, 'Next →'),
    );
    restoreFocus(body, refocus);
    restoreFocus(pager, refocus);
    const filtered = data.total !== data.totalAll ? ` (${formatInt(data.totalAll)} in all)` : '';
    const waiting = data.tags.length && data.tags.every((t) => t.velocity24h === null) ? ' · velocities appear once a tag has 24 hours of samples' : '';
    replace(summary, `${rowsText}${filtered} · velocity of ${data.metric} · data as of ${formatTime(data.generatedAt, true)} · checked every 30 s${waiting}`);
    // `platforms` lists every platform of the whole answer; without it (an older server), those of this page.
    renderPlatforms((data.platforms as string[] | undefined) ?? [...new Set(data.tags.map((t) => t.platform))].sort(), q.platform);
  }

  let shownPlatforms = '';
  function renderPlatforms(platforms: string[], current: string): void {
    if (platforms.join(',') === shownPlatforms) return; // unchanged: keep the control (and any focus on it)
    shownPlatforms = platforms.join(',');
    replace(
      platformBox,
      select('Platform', [{ value: '', label: 'All platforms' }, ...platforms.map((p) => ({ value: p, label: p }))], platforms.includes(current) ? current : '', (v) => {
        setParams({ platform: v, page: null });
        void load('user');
      }),
    );
  }

  let shownBanners = '';
  function loadBanners(): void {
    void getJson<{ banners: DriftBanner[] }>('/api/alerts/drift').then(
      (d) => {
        const key = JSON.stringify(d.banners);
        if (key === shownBanners) return; // unchanged: nothing to re-render
        shownBanners = key;
        replace(banners, driftBanners(d.banners));
      },
      () => undefined,
    );
  }

  /**
   * Ask for the page the URL names. A user's request supersedes one in flight (aborted); a refresh never overlaps one
   * in flight (it waits for it instead) and revalidates the page shown with its ETag: 304 → nothing is touched.
   */
  function load(kind: 'user' | 'refresh'): Promise<void> {
    if (!body.isConnected) return Promise.resolve(); // this view was replaced: its URL is no longer ours
    if (inflight) {
      if (kind === 'refresh') return inflight.promise;
      inflight.abort.abort();
    }
    const q = queryFromUrl();
    const params = apiParams(q);
    const key = JSON.stringify(params);
    const etag = kind === 'refresh' && shown?.key === key ? shown.etag : null;
    const abort = new AbortController();
    const my = ++seq;
    if (kind === 'user') body.setAttribute('aria-busy', 'true');
    const promise = (async () => {
      try {
        const res = await getJsonIfChanged<OverviewPage>('/api/overview', params, etag, abort.signal);
        if (my !== seq) return;
        if (kind === 'refresh') loadBanners();
        if (res.notModified) return;
        const pages = Math.max(1, Math.ceil(res.data.total / res.data.pageSize));
        if (res.data.total > 0 && q.page > pages) {
          // The filter (or new data) left fewer pages than the URL names: show the last one.
          setParams({ page: pages === 1 ? null : String(pages) });
          inflight = null;
          await load('user');
          return;
        }
        shown = { data: res.data, etag: res.etag, key };
        renderPage(res.data, q);
      } catch (e) {
        if (abort.signal.aborted || my !== seq) return;
        replace(body, errorBox(e));
      } finally {
        if (my === seq) {
          inflight = null;
          body.removeAttribute('aria-busy');
        }
      }
    })();
    inflight = { promise, abort };
    return promise;
  }

  // the first page first: the drift banners' request would share the store with it (figure 7i: 40–250 ms on the
  // first page's critical path at 10,000 tags); the banners follow at once
  await load('user');
  loadBanners();
  refreshEvery(REFRESH_MS, () => load('refresh'));
}
