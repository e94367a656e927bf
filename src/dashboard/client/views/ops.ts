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
    runtimeSection(d),
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

/** Redis, workers, last sample per platform, capacity of the schedule, and missed slots (gaps). */
function runtimeSection(d: OpsData): HTMLElement {
  const r = d.runtime;
  const redis = r.redis ? (r.redis.up ? badge('up', 'ok') : badge(r.redis.state === 'failed' ? 'failed' : 'down', 'error')) : NONE;
  const gaps = r.gaps && r.gaps.totalMissedSlots > 0 ? r.gaps : null;
  return section(
    'Queue health',
    h(
      'section',
      { class: 'stats', 'aria-label': 'Redis and workers' },
      stat('Redis', redis, r.redis ? `${r.redis.state}${r.redis.restarts ? ` · restarted ${r.redis.restarts}×` : ''}${r.redis.adopted ? ' · adopted' : ''}` : 'not used here'),
      stat('Workers', `${formatInt(r.workers.running)}/${formatInt(r.workers.total)}`, r.workers.paused.length ? badge(`${r.workers.paused.length} paused`, 'warn') : 'running'),
      stat('Missed slots', gaps ? formatInt(gaps.totalMissedSlots) : '0', gaps ? (gaps.queueWasEmpty ? badge('queue state lost', 'error') : `${gaps.tags.length} tag(s)`) : 'none found'),
    ),
    simpleTable('Last successful sample per platform', ['Platform', 'Last sample'], r.lastSample.map((x) => [x.platform, `${formatTime(x.at, true)} (${formatAge(x.at)})`]), { empty: 'no sample yet.' }),
    simpleTable(
      'Capacity: requests the schedule needs vs the rate limit',
      ['Platform', 'Tags', 'Needed/min', 'Allowed/min', 'Use', 'Status'],
      r.capacity.map((c) => [c.platform, formatInt(c.tags), c.neededPerMin.toFixed(1), c.limitPerMin.toFixed(1), `${Math.round(c.utilization * 100)} %`, c.ok ? badge('ok', 'ok') : h('span', null, badge('cannot be met', 'error'), ' ', c.message)]),
      { numeric: [1, 2, 3, 4], empty: 'nothing scheduled by this process.' },
    ),
    gaps
      ? simpleTable(
          `Gaps found ${formatTime(gaps.checkedAt, true)} — planned slots with no stored sample and no job (past slots cannot be re-read)`,
          ['Tag', 'Platform', 'Missed slots', 'From', 'To'],
          gaps.tags.map((g) => [h('a', { href: link('/tag', { platform: g.platform, tag: g.tag }) }, `#${g.tag}`), g.platform, formatInt(g.missedSlots), formatTime(g.firstMissed, true), formatTime(g.lastMissed, true)]),
          { numeric: [2] },
        )
      : null,
  );
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
  refreshEvery(REFRESH_MS, load); // the next refresh waits for this one to finish
}
