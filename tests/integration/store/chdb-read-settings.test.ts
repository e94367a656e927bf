/**
 * On chDB, named reads send their settings once per session (issue 15, figures 7g–7j): the chDB connection runs each
 * `clickhouse_settings` entry as a `SET …;` statement before the query, ~0.2–0.3 ms each, and a SET lasts for the
 * session. The first read sends them; the later ones send none, and still read UInt64 exactly (quoted) in every form
 * (JSONCompact rows, JSONColumnsWithMetadata columns), after inserts, exports and commands in between.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { reportInputQuery, seriesQuery, seriesAllJsonQuery, MIN_TIME, MAX_TIME } from '../../../src/store/queries.ts';
import { exportObservations } from '../../../src/services/export.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const MAX_U64 = '18446744073709551615';
const ABOVE_2_53 = '9007199254740993';

describe('chDB: read settings once per session, UInt64 exact on every read', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  const sent: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    const query = store.client.query.bind(store.client);
    (store.client as { query: typeof query }).query = ((p: Parameters<typeof query>[0]) => {
      sent.push({ ...(p.clickhouse_settings ?? {}) });
      return query(p);
    }) as typeof query;
    const exec = store.client.exec.bind(store.client);
    (store.client as { exec: typeof exec }).exec = ((p: Parameters<typeof exec>[0]) => {
      sent.push({ ...(p.clickhouse_settings ?? {}) });
      return exec(p);
    }) as typeof exec;
    await store.migrate();
    await store.insertObservations([obs({ tag: 'big', observedAt: '2025-01-01T00:00:00.000Z', value: ABOVE_2_53 }), obs({ tag: 'big', observedAt: '2025-01-01T01:00:00.000Z', value: MAX_U64 })]);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('the first named read sets the settings, the later ones send none, and every read is exact', async () => {
    const key = { platform: 'tiktok', tag: 'big', metric: 'views', from: MIN_TIME, to: MAX_TIME };
    sent.length = 0;
    for (let i = 0; i < 3; i++) {
      expect((await store.run(seriesQuery, key)).map((r) => r.value)).toEqual([ABOVE_2_53, MAX_U64]);
      const [c] = await store.run(reportInputQuery, { platform: 'tiktok', tag: 'big', metric: 'views' });
      expect(c!.value).toEqual([ABOVE_2_53, MAX_U64]);
      // other work in between: an insert, an export, a command
      await store.insertObservations([obs({ tag: `other${i}`, observedAt: '2025-01-01T00:00:00.000Z', value: MAX_U64 })]);
      expect((await store.exportBytes(seriesAllJsonQuery, key, 'JSONEachRow')).toString('utf8')).toContain(`"value":"${MAX_U64}"`);
      await store.client.command({ query: 'SELECT 1' });
    }
    // a Parquet export after them (its settings set by the first read: output_format_parquet_string_as_string)
    const parquet = await exportObservations(store, { platform: 'tiktok', tags: 'big', format: 'parquet' });
    expect(parquet.rows).toBe(2);
    // the reads of run() and exportBytes: 9; only the first carries settings
    const runs = sent;
    expect(runs.length).toBeGreaterThanOrEqual(10);
    const withSettings = runs.filter((s) => Object.keys(s).length > 0);
    expect(withSettings.length).toBeLessThanOrEqual(1);
    expect(runs.every((s) => !('log_comment' in s))).toBe(true);
  });
});
