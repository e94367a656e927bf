import type { Observation } from '../../src/schema/observation.ts';

export function obs(partial: Partial<Observation> & { tag: string; observedAt: string; value: string }): Observation {
  return {
    platform: 'tiktok',
    metric: 'views',
    exact: true,
    step: '0',
    precision: 'exact',
    source: 'tiktok.api.statsV2',
    method: 'http',
    collectorVersion: 'test',
    slot: partial.observedAt,
    fetchedAt: partial.observedAt,
    provenance: '',
    note: '',
    timePrecision: 'instant',
    ...partial,
  };
}
