/// <reference lib="dom" />
/**
 * Tag page: the counter (linear or log) with annotations, the velocity with its rounding interval, the report's key
 * figures, the lifecycle fit (provisional), exports and the data-quality panel. State in the URL: platform, tag,
 * metric, range (or from/to), scale.
 */
import type { Report } from '../../../analytics/report.ts';
import type { ChartData, QualityData } from '../../tag-detail.ts';
import { focusSelector, h, replace, restoreFocus, safeHref } from '../dom.ts';
import { getJson, link, tagPath } from '../api.ts';
import { choice, param, setParams } from '../state.ts';
import { NONE, doublingText, formatAge, formatDays, formatInt, formatNumber, formatPct, formatRate, formatTime, isoDate, withInterval, type Precision } from '../format.ts';
import { timeChart, type Annotation, type ChartSeries } from '../chart.ts';
import { METRICS, METRIC_OPTIONS, badge, breakoutBadge, count, errorBox, field, loading, notice, paramControl, section, simpleTable, stat } from '../widgets.ts';
import { eventAnnotations, loadEvents } from '../events.ts';
import { exportPanel } from './export-panel.ts';

const RANGES = ['24h', '7d', '30d', '90d', '1y', 'all'] as const;
const SCALES = ['linear', 'log'] as const;
const RANGE_LABELS: Record<(typeof RANGES)[number], string> = { '24h': '24 h', '7d': '7 days', '30d': '30 days', '90d': '90 days', '1y': '1 year', all: 'All' };

type FullReport = Report & { observations: number };

interface TagCare {
  sensitive: boolean;
  care: { resources: string; links: { label: string; url: string }[]; reporting: string } | null;
}

/**
 * Sensitive topics (config sensitiveTopics): a small resource line naming crisis lines, dismissible for this browser
 * session. Text and links come from the server (services/care.ts), so they live in one place.
 */
async function careLine(platform: string, tag: string): Promise<HTMLElement | null> {
  const key = `tagpulse.care.dismissed.${platform}.${tag}`;
  if (sessionStorage.getItem(key)) return null;
  const r = await getJson<TagCare>(tagPath(platform, tag, 'care')).catch(() => null);
  if (!r?.care) return null;
  const box: HTMLElement = h(
    'aside',
    { class: 'notice care-line', 'aria-label': 'Support resources' },
    h('span', null, r.care.resources, ' '),
    r.care.links.map((l, i) => [i ? ' · ' : '', h('a', { href: l.url, rel: 'noopener noreferrer', target: '_blank' }, l.label)]),
    ' ',
    h('button', { type: 'button', class: 'button button-quiet care-dismiss', 'aria-label': 'Dismiss support resources', onclick: () => { sessionStorage.setItem(key, '1'); box.remove(); } }, 'Dismiss'),
  );
  return box;
}

