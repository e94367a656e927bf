/// <reference lib="dom" />
/**
 * A time-series chart in SVG, written for this dashboard (no library, nothing downloaded): linear or log scale,
 * several series, an uncertainty band, markers for rounded readings, annotations (events, revisions, change points,
 * sampling gaps), a crosshair that follows the pointer or the arrow keys with values announced to screen readers,
 * and the data as a table for anyone who cannot see the chart. It redraws to fit its container.
 */
import { append, h, s, replace, uid } from './dom.ts';
import { axisLabels, formatTick, formatTime } from './format.ts';

export interface ChartPoint {
  t: number;
  y: number;
  /** A rounded display figure (drawn as a hollow marker). */
  rounded?: boolean;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
  /** Uncertainty band around the series. */
  band?: { t: number; lo: number; hi: number }[];
  /** Index into the palette (CSS classes series-0 … series-7). */
  color: number;
  /** 'points': unconnected markers (readings that are not on the counter line, such as lower bounds). */
  style?: 'line' | 'points';
}

export type AnnotationKind = 'event' | 'revision' | 'changepoint' | 'gap';

export interface Annotation {
  t: number;
  /** End of a range (events with a duration, gaps). */
  t2?: number;
  label: string;
  kind: AnnotationKind;
}

export interface ChartSpec {
  /** Accessible name, e.g. "Cumulative views of #mentalhealth". */
  label: string;
  series: ChartSeries[];
  scale: 'linear' | 'log';
  /** Value in the tooltip and the table. */
  formatValue: (v: number) => string;
  annotations?: Annotation[];
  height?: number;
  /** Fixed x range (epoch ms). */
  domain?: [number, number];
  /** Include zero in the y range (rates). */
  zero?: boolean;
  /** A horizontal reference line (e.g. 100 on an indexed chart). */
  reference?: number;
}

const M = { l: 64, r: 18, t: 14, b: 30 };
/** Above this many rounded readings the markers would bead the line; the legend and tooltip still say so. */
const MAX_MARKERS = 120;
const TIME_STEPS = [5e3, 10e3, 30e3, 60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3, 91 * 86400e3, 365 * 86400e3];

/** "Nice" linear ticks (1, 2, 5 × 10^k). */
function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((st) => st >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Ticks of a log axis (values, not logs): powers of ten, with 2 and 5 multiples over short ranges. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const decades = Math.log10(hi / lo);
  const mult = decades < 1.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) for (const m of mult) {
    const v = m * 10 ** e;
    if (v >= lo && v <= hi) out.push(v);
  }
  return out.length >= 2 ? out : niceTicks(lo, hi, 4);
}

function timeTicks(t0: number, t1: number, count: number): { ticks: number[]; step: number } {
  const step = TIME_STEPS.find((st) => (t1 - t0) / st <= count) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return { ticks, step };
}

/** Index of the point nearest to t (points sorted by t). */
function nearest(points: ChartPoint[], t: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[lo]!.t - t) <= Math.abs(points[hi]!.t - t) ? lo : hi;
}

interface Scales {
  x: (t: number) => number;
  y: (v: number) => number;
  t0: number;
  t1: number;
  /** Left edge of the plot: wide enough for the longest y label. */
  left: number;
}

interface YAxis {
  y: (v: number) => number;
  ticks: number[];
}

function scales(spec: ChartSpec, width: number, height: number): (Scales & { yTicks: number[]; yLabels: string[] }) | null {
  const pts = spec.series.flatMap((se) => se.points).filter((p) => Number.isFinite(p.y) && (spec.scale === 'linear' || p.y > 0));
  const ys = [...pts.map((p) => p.y), ...spec.series.flatMap((se) => (se.band ?? []).flatMap((b) => [b.lo, b.hi]))].filter((v) => Number.isFinite(v) && (spec.scale === 'linear' || v > 0));
  if (!pts.length || !ys.length) return null;
  let [t0, t1] = spec.domain ?? [Math.min(...pts.map((p) => p.t)), Math.max(...pts.map((p) => p.t))];
  if (t1 <= t0) [t0, t1] = [t0 - 3600e3, t1 + 3600e3];
  let lo = Math.min(...ys, ...(spec.zero ? [0] : []), ...(spec.reference !== undefined ? [spec.reference] : []));
  let hi = Math.max(...ys, ...(spec.reference !== undefined ? [spec.reference] : []));
  const ih = height - M.t - M.b;
  const axis = yAxis(spec, lo, hi, ih);
  const yLabels = axisLabels(axis.ticks);
  const left = Math.max(M.l, 14 + 6.6 * Math.max(...yLabels.map((l) => l.length)));
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (width - left - M.r);
  return { x, y: axis.y, t0, t1, left, yTicks: axis.ticks, yLabels };
}

