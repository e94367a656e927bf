/**
 * Time and identity of an observation, as two things.
 *
 *  - observedAt: when the value held — the fetch time of a live sample, or the source's own time (a Research API day,
 *    a Wayback capture, the time written in an imported file).
 *  - identity: (platform, tag, metric, keyAt, origin).
 *      keyAt  = the scheduled slot of a live sample (method http, browser or api, time precision instant), so a
 *               re-delivered or re-fetched job of one slot has its one row whenever it ran (the loader keeps the
 *               slot's first stored reading, so raw FINAL and the rollups agree: workers/load.ts); observedAt for every
 *               other row (imports, captures and Research API day rows are identified by their own time).
 *      origin = where the row came from: 'collect' (http, browser, api), 'wayback', 'import' or 'manual'. Two
 *               origins never replace each other: an import never overwrites a collected reading, nor the other way
 *               round. One import may replace an earlier import at the same instant — the importer refuses that
 *               unless --replace names it (src/services/import.ts).
 *
 * The store computes the same identity in SQL (src/store/identity.ts, DEFAULT expressions of observations_v2);
 * tests/unit/core/identity.test.ts proves the two agree. When two rows give a value for the same instant, the
 * preference below picks the one an analysis uses (and the conflict is reported, never merged silently).
 */
import type { Observation } from './observation.ts';
import { canonicalInstant } from '../util/time.ts';

/** Methods of live, scheduled samples: their time is the fetch time and their identity the slot. */
export const LIVE_METHODS = ['http', 'browser', 'api'] as const;

const isLive = (method: string) => (LIVE_METHODS as readonly string[]).includes(method);

type IdentityFields = Pick<Observation, 'method' | 'provenance' | 'slot' | 'observedAt' | 'timePrecision'>;

export function originOf(o: Pick<Observation, 'method'>): string {
  return isLive(o.method) ? 'collect' : o.method;
}

export function keyAtOf(o: Pick<IdentityFields, 'method' | 'slot' | 'observedAt' | 'timePrecision'>): string {
  return isLive(o.method) && (o.timePrecision ?? 'instant') === 'instant' ? o.slot : o.observedAt;
}

export function identityOf(o: Observation): { platform: string; tag: string; metric: string; keyAt: string; origin: string } {
  return { platform: o.platform, tag: o.tag, metric: o.metric, keyAt: canonicalInstant(keyAtOf(o)), origin: originOf(o) };
}

/**
 * Preference among values for one instant (higher wins): an exact count read by tagpulse (live or from an archived
 * capture) over an exact count from an import, over a rounded display figure (collected over imported), over a lower
 * bound. The store's rollups use the same rank (SOURCE_RANK_SQL).
 */
export function sourceRank(o: { precision: string; method: string }): number {
  const collected = o.method !== 'import' && o.method !== 'manual';
  if (o.precision === 'exact') return collected ? 4 : 3;
  if (o.precision === 'rounded') return collected ? 2 : 1;
  return 0;
}