export async function tagView(root: HTMLElement): Promise<void> {
  const platform = param('platform') ?? 'tiktok';
  const tag = param('tag');
  if (!tag) {
    replace(root, notice('No tag given. Pick one on the ', h('a', { href: link('/') }, 'overview'), '.'));
    return;
  }
  const metric = choice('metric', METRICS, 'views');
  const range = choice('range', RANGES, '30d');
  const scale = choice('scale', SCALES, 'linear');
  const from = param('from');
  const to = param('to');
  document.title = `#${tag} · tagpulse`;

  const rerender = () => void tagView(root);
  const head = h(
    'div',
    { class: 'page-head' },
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: link('/') }, 'All tags'), h('span', { 'aria-hidden': 'true' }, ' › '), h('span', { 'aria-current': 'page' }, `#${tag}`)),
    h('h1', null, `#${tag}`, ' ', badge(platform, 'muted')),
  );
  const fromInput = h('input', { type: 'date', value: from ? isoDate(Date.parse(from)) : '' });
  const toInput = h('input', { type: 'date', value: to ? isoDate(Date.parse(to)) : '' });
  const custom = h(
    'form',
    {
      class: 'custom-range',
      'aria-label': 'Custom date range',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const f = fromInput.value ? `${fromInput.value}T00:00:00Z` : null;
        const t = toInput.value ? `${toInput.value}T23:59:59Z` : null;
        setParams({ from: f, to: t }, 'push');
        rerender();
      },
    },
    field('From (UTC)', fromInput),
    field('To (UTC)', toInput),
    h('button', { type: 'submit', class: 'button' }, 'Apply'),
    from || to
      ? h(
          'button',
          {
            type: 'button',
            class: 'button button-quiet',
            onclick: () => {
              setParams({ from: null, to: null }, 'push');
              rerender();
            },
          },
          'Clear dates',
        )
      : null,
  );
  const controls = h(
    'div',
    { class: 'controls' },
    paramControl('Metric', 'metric', METRIC_OPTIONS, metric, 'views', rerender),
    paramControl('Range', 'range', RANGES.map((r) => ({ value: r, label: RANGE_LABELS[r] })), from || to ? null : range, '30d', rerender, { from: null, to: null }),
    paramControl('Scale', 'scale', SCALES.map((sc) => ({ value: sc, label: sc === 'linear' ? 'Linear' : 'Log' })), scale, 'linear', rerender),
    custom,
  );
  const body = h('div', { class: 'tag-body' }, loading());
  const refocus = focusSelector(root);
  const careBox = h('div');
  replace(root, head, careBox, controls, body);
  restoreFocus(root, refocus);
  void careLine(platform, tag).then((el) => el && replace(careBox, el));

  let report: FullReport;
  let chart: ChartData;
  try {
    [report, chart] = await Promise.all([
      getJson<FullReport>(tagPath(platform, tag, 'report'), { metric, at: to ?? undefined }),
      getJson<ChartData>(tagPath(platform, tag, 'chart'), { metric, range, from: from ?? undefined, to: to ?? undefined }),
    ]);
  } catch (e) {
    replace(body, errorBox(e));
    return;
  }
  if (report.breakout) head.querySelector('h1')!.append(' ', breakoutBadge());
  if (!chart.lastAt) {
    replace(body, notice(`No ${metric} stored for #${tag} on ${platform} yet. If it is tracked, the first sample arrives within one cadence.`));
    return;
  }
  const [events, quality] = await Promise.all([
    loadEvents(chart.from, chart.to).catch(() => null),
    getJson<QualityData>(tagPath(platform, tag, 'quality'), { from: chart.from!, to: chart.to! }).catch((e: unknown) => e as Error),
  ]);
  // The x range: the chosen range, but not before the first reading (a new tag is not a line squeezed at the edge).
  const first = chart.points[0] ? Date.parse(chart.points[0].t) : -Infinity;
  const domain: [number, number] = [Math.max(Date.parse(chart.from!), first), Date.parse(chart.to!)];
  const annotations = [...(events ? eventAnnotations(events, tag) : []), ...reportAnnotations(report)].filter((a) => (a.t2 ?? a.t) >= domain[0] && a.t <= domain[1]);
  replace(
    body,
    keyFigures(report, metric, chart),
    section(
      `Cumulative ${metric}`,
      h('p', { class: 'muted' }, rangeText(chart), events === null ? ' · events could not be loaded' : ''),
      timeChart({
        label: `Cumulative ${metric} of #${tag}, ${scale} scale, ${rangeText(chart)}`,
        series: ([
          { label: `#${tag} ${metric}`, color: 0, points: chart.points.filter((p) => p.precision !== 'lower_bound').map((p) => ({ t: Date.parse(p.t), y: Number(p.value), rounded: p.precision === 'rounded' })) },
          // "More than X" figures are not counter readings: shown on their own, never joined to the line.
          { label: 'lower bound (at least)', color: 6, style: 'points' as const, points: chart.points.filter((p) => p.precision === 'lower_bound').map((p) => ({ t: Date.parse(p.t), y: Number(p.value) })) },
        ] satisfies ChartSeries[]).filter((se) => se.points.length > 0),
        scale,
        formatValue: (v) => formatInt(Math.round(v)),
        annotations,
        domain,
      }),
      annotationList(annotations),
    ),
    section(
      `Velocity (${metric} per hour)`,
      velocityText(report, chart),
      chart.velocity?.bins.length
        ? timeChart({
            label: `Velocity of #${tag} ${metric} per hour with its rounding interval`,
            series: [
              {
                label: `mean velocity per hour over each ${formatDays(chart.velocity.binMs / 86_400_000)} bin`,
                color: 1,
                // an unknown bin (gap, low coverage, change within rounding) breaks the line: missing is not zero
                points: chart.velocity.bins.map((b) => ({ t: (Date.parse(b.start) + Date.parse(b.end)) / 2, y: b.velocityPerHour ?? Number.NaN })),
                band: chart.velocity.bins.filter((b) => b.velocityPerHourLow !== null && b.velocityPerHourHigh !== null).map((b) => ({ t: (Date.parse(b.start) + Date.parse(b.end)) / 2, lo: b.velocityPerHourLow!, hi: b.velocityPerHourHigh! })),
              },
            ],
            scale: 'linear',
            zero: true,
            formatValue: (v) => formatRate(v),
            annotations: annotations.filter((a) => a.kind !== 'gap'),
            domain,
          })
        : notice('Velocity needs at least one full hour of samples in this range.'),
    ),
    lifecyclePanel(report),
    exportPanel({ platform, tags: [tag], metric, from: chart.from!, to: chart.to! }),
    qualityPanel(quality, metric),
  );
}

