/// <reference lib="dom" />
/**
 * DOM building without HTML strings: every text goes in through text nodes (textContent), never innerHTML, so a tag
 * name, an event note or a failure message can never become markup. Attributes are set with setAttribute; links to
 * data-supplied URLs go through `safeHref`.
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((e: Event) => void)>;

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el: Element, attrs: Attrs | null | undefined, children: Child[]): void {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, ...children);
}

/** Append children: strings and numbers become text nodes. */
export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, ...c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs, children);
  return el;
}

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs, children);
  return el;
}

/** Replace all children of an element. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A URL from data (provenance, capture links) as a link target only when it is http(s); otherwise null. */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

let idCounter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * A selector that finds the focused control again after `container` is re-rendered (radio by name and value, sort
 * button, link by target, labelled button), or null when focus is elsewhere. Keyboard users keep their place.
 */
export function focusSelector(container: Element): string | null {
  const el = document.activeElement;
  if (!el || el === container || !container.contains(el)) return null;
  const attr = (name: string) => `[${name}="${CSS.escape(el.getAttribute(name) ?? '')}"]`;
  if (el.hasAttribute('data-sort')) return attr('data-sort');
  if (el instanceof HTMLInputElement && el.name) return `input[name="${CSS.escape(el.name)}"][value="${CSS.escape(el.value)}"]`;
  if (el instanceof HTMLAnchorElement) return `a${attr('href')}`;
  if (el.hasAttribute('aria-label')) return attr('aria-label');
  return null;
}

/** Focus the element `selector` names inside `container` (no-op for null or when it is gone). */
export function restoreFocus(container: Element, selector: string | null): void {
  if (selector) container.querySelector<HTMLElement>(selector)?.focus();
}
