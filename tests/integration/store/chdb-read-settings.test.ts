/**
 * On chDB, every named read and export sends its read settings itself, and no log_comment (issue 15, figures 7g–7j).
 * The chDB connection runs each `clickhouse_settings` entry as a `SET …;` statement before the query (~0.2–0.3 ms
 * each); chDB has no query log, so log_comment bought nothing there. The settings that make UInt64 exact are not left to
 * the session: a SET lasts for the chDB session and anyone holding the client can change it (a test of the Grafana
 * panels sets output_format_json_quote_64bit_integers = 0 for a query of its own). A read after that still gets every
 * UInt64 exact, in rows and in columns, and an export too.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { reportInputQuery, seriesQuery, seriesAllJsonQuery, MIN_TIME, MAX_TIME } from '../../../src/store/queries.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const MAX_U64 = '18446744073709551615';
const ABOVE_2_53 = '9007199254740993';

describe('chDB: each read sends its read settings, no log_comment; UInt64 exact whatever the session holds', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  const sent: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    await store.insertObservations([obs({ tag: 'big', observedAt: '2025-01-01T00:00:00.000Z', value: ABOVE_2_53 }), obs({ tag: 'big', observedAt: '2025-01-01T01:00:00.000Z', value: MAX_U64 })]);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('a read after the session was set to unquoted 64-bit integers is still exact (rows, columns, export)', async () => {
    const key = { platform: 'tiktok', tag: 'big', metric: 'views', from: MIN_TIME, to: MAX_TIME };
    for (let i = 0; i < 2; i++) {
      // someone else's query on the same client leaves the session with unquoted UInt64
      await (await store.client.query({ query: 'SELECT toUInt64(1) AS n', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json();
      expect((await store.run(seriesQuery, key)).map((r) => r.value)).toEqual([ABOVE_2_53, MAX_U64]);
      await store.client.command({ query: 'SET output_format_json_quote_64bit_integers = 0' });
      const [c] = await store.run(reportInputQuery, { platform: 'tiktok', tag: 'big', metric: 'views' });
      expect(c!.value).toEqual([ABOVE_2_53, MAX_U64]);
      await store.client.command({ query: 'SET output_format_json_quote_64bit_integers = 0' });
      expect((await store.exportBytes(seriesAllJsonQuery, key, 'JSONEachRow')).toString('utf8')).toContain(`"value":"${MAX_U64}"`);
    }
  });

  it('every read and export carries the read settings and no log_comment', async () => {
    const query = store.client.query.bind(store.client);
    const exec = store.client.exec.bind(store.client);
    (store.client as { query: typeof query }).query = ((p: Parameters<typeof query>[0]) => {
      sent.push({ ...(p.clickhouse_settings ?? {}) });
      return query(p);
    }) as typeof query;
    (store.client as { exec: typeof exec }).exec = ((p: Parameters<typeof exec>[0]) => {
      sent.push({ ...(p.clickhouse_settings ?? {}) });
      return exec(p);
    }) as typeof exec;
    const key = { platform: 'tiktok', tag: 'big', metric: 'views', from: MIN_TIME, to: MAX_TIME };
    await store.run(seriesQuery, key);
    await store.run(reportInputQuery, { platform: 'tiktok', tag: 'big', metric: 'views' });
    await store.exportBytes(seriesAllJsonQuery, key, 'JSONEachRow');
    expect(sent).toHaveLength(3);
    for (const s of sent) {
      expect(s.output_format_json_quote_64bit_integers).toBe(1);
      expect('log_comment' in s).toBe(false);
    }
    expect(sent[1]!.output_format_json_pretty_print).toBe(0);
  });
});
