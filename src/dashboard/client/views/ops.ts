/// <reference lib="dom" />
/** Operations: queue health, this process, stale tags and collector errors; refreshed every 10 s. */
import type { OpsData } from '../../ops.ts';
import { refreshEvery } from '../refresh.ts';
import { h, replace } from '../dom.ts';
import { getJson, link } from '../api.ts';
import { NONE, formatAge, formatInt, formatSeconds, formatTime } from '../format.ts';
import { badge, errorBox, loading, notice, section, simpleTable, stat } from '../widgets.ts';
import { driftBanners } from './drift-banner.ts';

const REFRESH_MS = 10_000;

function render(d: OpsData): HTMLElement[] {
  const q = d.queues;
  const roles = d.process.roles ? Object.entries(d.process.roles).filter(([, on]) => on).map(([r]) => r).join(', ') || 'none' : NONE;
  const backlog = q.items.reduce((a, x) => a + x.waiting + x.delayed, 0);
  const banner = driftBanners(d.drift ?? []);
  return [
    ...(banner ? [banner] : []),
    h(
      'section',
      { class: 'stats', 'aria-label': 'Summary' },
      stat('Store', d.store.up ? badge('up', 'ok') : badge('down', 'error'), d.store.backend),
      stat('Queues', q.available ? formatInt(backlog) : NONE, q.available ? 'jobs waiting or delayed' : 'not connected here'),
      stat('Tracked tags', formatInt(d.tracked), d.stale.length ? badge(`${d.stale.length} stale`, 'warn') : 'all fresh'),
      stat('Failures, last hour', formatInt(d.failures.lastHour.reduce((a, f) => a + f.failures, 0)), `${formatInt(d.failures.lastDay.reduce((a, f) => a + f.failures, 0))} in 24 h`),
    ),
    section(
      'Queues',
      q.available
        ? simpleTable(
            'Job counts per queue',
            ['Queue', 'Waiting', 'Active', 'Delayed', 'Failed', 'Completed', 'State'],
            q.items.map((x) => [x.queue, formatInt(x.waiting), formatInt(x.active), formatInt(x.delayed), formatInt(x.failed), formatInt(x.completed), x.paused ? badge('paused', 'warn') : badge('running', 'ok')]),
            { numeric: [1, 2, 3, 4, 5] },
          )
        : notice(q.note ?? 'No queues.'),
      h('p', { class: 'muted' }, `This process: ${d.process.command ?? 'tagpulse'} (pid ${d.process.pid}, up ${formatSeconds(d.process.uptimeS)}, roles: ${roles})${d.redis ? ` · Redis: ${d.redis}` : ''}. `, h('a', { href: link('/metrics') }, 'Prometheus metrics')),
      d.process.workers.length ? simpleTable('Workers in this process', ['Queue', 'Running'], d.process.workers.map((w) => [w.name, w.running ? 'yes' : 'no'])) : null,
    ),
    section(
      'Stale tags',
      simpleTable('Tags with no sample for three cadences', ['Tag', 'Platform', 'Cadence', 'Last sample'], d.stale.map((s) => [h('a', { href: link('/tag', { platform: s.platform, tag: s.tag }) }, `#${s.tag}`), s.platform, `every ${formatInt(s.everyMs / 1000)} s`, s.lastAt ? `${formatTime(s.lastAt, true)} (${formatAge(s.lastAt)})` : 'never']), { empty: 'none — every tracked tag is fresh.' }),
    ),
    section(
      'Collector errors',
      h(
        'div',
        { class: 'grid-2' },
        simpleTable('Last hour, by kind', ['Platform', 'Kind', 'Failures', 'Latest'], d.failures.lastHour.map((f) => [f.platform, f.kind, formatInt(f.failures), formatAge(f.lastAt)]), { numeric: [2] }),
        simpleTable('Last 24 hours, by kind', ['Platform', 'Kind', 'Failures', 'Latest'], d.failures.lastDay.map((f) => [f.platform, f.kind, formatInt(f.failures), formatAge(f.lastAt)]), { numeric: [2] }),
      ),
      simpleTable(
        'Latest failures',
        ['Time', 'Tag', 'Kind', 'HTTP', 'Attempt', 'Message', 'Response'],
        d.failures.recent.map((f) => [
          formatTime(f.occurred_at, true),
          h('a', { href: link('/tag', { platform: f.platform, tag: f.tag }) }, `#${f.tag}`),
          f.kind,
          f.status_code ? String(f.status_code) : NONE,
          String(f.attempt),
          f.message,
          // The saved response opens as plain text; "download" gives the JSON record for tagpulse parse.
          f.raw_ref
            ? h(
                'span',
                null,
                h('a', { href: link(`/api/ops/raw/${encodeURIComponent(f.raw_ref)}`), class: 'raw-link', target: '_blank', rel: 'noopener' }, 'view'),
                ' · ',
                h('a', { href: link(`/api/ops/raw/${encodeURIComponent(f.raw_ref)}`, { download: '1' }), download: `${f.raw_ref}.json` }, 'download'),
              )
            : NONE,
        ]),
        { numeric: [4] },
      ),
    ),
  ];
}

export async function opsView(root: HTMLElement): Promise<void> {
  document.title = 'Operations · tagpulse';
  const updated = h('p', { class: 'muted summary', 'aria-live': 'polite' });
  const body = h('div', null, loading());
  replace(root, h('div', { class: 'page-head' }, h('h1', null, 'Operations'), updated), body);
  const load = async () => {
    try {
      const d = await getJson<OpsData>('/api/ops');
      replace(body, render(d));
      replace(updated, `updated ${formatTime(d.generatedAt, true)} · refreshes every 10 s`);
    } catch (e) {
      replace(body, errorBox(e));
    }
  };
  await load();
  refreshEvery(REFRESH_MS, () => void load());
}
