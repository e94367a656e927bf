/// <reference lib="dom" />
/** Small accessible building blocks shared by the views: labelled controls, badges, counts, states, sparklines. */
import { h, s, uid, type Child } from './dom.ts';
import { formatCount, type Precision } from './format.ts';
import { setParams } from './state.ts';

export const METRICS = ['views', 'posts'] as const;
export const METRIC_OPTIONS = METRICS.map((m) => ({ value: m, label: m === 'views' ? 'Views' : 'Posts' }));

/** A radio group shown as a segmented control (a fieldset with a legend: one accessible name for the group). */
export function segmented<T extends string>(legend: string, name: string, options: readonly { value: T; label: string }[], value: T | null, onChange: (v: T) => void): HTMLElement {
  return h(
    'fieldset',
    { class: 'segmented' },
    h('legend', null, legend),
    options.map((o) => {
      const id = uid(name);
      const input = h('input', { type: 'radio', name, id, value: o.value, checked: o.value === value, onchange: () => onChange(o.value) });
      return h('span', { class: 'segment' }, input, h('label', { for: id }, o.label));
    }),
  );
}

/**
 * A segmented control bound to a URL parameter: a choice is pushed to the history (the default is left out of the
 * URL), `also` sets or clears related parameters, and the view re-renders from the URL.
 */
export function paramControl<T extends string>(legend: string, name: string, options: readonly { value: T; label: string }[], value: T | null, fallback: T, rerender: () => void, also: Record<string, string | null> = {}): HTMLElement {
  return segmented(legend, name, options, value, (v) => {
    setParams({ [name]: v === fallback ? null : v, ...also }, 'push');
    rerender();
  });
}

/** A labelled select. */
export function select<T extends string>(label: string, options: readonly { value: T; label: string }[], value: T, onChange: (v: T) => void): HTMLElement {
  const id = uid('select');
  const el = h('select', { id, onchange: () => onChange(el.value as T) }, options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  return h('span', { class: 'field' }, h('label', { for: id }, label), el);
}

/** A labelled input. */
export function field(label: string, input: HTMLInputElement, hint?: string): HTMLElement {
  input.id ||= uid('input');
  const hintEl = hint ? h('span', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('span', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl);
}

export function badge(text: string, kind: 'breakout' | 'warn' | 'error' | 'muted' | 'provisional' | 'ok', title?: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}`, ...(title ? { title } : {}) }, text);
}

export function breakoutBadge(): HTMLElement {
  return badge('Breakout', 'breakout', 'z ≥ 3.5 against the 14-day baseline, 24 h velocity up ≥ 50 % and a change beyond rounding');
}

/** A count with its precision marked: exact counts in full, rounded ones as "≈ 16.4B" with the interval in the title. */
export function count(value: string | null | undefined, precision: Precision, step: string): HTMLElement {
  if (!value) return h('span', { class: 'muted', title: 'no reading' }, '—');
  const f = formatCount(value, precision, step);
  return h('span', { class: `count count-${precision}`, title: f.title }, f.text);
}

export function loading(text = 'Loading…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, text);
}

export function errorBox(e: unknown): HTMLElement {
  const msg = e instanceof Error ? e.message : String(e);
  return h('div', { class: 'notice notice-error', role: 'alert' }, h('strong', null, 'Could not load this view. '), msg);
}

export function notice(...children: Child[]): HTMLElement {
  return h('div', { class: 'notice' }, ...children);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = uid('section');
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** A key figure: label, value, and an optional line under it. */
export function stat(label: string, value: Child, sub?: Child): HTMLElement {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), sub ? h('div', { class: 'stat-sub' }, sub) : null);
}

/** A tiny trend line over regularly spaced values (null = no data); decorative: the numbers are in the row. */
export function sparkline(values: (number | null)[], label: string): Element {
  const w = 96;
  const hgt = 28;
  const known = values.filter((v): v is number => v !== null);
  if (known.length < 2) return h('span', { class: 'muted spark-empty', title: 'not enough data in the last 7 days' }, '—');
  const [v0, v1] = [Math.min(...known), Math.max(...known)];
  const x = (i: number) => (i / Math.max(1, values.length - 1)) * (w - 4) + 2;
  const y = (v: number) => (v1 > v0 ? hgt - 3 - ((v - v0) / (v1 - v0)) * (hgt - 6) : hgt / 2);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) pen = false;
    else {
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
  });
  return s('svg', { class: 'sparkline', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': label }, s('path', { d }));
}

/** A captioned data table; `numeric` lists the right-aligned columns. With no rows it says so in one line. */
export function simpleTable(caption: string, cols: string[], rows: (string | Node)[][], opts: { numeric?: number[]; empty?: string } = {}): HTMLElement {
  const numeric = opts.numeric ?? [];
  if (!rows.length) return h('p', { class: 'muted' }, `${caption}: ${opts.empty ?? 'none.'}`);
  const cls = (i: number) => (numeric.includes(i) ? 'num' : '');
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'data compact' },
      h('caption', null, caption),
      h('thead', null, h('tr', null, cols.map((c, i) => h('th', { scope: 'col', class: cls(i) }, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => h('td', { class: cls(i) }, c))))),
    ),
  );
}
