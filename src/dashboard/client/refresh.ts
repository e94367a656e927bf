/// <reference lib="dom" />
/**
 * Periodic refresh of the current view as a setTimeout chain (issue 15): the next refresh is scheduled only after the
 * previous one has finished, so a slow server never gets a second request while the first is unanswered (setInterval
 * stacked them up). Skipped while the tab is hidden; stopped when another view renders.
 */

interface Chain {
  stopped: boolean;
  timer: number | undefined;
}

let chains: Chain[] = [];

export interface Refresher {
  /** Start the wait again from now (after a load the user asked for, which is as fresh as a refresh). */
  postpone(): void;
}

/** Run `fn` `ms` after the previous run settled (resolved or failed), for as long as the view is shown. */
export function refreshEvery(ms: number, fn: () => Promise<unknown> | void): Refresher {
  const chain: Chain = { stopped: false, timer: undefined };
  chains.push(chain);
  const schedule = () => {
    if (chain.stopped) return;
    window.clearTimeout(chain.timer);
    chain.timer = window.setTimeout(tick, ms);
  };
  const tick = async () => {
    chain.timer = undefined;
    try {
      if (document.visibilityState === 'visible') await fn();
    } catch {
      // the view shows its own errors; the chain goes on
    } finally {
      schedule();
    }
  };
  schedule();
  return { postpone: () => (chain.timer !== undefined ? schedule() : undefined) };
}

export function stopRefreshes(): void {
  for (const c of chains) {
    c.stopped = true;
    window.clearTimeout(c.timer);
  }
  chains = [];
}
