/** Loading one tag's series from the store, as analytics input. */
import type { Store } from '../store/store.ts';
import { seriesQuery, MIN_TIME, MAX_TIME, type ObservationRow } from '../store/queries.ts';
import type { SeriesPoint } from '../analytics/types.ts';

export interface SeriesKey {
  platform: string;
  tag: string;
  metric: string;
}

export async function loadSeries(store: Store, key: SeriesKey, range: { from?: string; to?: string } = {}): Promise<ObservationRow[]> {
  return store.run(seriesQuery, { ...key, from: range.from ?? MIN_TIME, to: range.to ?? MAX_TIME });
}

export function toPoints(rows: ObservationRow[]): SeriesPoint[] {
  return rows.map((r) => ({ t: Date.parse(r.observed_at), value: BigInt(r.value), precision: r.precision, step: BigInt(r.step), source: r.source }));
}
