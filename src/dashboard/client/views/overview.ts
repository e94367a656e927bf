/// <reference lib="dom" />
/**
 * Overview: every tag with data or a schedule (tracked, imported, backfilled, sampled once) in one sortable, filterable
 * table (latest counts, 24 h and 7 d velocity and growth, doubling time, trend, breakout, sample age, failures, and
 * where the data came from). State in the URL: q, platform, metric, only, source, sort, dir. With an admin token a
 * tag that is not sampled has a "Track" button (POST /api/tracked).
 */
import type { DriftBanner } from '../../../services/format-drift.ts';
import { driftBanners } from './drift-banner.ts';
import type { Overview, OverviewRow } from '../../overview.ts';
import { refreshEvery } from '../refresh.ts';
import { focusSelector, h, replace, restoreFocus, uid } from '../dom.ts';
import { ApiError, getJson, hasToken, link, postJson } from '../api.ts';
import { choice, param, setParams } from '../state.ts';
import { NONE, doublingText, formatAge, formatDays, formatInt, formatPct, formatRate, formatTime, withInterval } from '../format.ts';
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

type SortValue = number | string | bigint | null;

interface Column {
  key: string;
  /** Accessible name (and the visible header unless `short` is given under a group header). */
  label: string;
  /** Header group shown above (e.g. "Last 24 hours"); the column header then shows `short`. */
  group?: string;
  short?: string;
  title?: string;
  numeric?: boolean;
  sort?: (r: OverviewRow) => SortValue;
  cell: (r: OverviewRow, metric: string) => HTMLElement | string;
}

const bigOrNull = (v: { value: string } | null) => (v ? BigInt(v.value) : null);

