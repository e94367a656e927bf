/** Synthetic counter series with known rates, for analytics integration tests. */
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * Hourly exact samples of one tag from `fromMs` to `toMs` (inclusive), starting at `start` and growing at
 * rate(t) counts per hour over each hour (t = the start of the hour).
 */
export function hourlySeries(tag: string, o: { fromMs: number; toMs: number; start?: bigint; rate: (tMs: number) => number; metric?: string; platform?: string }): Observation[] {
  const out: Observation[] = [];
  let v = o.start ?? 1_000_000_000n;
  for (let t = o.fromMs; t <= o.toMs; t += HOUR) {
    if (t > o.fromMs) v += BigInt(o.rate(t - HOUR));
    out.push(obs({ tag, observedAt: new Date(t).toISOString(), value: v.toString(), ...(o.metric ? { metric: o.metric } : {}), ...(o.platform ? { platform: o.platform } : {}) }));
  }
  return out;
}

/** Insert in chunks (one insert per chunk, like the loader). */
export async function insertAll(store: { insertObservations(rows: Observation[]): Promise<number> }, rows: Observation[], chunk = 5000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) await store.insertObservations(rows.slice(i, i + chunk));
}