function rangeText(chart: ChartData): string {
  const merged = chart.bucketMs > 1 ? ` · one point per ${formatDays(chart.bucketMs / 86_400_000)} (latest reading of each)` : '';
  return `${formatTime(chart.from)} – ${formatTime(chart.to)} · ${formatInt(chart.samples)} samples${merged}`;
}

function keyFigures(r: FullReport, metric: string, chart: ChartData): HTMLElement {
  const w = (name: '1h' | '24h' | '7d') => r.windows.find((x) => x.window === name);
  const velocity = (name: '1h' | '24h' | '7d') => {
    const x = w(name);
    const label = `Velocity ${name}`;
    if (!x) return stat(label, NONE, 'not enough samples yet');
    const value = withInterval(x.velocityPerHour, x.velocityPerHourLow, x.velocityPerHourHigh, formatRate, ' – ');
    const why = x.velocityPerHour !== null ? (x.interpolated ? 'interpolated inside one sampling interval, not measured' : x.widened ? `widened to ${formatTime(x.from)} for rounding` : `${formatTime(x.from)} – ${formatTime(x.to)}`) : x.coverage !== null && x.coverage < 0.75 ? `unknown: samples cover ${Math.round(x.coverage * 100)} % of the window` : 'unknown: change below two rounding steps';
    const growth = withInterval(x.growthPct, x.growthPctLow, x.growthPctHigh, formatPct, ' to ');
    return stat(label, h('span', { class: `velocity-${name}` }, value), h('span', null, why, ' · ', h('span', { class: `growth-${name} ${x.growthPct === null ? 'muted' : x.growthPct >= 0 ? 'up' : 'down'}` }, `${growth} vs previous ${name}`)));
  };
  const latest = r.latest;
  // The report gives the latest value without its rounding step; the chart's reading at that time has it.
  const step = chart.points.find((p) => latest && Date.parse(p.t) === Date.parse(latest.observedAt))?.step ?? '0';
  return h(
    'section',
    { class: 'stats', 'aria-label': 'Key figures' },
    stat(`Latest ${metric}`, latest ? count(latest.value, latest.exact ? 'exact' : 'rounded', step) : NONE, latest ? `${latest.exact ? 'exact' : 'rounded display figure'} · ${formatTime(latest.observedAt)} (${formatAge(latest.observedAt)})` : 'no reading'),
    velocity('1h'),
    velocity('24h'),
    velocity('7d'),
    stat(
      'Growth rate (7-day average)',
      r.growthRatePerDay === null ? NONE : `${formatPct(r.growthRatePerDay * 100)}/day`,
      h(
        'span',
        { class: 'doubling', title: 'Theil–Sen fit of ln counter on hourly values over the last 7 days; 95 % interval in brackets' },
        r.counterHalvingDays !== null || (r.growthRatePerDay !== null && r.growthRatePerDay < 0)
          ? `counter ${doublingText({ days: r.counterHalvingDays, low: r.counterHalvingDaysLow, high: r.counterHalvingDaysHigh }, 'halves') ?? 'halving time unknown'}`
          : `counter ${doublingText({ days: r.counterDoublingDays, low: r.counterDoublingDaysLow, high: r.counterDoublingDaysHigh }) ?? 'doubling time unknown'}`,
      ),
    ),
    stat(
      'Velocity trend',
      r.velocityGrowthRatePerDay === null ? NONE : `${formatPct(r.velocityGrowthRatePerDay * 100)}/day`,
      r.velocityDoublingDays !== null
        ? `velocity ${doublingText({ days: r.velocityDoublingDays, low: r.velocityDoublingDaysLow, high: r.velocityDoublingDaysHigh })}`
        : r.velocityHalvingDays !== null
          ? `velocity ${doublingText({ days: r.velocityHalvingDays, low: r.velocityHalvingDaysLow, high: r.velocityHalvingDaysHigh }, 'halves')}`
          : 'steady or unknown',
    ),
    stat('Anomaly (z)', r.zScore === null ? NONE : formatNumber(r.zScore), r.breakout === null ? 'breakout undetermined (needs 14 days)' : r.breakout ? breakoutBadge() : 'no breakout'),
  );
}