function yAxis(spec: ChartSpec, lo: number, hi: number, ih: number): YAxis {
  if (spec.scale === 'log') {
    if (hi <= lo) [lo, hi] = [lo / 1.1, hi * 1.1];
    const [a, b] = [Math.log10(lo), Math.log10(hi)];
    const pad = (b - a) * 0.05 || 0.05;
    const [la, lb] = [a - pad, b + pad];
    return { y: (v) => M.t + ih - ((Math.log10(v) - la) / (lb - la)) * ih, ticks: logTicks(10 ** la, 10 ** lb) };
  }
  if (hi <= lo) [lo, hi] = [lo - Math.max(1, Math.abs(lo) * 0.01), hi + Math.max(1, Math.abs(hi) * 0.01)];
  const pad = (hi - lo) * 0.06;
  const [la, lb] = [spec.zero && lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
  return { y: (v) => M.t + ih - ((v - la) / (lb - la)) * ih, ticks: niceTicks(la, lb, 5) };
}

function linePath(points: ChartPoint[], sc: Scales, log: boolean): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.y) || (log && p.y <= 0)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${sc.x(p.t).toFixed(1)},${sc.y(p.y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function bandPath(band: NonNullable<ChartSeries['band']>, sc: Scales, log: boolean): string {
  const ok = band.filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi) && (!log || b.lo > 0));
  if (ok.length < 2) return '';
  const top = ok.map((b, i) => `${i ? 'L' : 'M'}${sc.x(b.t).toFixed(1)},${sc.y(b.hi).toFixed(1)}`).join('');
  const bottom = [...ok].reverse().map((b) => `L${sc.x(b.t).toFixed(1)},${sc.y(b.lo).toFixed(1)}`).join('');
  return `${top}${bottom}Z`;
}

function annotationLayer(list: Annotation[], sc: Scales, height: number): SVGGElement {
  const g = s('g', { class: 'annotations' });
  const top = M.t;
  const bottom = height - M.b;
  const labelled = list.length <= 8;
  for (const a of list) {
    if (a.t > sc.t1 || (a.t2 ?? a.t) < sc.t0) continue;
    const x1 = sc.x(Math.max(a.t, sc.t0));
    const title = s('title', null, a.label);
    if (a.t2 !== undefined && a.t2 > a.t) {
      const x2 = sc.x(Math.min(a.t2, sc.t1));
      g.append(s('rect', { class: `ann ann-${a.kind}`, x: x1.toFixed(1), y: top, width: Math.max(1, x2 - x1).toFixed(1), height: bottom - top }, title));
    } else if (a.kind === 'changepoint') {
      // Change points can be many: a small mark under the plot instead of a full-height line.
      g.append(s('path', { class: 'ann ann-changepoint', d: `M${x1.toFixed(1)},${bottom}l-4,7h8z` }, title));
    } else {
      g.append(s('line', { class: `ann ann-${a.kind}`, x1: x1.toFixed(1), x2: x1.toFixed(1), y1: top, y2: bottom }, title));
    }
    if (labelled && a.kind === 'event') {
      // Near the right edge the label goes on the left of its line, so it stays inside the plot.
      const end = sc.x(sc.t1) - x1 < 220;
      g.append(s('text', { class: end ? 'ann-label ann-label-end' : 'ann-label', x: (end ? x1 - 4 : x1 + 4).toFixed(1), y: top + 11 }, a.label.length > 32 ? `${a.label.slice(0, 31)}…` : a.label));
    }
  }
  return g;
}