const COLUMNS: Column[] = [
  {
    key: 'tag',
    label: 'Tag',
    sort: (r) => r.tag,
    cell: (r) =>
      h(
        'span',
        { class: 'tag-cell' },
        h('a', { href: link('/tag', { platform: r.platform, tag: r.tag, metric: param('metric') ?? undefined }) }, `#${r.tag}`),
        h('span', { class: 'tag-sub' }, h('span', { class: 'platform-label' }, r.platform), r.breakout ? breakoutBadge() : null),
      ),
  },
  { key: 'views', label: 'Views', numeric: true, sort: (r) => bigOrNull(r.views), cell: (r) => (r.views ? count(r.views.value, r.views.precision, r.views.step) : NONE) },
  { key: 'posts', label: 'Posts', numeric: true, sort: (r) => bigOrNull(r.posts), cell: (r) => (r.posts ? count(r.posts.value, r.posts.precision, r.posts.step) : NONE) },
  {
    key: 'velocity24h',
    label: 'Velocity 24 h',
    group: 'Last 24 hours',
    short: 'Velocity',
    title: 'mean increase per hour over the 24 h ending at the latest full hour with data (the report\'s 24h window); its rounding interval in the cell\'s tooltip',
    numeric: true,
    sort: (r) => r.velocity24h,
    cell: (r) => h('span', { class: 'velocity-24h', title: windowTitle(r, '24 h', r.velocity24hLow, r.velocity24hHigh) }, r.velocity24h !== null ? formatRate(r.velocity24h) : withInterval(null, r.velocity24hLow, r.velocity24hHigh, formatRate, ' – ')),
  },
  {
    key: 'growth24h',
    label: 'Growth 24 h',
    group: 'Last 24 hours',
    short: 'Growth',
    title: 'change of that 24 h velocity vs the 24 h before it, with its interval',
    numeric: true,
    sort: (r) => r.growth24hPct,
    cell: (r) => pct(r.growth24hPct, r.growth24hPctLow, r.growth24hPctHigh, 'growth-24h'),
  },
  {
    key: 'velocity7d',
    label: 'Velocity 7 d',
    group: 'Last 7 days',
    short: 'Velocity',
    title: 'mean increase per hour over the 7 days ending at the latest full hour with data (report: windows 7d)',
    numeric: true,
    sort: (r) => r.velocity7d,
    cell: (r) => h('span', { class: 'velocity-7d', title: windowTitle(r, '7 days', r.velocity7dLow, r.velocity7dHigh) }, r.velocity7d !== null ? formatRate(r.velocity7d) : withInterval(null, r.velocity7dLow, r.velocity7dHigh, formatRate, ' – ')),
  },
  { key: 'growth7d', label: 'Growth 7 d', group: 'Last 7 days', short: 'Growth', title: 'change of the 7 d velocity vs the 7 d before it, with its interval', numeric: true, sort: (r) => r.growth7dPct, cell: (r) => pct(r.growth7dPct, r.growth7dPctLow, r.growth7dPctHigh, 'growth-7d') },
  {
    key: 'doubling',
    label: 'Doubling',
    title: 'time for the counter to double at its average growth over the last 7 days (Theil–Sen fit of ln counter on hourly values; 95 % interval in brackets) — not the current 24 h rate',
    numeric: true,
    sort: (r) => r.doublingDays,
    cell: (r) =>
      h(
        'span',
        { class: 'doubling', title: 'counter doubling time from the 7-day average growth rate (95 % interval)' },
        r.halvingDays !== null ? (doublingText({ days: r.halvingDays, low: null, high: null }, 'halves') ?? NONE) : (doublingText({ days: r.doublingDays, low: r.doublingDaysLow, high: r.doublingDaysHigh }, 'doubles') ?? NONE).replace(/^doubles in /, ''),
      ),
  },
  { key: 'trend', label: 'Trend, 7 days', cell: (r, metric) => h('span', { class: 'trend-cell' }, sparkline(r.sparkline.values, `${metric} of #${r.tag} over the last 7 days`)) },
  {
    key: 'age',
    label: 'Last sample',
    sort: (r) => (r.lastSampleAt ? -Date.parse(r.lastSampleAt) : null),
    cell: (r) => h('span', { title: `${formatTime(r.lastSampleAt, true)} · ${formatInt(r.samples)} samples` }, formatAge(r.lastSampleAt), r.stale ? [' ', badge('stale', 'warn', `no sample for more than three cadences (every ${formatInt((r.everyMs ?? 0) / 1000)} s)`)] : null),
  },
  {
    key: 'failures',
    label: 'Failures 24 h',
    numeric: true,
    sort: (r) => r.failures24h,
    cell: (r) => (r.failures24h ? h('span', { title: r.lastFailure ? `latest: ${r.lastFailure.kind} at ${formatTime(r.lastFailure.at, true)}: ${r.lastFailure.message}` : '' }, formatInt(r.failures24h), r.lastFailure ? h('span', { class: 'muted' }, ` · ${r.lastFailure.kind}`) : null) : h('span', { class: 'muted' }, '0')),
  },
  {
    key: 'source',
    label: 'Source',
    title: 'how the data got here (tracked with its cadence, imported, backfilled, sampled once) and whether a schedule still samples it',
    sort: (r) => r.originText,
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
function headerRows(sortKey: string, dir: 'asc' | 'desc', onSort: (key: string, dir: 'asc' | 'desc') => void): HTMLTableRowElement[] {
  const cell = (c: Column, attrs: Record<string, string | number>) => {
    const active = c.key === sortKey;
    const th = h('th', { ...attrs, scope: 'col', class: c.numeric ? 'num' : '', 'aria-sort': active ? (dir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : null, title: c.title ?? null });
    const text = c.group ? (c.short ?? c.label) : c.label;
    if (!c.sort) th.append(text);
    else
      th.append(
        h(
          'button',
          { type: 'button', class: 'sort', 'data-sort': c.key, 'aria-label': c.label, onclick: () => onSort(c.key, active ? (dir === 'asc' ? 'desc' : 'asc') : c.numeric ? 'desc' : 'asc') },
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

/** Tooltip of a window cell: exactly which window, and why a value may be missing. */
function windowTitle(r: OverviewRow, name: string, lo: number | null, hi: number | null): string {
  const end = r.asOf ? `ending ${formatTime(r.asOf)}` : 'no window yet';
  const interval = lo !== null && hi !== null && lo !== hi ? `; rounding interval ${formatRate(lo)} – ${formatRate(hi)}` : lo !== null && lo === hi ? '; exact counts' : '';
  return `mean increase per hour over the ${name} ${end}${interval}. Unknown when sampling covers less than 75 % of the window or the change is below two rounding steps.`;
}

function compare(a: SortValue, b: SortValue): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b);
  return a < b ? -1 : a > b ? 1 : 0;
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

export async function overviewView(root: HTMLElement): Promise<void> {
  const metric = choice('metric', METRICS, 'views');
  const titleId = uid('title');
  const summary = h('p', { class: 'muted summary', 'aria-live': 'polite' });
  const body = h('div', null, loading());
  let data: Overview | null = null;

  const filterInput = h('input', { type: 'search', value: param('q') ?? '', placeholder: 'e.g. mental', autocomplete: 'off' });
  filterInput.addEventListener('input', () => {
    setParams({ q: filterInput.value.trim() });
    renderTable();
  });
  const platformBox = h('span');
  const controls = h(
    'div',
    { class: 'controls', role: 'group', 'aria-label': 'Filter and options' },
    field('Filter tags', filterInput),
    platformBox,
    select('Show', ONLY.map((o) => ({ value: o, label: o === 'all' ? 'All tags' : o === 'breakouts' ? 'Breakouts only' : 'Stale or failing only' })), choice('only', ONLY, 'all'), (v) => {
      setParams({ only: v === 'all' ? null : v });
      renderTable();
    }),
    select('Data source', SOURCES.map((o) => ({ value: o, label: SOURCE_LABELS[o] })), choice('source', SOURCES, 'all'), (v) => {
      setParams({ source: v === 'all' ? null : v });
      renderTable();
    }),
    select('Velocity of', METRIC_OPTIONS, metric, (v) => {
      setParams({ metric: v === 'views' ? null : v }, 'push');
      void load();
    }),
  );
  document.title = 'Tags · tagpulse';
  const banners = h('div', { class: 'drift-box' });
  replace(root, h('div', { class: 'page-head' }, h('h1', { id: titleId }, 'Tags'), summary), banners, controls, body);

  function renderTable(): void {
    if (!data) return;
    if (!data.tags.length) {
      replace(body, notice(h('strong', null, 'No tags with data yet. '), 'Track one with ', h('code', null, 'tagpulse track add mentalhealth'), ' and ', h('code', null, 'tagpulse run'), ', import a series with ', h('code', null, 'tagpulse import series.csv'), ', or explore with ', h('code', null, 'tagpulse demo'), '.'));
      return;
    }
    const q = (param('q') ?? '').toLowerCase().replace(/^#/, '');
    const platform = param('platform') ?? '';
    const only = choice('only', ONLY, 'all');
    const source = choice('source', SOURCES, 'all');
    const sortKey = param('sort') ?? 'velocity24h';
    const col = COLUMNS.find((c) => c.key === sortKey && c.sort) ?? COLUMNS.find((c) => c.key === 'velocity24h')!;
    const dir = choice('dir', ['asc', 'desc'] as const, col.numeric ? 'desc' : 'asc');
    const rows = data.tags
      .filter((r) => (!q || r.tag.includes(q)) && (!platform || r.platform === platform))
      .filter((r) => (only === 'breakouts' ? r.breakout === true : only === 'problems' ? r.stale || r.failures24h > 0 : true))
      .filter((r) => (source === 'all' ? true : source === 'not-sampled' ? !r.sampled : r.origins.includes(source)))
      .sort((a, b) => {
        const av = col.sort!(a);
        const bv = col.sort!(b);
        if (av === null || bv === null) return compare(av, bv);
        return dir === 'asc' ? compare(av, bv) : -compare(av, bv);
      });
    const head = headerRows(col.key, dir, (key, nextDir) => {
      setParams({ sort: key, dir: nextDir });
      renderTable();
    });
    const table = h(
      'table',
      { class: 'data overview', 'aria-labelledby': titleId },
      h('thead', null, head),
      h(
        'tbody',
        null,
        rows.map((r) => h('tr', { 'data-tag': r.tag, class: r.breakout ? 'is-breakout' : '' }, COLUMNS.map((c) => h('td', { class: c.numeric ? 'num' : '' }, c.cell(r, data!.metric))))),
      ),
    );
    const refocus = focusSelector(body);
    replace(body, h('div', { class: 'table-scroll' }, table), rows.length ? null : h('p', { class: 'muted' }, 'No tag matches these filters.'));
    restoreFocus(body, refocus);
    const waiting = data.tags.every((t) => t.velocity24h === null) ? ' · velocities appear once a tag has 24 hours of samples' : '';
    replace(summary, `${rows.length} of ${data.tags.length} tags · velocity of ${data.metric} · updated ${formatTime(data.generatedAt, true)} · refreshes every 30 s${waiting}`);
  }

  let shownPlatforms = '';
  function renderPlatforms(): void {
    const platforms = [...new Set(data?.tags.map((t) => t.platform) ?? [])].sort();
    if (platforms.join(',') === shownPlatforms) return; // unchanged: keep the control (and any focus on it)
    shownPlatforms = platforms.join(',');
    const current = param('platform') ?? '';
    replace(
      platformBox,
      select('Platform', [{ value: '', label: 'All platforms' }, ...platforms.map((p) => ({ value: p, label: p }))], platforms.includes(current) ? current : '', (v) => {
        setParams({ platform: v });
        renderTable();
      }),
    );
  }

  async function load(): Promise<void> {
    try {
      data = await getJson<Overview>('/api/overview', { metric: choice('metric', METRICS, 'views') });
      void getJson<{ banners: DriftBanner[] }>('/api/alerts/drift').then((d) => replace(banners, driftBanners(d.banners)), () => undefined);
      renderPlatforms();
      renderTable();
    } catch (e) {
      replace(body, errorBox(e));
    }
  }
  await load();
  refreshEvery(REFRESH_MS, () => void load());
}