function velocityText(r: FullReport, chart: ChartData): HTMLElement {
  const bin = chart.velocity ? formatDays(chart.velocity.binMs / 86_400_000) : null;
  const banded = chart.velocity?.bins.some((b) => b.velocityPerHourHigh !== null && b.velocityPerHourLow !== null && b.velocityPerHourHigh > b.velocityPerHourLow);
  return h(
    'p',
    { class: 'muted' },
    bin
      ? `Mean increase per hour over each ${bin} bin: by the fixed-window definition of the velocity figures (docs/analytics.md §3), empty where samples cover less than 75 % of a bin or the change is below two rounding steps${banded ? '; the shaded band is its interval (rounding of display figures, or the bound of a bin inside one sampling interval)' : ' (exact counts: no rounding interval)'}. `
      : '',
    r.growthRatePerDay !== null ? `Counter growth ${formatPct(r.growthRatePerDay * 100)} per day` : 'Counter growth rate not available',
    r.velocityGrowthRatePerDay !== null ? `; velocity growth ${formatPct(r.velocityGrowthRatePerDay * 100)} per day.` : '.',
  );
}

function reportAnnotations(r: FullReport): Annotation[] {
  return [
    ...r.revisions.map((x) => ({ t: Date.parse(x.at), kind: 'revision' as const, label: `Revision: the platform ${BigInt(x.to) < BigInt(x.from) ? 'lowered' : 'raised'} the count from ${formatInt(x.from)} to ${formatInt(x.to)}` })),
    ...r.changePoints.map((c) => ({ t: Date.parse(c.at), kind: 'changepoint' as const, label: `Change point: velocity ${formatRate(c.before)} → ${formatRate(c.after)}` })),
    ...r.gaps.map((g) => ({ t: Date.parse(g.from), t2: Date.parse(g.to), kind: 'gap' as const, label: `Sampling gap: no sample from ${formatTime(g.from)} to ${formatTime(g.to)}` })),
  ];
}

const KIND_LABEL: Record<Annotation['kind'], string> = { event: 'Event', revision: 'Revision', changepoint: 'Change point', gap: 'Gap' };

function annotationList(list: Annotation[]): HTMLElement | null {
  if (!list.length) return null;
  const sorted = [...list].sort((a, b) => a.t - b.t);
  return h(
    'details',
    { class: 'annotations-list' },
    h('summary', null, `Annotations (${list.length})`),
    h('ul', null, sorted.map((a) => h('li', { class: `ann-item ann-item-${a.kind}` }, h('span', { class: `ann-key ann-key-${a.kind}`, 'aria-hidden': 'true' }), h('strong', null, `${KIND_LABEL[a.kind]} `), h('span', { class: 'muted' }, formatTime(a.t)), ' — ', a.label))),
  );
}

