/// <reference lib="dom" />
/**
 * View state lives in the query string, so every view is a shareable deep link: reading a parameter, changing some
 * (replace for small tweaks such as typing a filter, push for a new view such as another range), and re-rendering
 * when the user goes back or forward.
 */

export function param(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

/** A parameter constrained to a set of values; anything else falls back to the default. */
export function choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const v = param(name);
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** Update parameters (null or '' removes one); the token, if any, stays. */
export function setParams(patch: Record<string, string | null | undefined>, mode: 'push' | 'replace' = 'replace'): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  const url = `${location.pathname}${s ? `?${s}` : ''}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (mode === 'push') history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** Re-render on back/forward. */
export function onNavigate(render: () => void): void {
  window.addEventListener('popstate', render);
}
