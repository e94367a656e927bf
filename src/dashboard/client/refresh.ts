/// <reference lib="dom" />
/** Periodic refresh of the current view, paused while the tab is hidden and stopped when another view renders. */

let timers: number[] = [];

export function refreshEvery(ms: number, fn: () => void): void {
  timers.push(
    window.setInterval(() => {
      if (document.visibilityState === 'visible') fn();
    }, ms),
  );
}

export function stopRefreshes(): void {
  for (const t of timers) window.clearInterval(t);
  timers = [];
}