function lifecyclePanel(r: FullReport): HTMLElement {
  const l = r.lifecycle;
  if (!l) return section('Lifecycle', h('p', { class: 'muted' }, 'No lifecycle fit: the velocity has not clearly peaked yet (a fit needs a rise and a fall).'));
  return section(
    'Lifecycle',
    h('p', null, badge('provisional', 'provisional', 'a model fit of a wave that may not be over; it changes as data arrive'), ` ${l.model === 'logistic' ? 'Logistic' : 'Gompertz'} fit of the current wave.`),
    h(
      'div',
      { class: 'stats' },
      stat('Peak velocity at', formatTime(l.peakAt), `${formatTime(l.peakAtLow)} – ${formatTime(l.peakAtHigh)}`),
      stat('Saturation', formatInt(l.saturation), `${formatInt(l.saturationLow)} – ${formatInt(l.saturationHigh)}`),
    ),
  );
}

function qualityPanel(q: QualityData | Error, metric: string): HTMLElement {
  if (q instanceof Error) return section('Data quality', errorBox(q));
  const p = q.precision[metric] ?? { exact: 0, rounded: 0, lower_bound: 0 };
  const total = p.exact + p.rounded + p.lower_bound;
  const share = (n: number) => (total ? (100 * n) / total : 0);
  const bar = h('div', { class: 'share-bar', role: 'img', 'aria-label': `${share(p.exact).toFixed(1)} % exact, ${share(p.rounded).toFixed(1)} % rounded, ${share(p.lower_bound).toFixed(1)} % lower bounds` });
  for (const [k, n] of [['exact', p.exact], ['rounded', p.rounded], ['lower_bound', p.lower_bound]] as const) {
    if (!n) continue;
    const seg = h('span', { class: `share share-${k}` });
    seg.style.width = `${share(n)}%`;
    bar.append(seg);
  }
  return section(
    'Data quality',
    h('p', null, total ? `${formatInt(total)} ${metric} samples in this range: ` : `No ${metric} samples in this range.`, total ? h('span', { class: 'share-text-exact' }, `${share(p.exact).toFixed(1)} % exact`) : null, total ? ` · ${share(p.rounded).toFixed(1)} % rounded display figures · ${share(p.lower_bound).toFixed(1)} % lower bounds` : null),
    total ? bar : null,
    simpleTable('Sources', ['Metric', 'Source', 'Method', 'Precision', 'Samples', 'First', 'Last'], q.sources.map((s) => [s.metric, s.source, s.method, s.precision, formatInt(s.samples), formatTime(s.firstAt), formatTime(s.lastAt)]), { numeric: [4], empty: 'none in this range.' }),
    h(
      'div',
      { class: 'grid-2' },
      simpleTable('Failures by kind', ['Kind', 'Failures', 'Latest'], q.failuresByKind.map((f) => [f.kind, formatInt(f.failures), formatTime(f.lastAt)]), { numeric: [1], empty: 'none in this range.' }),
      simpleTable('Recent failures', ['Time', 'Kind', 'HTTP', 'Message'], q.recentFailures.map((f) => [formatTime(f.occurred_at, true), f.kind, f.status_code ? String(f.status_code) : NONE, f.message]), { empty: 'none in this range.' }),
    ),
    simpleTable(
      'Conflicts between sources',
      ['Time', 'Metric', 'Values (the one analyses use first)'],
      q.conflicts.map((c) => [
        formatTime(c.at, true),
        c.metric,
        c.values.map((v) => `${v.chosen ? '✓ ' : ''}${formatInt(v.value)}${v.precision === 'exact' ? '' : ` (${v.precision})`} from ${v.source} (${v.method}${v.provenance ? `, ${v.provenance}` : ''})`).join(' · '),
      ]),
      { empty: 'none: no two sources contradict each other in this range.' },
    ),
    simpleTable(
      'Latest readings',
      ['Time', 'Metric', 'Value', 'Source', 'Provenance', 'Note'],
      q.recentObservations.map((o) => [formatTime(o.observedAt, true), o.metric, count(o.value, o.precision as Precision, o.step), `${o.source} (${o.method})`, provenance(o.provenance), o.note || NONE]),
      { empty: 'none in this range.' },
    ),
  );
}

/** Provenance as text; a link only when it is an http(s) URL. */
function provenance(p: string): HTMLElement | string {
  if (!p) return NONE;
  const href = safeHref(p);
  return href ? h('a', { href, rel: 'noopener noreferrer nofollow', target: '_blank', class: 'provenance' }, p) : h('span', { class: 'provenance' }, p);
}
