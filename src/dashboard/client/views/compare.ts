/// <reference lib="dom" />
/**
 * Compare: several tags on one chart, indexed to 100 at a chosen date, absolute, or on a log scale.
 * State in the URL: tags (comma-separated), platform, metric, mode, index (a UTC date), range.
 */
import type { Comparison } from '../../../services/compare.ts';
import { focusSelector, h, replace, restoreFocus, uid } from '../dom.ts';
import { getJson, link } from '../api.ts';
import { choice, param, setParams } from '../state.ts';
import { formatInt, formatNumber, formatTime, isoDate } from '../format.ts';
import { timeChart } from '../chart.ts';
import { METRICS, METRIC_OPTIONS, errorBox, field, loading, notice, paramControl, section, simpleTable } from '../widgets.ts';
import { exportPanel } from './export-panel.ts';

const MODES = ['indexed', 'absolute', 'log'] as const;
/** Range in days (0 = everything) and the grid step asked of /api/compare (all: its own choice). */
const RANGES = { '7d': { days: 7, step: '1h' }, '30d': { days: 30, step: '1h' }, '90d': { days: 90, step: '3h' }, '1y': { days: 365, step: '12h' }, all: { days: 0, step: undefined } } as const;
type RangeName = keyof typeof RANGES;
const MAX_TAGS = 8;

function selectedTags(): string[] {
  return [...new Set((param('tags') ?? '').split(',').map((t) => t.trim().replace(/^#/, '').toLowerCase()).filter(Boolean))].slice(0, MAX_TAGS);
}

export async function compareView(root: HTMLElement): Promise<void> {
  const tags = selectedTags();
  const platform = param('platform') ?? 'tiktok';
  const metric = choice('metric', METRICS, 'views');
  const mode = choice('mode', MODES, 'indexed');
  const range = choice('range', Object.keys(RANGES) as RangeName[], '30d');
  const index = param('index');
  const rerender = () => void compareView(root);
  document.title = 'Compare · tagpulse';

  const listId = uid('tags');
  const addInput = h('input', { type: 'text', list: listId, placeholder: 'e.g. mentalhealth', autocomplete: 'off' });
  const datalist = h('datalist', { id: listId });
  const addForm = h(
    'form',
    {
      class: 'add-tag',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const t = addInput.value.trim().replace(/^#/, '').toLowerCase();
        if (!t) return;
        setParams({ tags: [...tags.filter((x) => x !== t), t].slice(0, MAX_TAGS).join(',') }, 'push');
        rerender();
      },
    },
    field('Add a tag', addInput, `up to ${MAX_TAGS} tags`),
    datalist,
    h('button', { type: 'submit', class: 'button' }, 'Add'),
  );
  const chips = h(
    'ul',
    { class: 'chips', 'aria-label': 'Compared tags' },
    tags.map((t, i) =>
      h(
        'li',
        { class: `chip series-${i % 8}` },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }),
        `#${t}`,
        h(
          'button',
          {
            type: 'button',
            class: 'chip-remove',
            'aria-label': `Remove #${t}`,
            onclick: () => {
              setParams({ tags: tags.filter((x) => x !== t).join(',') }, 'push');
              rerender();
            },
          },
          '×',
        ),
      ),
    ),
  );
  const indexInput = h('input', { type: 'date', value: index ?? '' });
  indexInput.addEventListener('change', () => {
    setParams({ index: indexInput.value || null }, 'push');
    rerender();
  });
  const controls = h(
    'div',
    { class: 'controls' },
    paramControl('Scale', 'mode', [{ value: 'indexed', label: 'Indexed (= 100)' }, { value: 'absolute', label: 'Absolute' }, { value: 'log', label: 'Log' }] as const, mode, 'indexed', rerender),
    mode === 'indexed' ? field('Index date (UTC)', indexInput, 'empty: the first time every tag has data') : null,
    paramControl('Metric', 'metric', METRIC_OPTIONS, metric, 'views', rerender),
    paramControl('Range', 'range', (Object.keys(RANGES) as RangeName[]).map((r) => ({ value: r, label: r === 'all' ? 'All' : r })), range, '30d', rerender),
  );
  const body = h('div', null, tags.length ? loading() : notice('Add two or more tags to compare their growth.'));
  const refocus = focusSelector(root);
  replace(root, h('div', { class: 'page-head' }, h('h1', null, 'Compare tags')), h('div', { class: 'controls' }, addForm, chips), controls, body);
  restoreFocus(root, refocus);

  // The picker offers every tag with data (tracked, imported, backfilled, sampled once), not only tracked ones.
  void getJson<{ tags: { platform: string; tag: string; originText: string }[] }>('/api/tags')
    .then((r) => replace(datalist, r.tags.filter((t) => t.platform === platform).map((t) => h('option', { value: t.tag, label: `#${t.tag} · ${t.originText}` }))))
    .catch(() => undefined);
  if (!tags.length) return;

  const { days, step } = RANGES[range];
  const to = new Date();
  const from = days ? new Date(to.getTime() - days * 86_400_000) : null;
  let cmp: Comparison;
  try {
    cmp = await getJson<Comparison>('/api/compare', {
      tags: tags.join(','),
      platform,
      metric,
      scale: mode === 'indexed' ? 'indexed' : 'linear',
      indexAt: mode === 'indexed' && index ? `${index}T00:00:00Z` : undefined,
      from: from?.toISOString(),
      to: days ? to.toISOString() : undefined,
      step,
    });
  } catch (e) {
    replace(body, errorBox(e));
    return;
  }
  const times = cmp.rows.map((r) => Date.parse(r.t));
  const label = mode === 'indexed' ? `indexed to 100 at ${cmp.indexAt ? formatTime(cmp.indexAt) : 'the index time'}` : mode === 'log' ? 'log scale' : 'absolute';
  replace(
    body,
    section(
      `${metric === 'views' ? 'Views' : 'Posts'}, ${label}`,
      h('p', { class: 'muted' }, `${cmp.method.description}; one point per ${cmp.step}.`, cmp.indexAt && mode === 'indexed' ? ` Index date: ${isoDate(Date.parse(cmp.indexAt))}.` : ''),
      cmp.notes.length ? h('ul', { class: 'notes' }, cmp.notes.map((n) => h('li', null, n))) : null,
      timeChart({
        label: `Comparison of ${tags.map((t) => `#${t}`).join(', ')}: ${metric}, ${label}`,
        series: cmp.keys.map((k, i) => ({ label: `#${k}`, color: i, points: cmp.rows.map((r, j) => ({ t: times[j]!, y: r.values[k] ?? Number.NaN })) })),
        scale: mode === 'log' ? 'log' : 'linear',
        formatValue: (v) => (mode === 'indexed' ? formatNumber(v) : formatInt(Math.round(v))),
        reference: mode === 'indexed' ? 100 : undefined,
        height: 340,
      }),
      simpleTable(
        'Series',
        ['Tag', 'Observations', 'First', 'Last', 'Exact share'],
        cmp.series.map((sr) => [
          h('a', { href: link('/tag', { platform, tag: sr.tag, metric: metric === 'views' ? undefined : metric }) }, `#${sr.tag}`),
          formatInt(sr.observations),
          formatTime(sr.first),
          formatTime(sr.last),
          sr.exactShare === null ? '—' : `${(sr.exactShare * 100).toFixed(1)} %`,
        ]),
        { numeric: [1, 4] },
      ),
    ),
    exportPanel({ platform, tags, metric, from: from?.toISOString() ?? cmp.rows[0]?.t ?? to.toISOString(), to: to.toISOString() }),
  );
}
