/**
 * One identity, one preference, two implementations: the DEFAULT expressions of observations_v2 and the rollups'
 * rank (src/store/identity.ts) against their TypeScript twins (src/schema/identity.ts), on every combination of
 * method, time precision, precision and slot/observed_at, evaluated by chDB itself through a real insert.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { T } from '../../../src/store/migrations.ts';
import { SOURCE_RANK_SQL } from '../../../src/store/identity.ts';
import { keyAtOf, originOf, sourceRank } from '../../../src/schema/identity.ts';
import { Method, type Observation } from '../../../src/schema/observation.ts';
import { fromChTime } from '../../../src/store/time.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('identity and source preference: SQL = TypeScript', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;
  beforeAll(async () => {
    dir = tempDir('tagpulse-identity-');
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('origin, key_at and rank agree on every combination', async () => {
    const rows: Observation[] = [];
    let i = 0;
    for (const method of Method.options) {
      for (const timePrecision of ['instant', 'day', 'month', 'year'] as const) {
        for (const precision of ['exact', 'rounded', 'lower_bound'] as const) {
          for (const provenance of ['', 'file.csv', 'https://example.org/a?b=1']) {
            const slot = new Date(Date.UTC(2030, 0, 1) + i * 60_000).toISOString();
            const observedAt = new Date(Date.parse(slot) + 1234).toISOString();
            rows.push(obs({ tag: `id${i++}`, observedAt, slot, value: '10', method, timePrecision, precision, exact: precision === 'exact', step: precision === 'rounded' ? '100' : '0', provenance }));
          }
        }
      }
    }
    await store.insertObservations(rows);
    const rs = await store.client.query({
      query: `SELECT tag, origin, key_at, ${SOURCE_RANK_SQL} AS rank FROM ${T.observations} WHERE platform = 'tiktok' AND startsWith(tag, 'id')`,
      format: 'JSONEachRow',
    });
    const got = new Map(((await rs.json()) as { tag: string; origin: string; key_at: string; rank: number }[]).map((r) => [r.tag, r]));
    expect(got.size).toBe(rows.length);
    for (const o of rows) {
      const r = got.get(o.tag)!;
      expect({ origin: r.origin, keyAt: fromChTime(r.key_at), rank: Number(r.rank) }, JSON.stringify(o)).toEqual({ origin: originOf(o), keyAt: keyAtOf(o), rank: sourceRank(o) });
    }
    // The combinations cover both identities.
    expect(new Set(rows.map((o) => keyAtOf(o) === o.slot))).toEqual(new Set([true, false]));
  });
});
