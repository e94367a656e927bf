/**
 * One identity, one preference, two implementations: the DEFAULT expressions of observations_v2 and the rollups'
 * rank (src/store/identity.ts) against their TypeScript twins (src/schema/identity.ts), on every combination of
 * method, time precision, precision and slot/observed_at, evaluated by chDB itself through a real insert.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { T } from '../../../src/store/migrations.ts';
import { SOURCE_RANK_SQL } from '../../../src/store/identity.ts';
import { seriesQuery, seriesRangeQuery } from '../../../src/store/queries.ts';
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

  it('a range read by identity (series_range) gives the same rows as the FINAL range read (series)', async () => {
    const tag = 'rangecheck';
    const base = Date.parse('2030-06-01T00:00:00.000Z');
    const iso = (ms: number) => new Date(ms).toISOString();
    const rows: Observation[] = [];
    // Live samples every 10 min, read 1–90 s late; an import and a Wayback capture in between.
    for (let i = 0; i < 300; i++) rows.push(obs({ tag, slot: iso(base + i * 600_000), observedAt: iso(base + i * 600_000 + 1000 + (i % 90) * 1000), value: String(1000 + i) }));
    rows.push(obs({ tag, method: 'import', source: 'import', provenance: 'x.csv', slot: iso(base + 5 * 600_000 + 1000 + 5000), observedAt: iso(base + 5 * 600_000 + 1000 + 5000), value: '7' }));
    rows.push(obs({ tag, method: 'wayback', source: 'wayback:x', slot: iso(base + 42 * 600_000), observedAt: iso(base + 42 * 600_000), value: '1041' }));
    await store.insertObservations(rows);
    // A re-fetch of slot 20 read much later: the same identity, a newer version outside the range that held the old one.
    await store.insertObservations([obs({ tag, slot: iso(base + 20 * 600_000), observedAt: iso(base + 200 * 600_000 + 123), value: '5000' })]);
    const ranges: [number, number][] = [
      [base, base + 30 * 600_000],
      [base + 19 * 600_000, base + 21 * 600_000],
      [base + 199 * 600_000, base + 201 * 600_000],
      [base + 5 * 600_000 + 6000, base + 5 * 600_000 + 6000],
      [base - 1, base + 400 * 600_000],
    ];
    for (const [from, to] of ranges) {
      const params = { platform: 'tiktok', tag, metric: 'views', from: iso(from), to: iso(to) };
      const a = await store.run(seriesQuery, params);
      expect(await store.run(seriesRangeQuery, params), `${params.from}..${params.to}`).toEqual(a);
    }
    const slot20 = await store.run(seriesRangeQuery, { platform: 'tiktok', tag, metric: 'views', from: iso(base + 19 * 600_000), to: iso(base + 21 * 600_000) });
    // Slot 19 was read inside the range; slot 20's latest read (the re-fetch) is outside it, so its old version is not
    // shown either (one row per slot, the latest); slot 21 was read 22 s after its slot, past the range's end.
    expect(slot20.map((r) => r.slot)).toEqual([iso(base + 19 * 600_000)]);
  });
});