/** Build the chart; it draws itself once it is in the document and whenever its width changes. */
export function timeChart(spec: ChartSpec): HTMLElement {
  const height = spec.height ?? 280;
  const canvas = h('div', { class: 'chart-canvas' });
  const tooltip = h('div', { class: 'chart-tooltip', hidden: true, 'aria-hidden': 'true' });
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const hintId = uid('chart-hint');
  const legend = h(
    'figcaption',
    { class: 'chart-legend' },
    spec.series.map((se) => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${se.style === 'points' ? 'swatch-point ' : ''}series-${se.color % 8}`, 'aria-hidden': 'true' }), se.label)),
    spec.series.some((se) => se.points.some((p) => p.rounded)) ? h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-rounded', 'aria-hidden': 'true' }), 'rounded display figure') : null,
    spec.series.some((se) => se.band?.some((b) => b.hi > b.lo)) ? h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-band', 'aria-hidden': 'true' }), 'rounding interval') : null,
    h('span', { id: hintId, class: 'legend-hint' }, 'Focus the chart and use ← → (Home, End) to read values.'),
  );
  const figure = h('figure', { class: 'chart' }, canvas, tooltip, live, legend, dataTable(spec));
  const primary = spec.series.find((se) => se.points.length && se.style !== 'points') ?? spec.series.find((se) => se.points.length);
  let cursor = -1;
  let lastWidth = 0;

  const draw = (width: number) => {
    lastWidth = width;
    const sc = scales(spec, width, height);
    if (!sc || !primary) {
      replace(canvas, h('p', { class: 'chart-empty' }, 'No data in this range.'));
      return;
    }
    const log = spec.scale === 'log';
    const svg = s('svg', {
      class: 'chart-svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      tabindex: 0,
      'aria-label': spec.label,
      'aria-describedby': hintId,
    });
    const grid = s('g', { class: 'grid' });
    sc.yTicks.forEach((v, i) => {
      const y = sc.y(v).toFixed(1);
      grid.append(s('line', { x1: sc.left, x2: width - M.r, y1: y, y2: y }), s('text', { class: 'tick tick-y', x: sc.left - 8, y, dy: '0.32em' }, sc.yLabels[i]!));
    });
    const { ticks, step } = timeTicks(sc.t0, sc.t1, Math.max(2, Math.floor((width - sc.left - M.r) / 110)));
    for (const t of ticks) grid.append(s('text', { class: 'tick tick-x', x: sc.x(t).toFixed(1), y: height - 10 }, formatTick(t, step)));
    grid.append(s('line', { class: 'axis', x1: sc.left, x2: width - M.r, y1: height - M.b, y2: height - M.b }));
    svg.append(grid, annotationLayer(spec.annotations ?? [], sc, height));
    if (spec.reference !== undefined) {
      const y = sc.y(spec.reference).toFixed(1);
      svg.append(s('line', { class: 'reference', x1: sc.left, x2: width - M.r, y1: y, y2: y }));
    }
    for (const se of spec.series) {
      const cls = `series-${se.color % 8}`;
      if (se.band?.length) svg.append(s('path', { class: `band ${cls}`, d: bandPath(se.band, sc, log) }));
      if (se.band?.length === 1) {
        const b = se.band[0]!; // one bin: the interval as an error bar
        svg.append(s('line', { class: `band-bar ${cls}`, x1: sc.x(b.t).toFixed(1), x2: sc.x(b.t).toFixed(1), y1: sc.y(b.lo).toFixed(1), y2: sc.y(b.hi).toFixed(1) }));
      }
      const visible = se.points.filter((p) => Number.isFinite(p.y) && (!log || p.y > 0));
      if (se.style === 'points' || visible.length < 3) {
        // Unconnected readings, or too few to draw a line through: show each one.
        svg.append(s('g', { class: `points ${cls}`, 'data-series': se.label, 'data-points': visible.length }, visible.map((p) => s('circle', { class: 'marker-point', cx: sc.x(p.t).toFixed(1), cy: sc.y(p.y).toFixed(1), r: 4 }))));
        if (se.style === 'points') continue;
      }
      svg.append(s('path', { class: `line ${cls}`, d: linePath(se.points, sc, log), 'data-series': se.label, 'data-points': se.points.length }));
      const rounded = se.points.filter((p) => p.rounded && (!log || p.y > 0));
      if (rounded.length && rounded.length <= MAX_MARKERS) {
        svg.append(s('g', { class: `markers ${cls}` }, rounded.map((p) => s('circle', { class: 'marker-rounded', cx: sc.x(p.t).toFixed(1), cy: sc.y(p.y).toFixed(1), r: 2.5 }))));
      }
    }
    const crosshair = s('line', { class: 'crosshair', y1: M.t, y2: height - M.b, visibility: 'hidden' });
    const dots = s('g', { class: 'cursor-dots' });
    svg.append(crosshair, dots);

    const show = (i: number, announce: boolean) => {
      cursor = Math.max(0, Math.min(primary.points.length - 1, i));
      const t = primary.points[cursor]!.t;
      const x = sc.x(t);
      crosshair.setAttribute('x1', x.toFixed(1));
      crosshair.setAttribute('x2', x.toFixed(1));
      crosshair.setAttribute('visibility', 'visible');
      const rows: string[] = [];
      dots.replaceChildren();
      for (const se of spec.series) {
        if (!se.points.length) continue;
        const p = se.points[nearest(se.points, t)]!;
        if (!Number.isFinite(p.y) || (log && p.y <= 0)) continue;
        if (se.style === 'points' && Math.abs(sc.x(p.t) - x) > 6) continue; // only when the cursor is on it
        rows.push(`${se.label}: ${spec.formatValue(p.y)}${p.rounded ? ' (rounded)' : ''}`);
        dots.append(s('circle', { class: `cursor-dot series-${se.color % 8}`, cx: sc.x(p.t).toFixed(1), cy: sc.y(p.y).toFixed(1), r: 4 }));
      }
      replace(tooltip, h('strong', null, formatTime(t)), rows.map((r) => h('div', null, r)));
      tooltip.hidden = false;
      const left = Math.min(Math.max(0, x + 12), width - 240);
      tooltip.style.left = `${left}px`;
      tooltip.style.top = `${M.t}px`;
      if (announce) live.textContent = `${formatTime(t)}. ${rows.join('. ')}`;
    };
    const hide = () => {
      crosshair.setAttribute('visibility', 'hidden');
      dots.replaceChildren();
      tooltip.hidden = true;
    };
    svg.addEventListener('pointermove', (e) => {
      const box = svg.getBoundingClientRect();
      const t = sc.t0 + ((e.clientX - box.left - sc.left) / (width - sc.left - M.r)) * (sc.t1 - sc.t0);
      show(nearest(primary.points, t), false);
    });
    svg.addEventListener('pointerleave', hide);
    svg.addEventListener('blur', hide);
    svg.addEventListener('keydown', (e) => {
      const n = primary.points.length;
      const jump = Math.max(1, Math.round(n / 20));
      const next: Record<string, number> = { ArrowLeft: cursor - 1, ArrowRight: cursor < 0 ? n - 1 : cursor + 1, PageUp: cursor - jump, PageDown: cursor + jump, Home: 0, End: n - 1 };
      const key = e.key;
      if (!(key in next)) return;
      e.preventDefault();
      show(next[key]!, true);
    });
    replace(canvas, svg);
    if (cursor >= 0) show(cursor, false);
  };

  const observer = new ResizeObserver((entries) => {
    const w = Math.floor(entries[0]!.contentRect.width);
    if (w > 0 && w !== lastWidth) draw(w);
  });
  observer.observe(canvas);
  return figure;
}

/** The chart's data as a table (built when opened, so long series cost nothing until asked for). */
function dataTable(spec: ChartSpec): HTMLElement {
  const details = h('details', { class: 'chart-data' }, h('summary', null, 'Show the data as a table'));
  details.addEventListener('toggle', () => {
    if (!details.open || details.querySelector('table')) return;
    const times = [...new Set(spec.series.flatMap((se) => se.points.map((p) => p.t)))].sort((a, b) => a - b);
    const shown = times.slice(-500);
    const lookup = spec.series.map((se) => new Map(se.points.map((p) => [p.t, p])));
    append(
      details,
      times.length > shown.length ? h('p', { class: 'muted' }, `The latest ${shown.length} of ${times.length} points; use the export for all of them.`) : null,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'data' },
          h('caption', { class: 'visually-hidden' }, spec.label),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Time (UTC)'), spec.series.map((se) => h('th', { scope: 'col', class: 'num' }, se.label)))),
          h(
            'tbody',
            null,
            [...shown].reverse().map((t) =>
              h(
                'tr',
                null,
                h('td', null, formatTime(t, true)),
                lookup.map((m) => {
                  const p = m.get(t);
                  return h('td', { class: 'num' }, p && Number.isFinite(p.y) ? `${spec.formatValue(p.y)}${p.rounded ? ' ≈' : ''}` : '—');
                }),
              ),
            ),
          ),
        ),
      ),
    );
  });
  return details;
}
