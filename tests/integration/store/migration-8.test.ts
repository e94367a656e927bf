/**
 * Migration 8 on a store filled by the OLD code: the v1 schema (migrations 1–7, recorded as the old code recorded
 * them) and rows written the way the old code wrote them — live samples stored at their slot (on time and late),
 * Research API day rows and query-time sums, Wayback captures, imports, and an import that had replaced a collected
 * reading. The migration must keep every row, change only the observed_at of late scheduled live samples (to their
 * fetch time), rebuild the rollups at the corrected times, run once, and be safe to run again after an interruption.
 * (Issue 10, "time and identity": the migration.)
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { migrations, T, T_V1 } from '../../../src/store/migrations.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import { toChTime, fromChTime } from '../../../src/store/time.ts';
import { tempDir } from '../../helpers/tmp.ts';

interface V1Row {
  platform: string;
  tag: string;
  metric: string;
  observed_at: string;
  value: string;
  exact: boolean;
  step: string;
  precision: string;
  source: string;
  method: string;
  collector_version: string;
  slot: string;
  fetched_at: string;
  provenance: string;
  note: string;
  time_precision: string;
}

const TAG = 'migrated';
const min = 60_000;
const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();

/** A row as the old collect worker / backfill / importer built it (observed_at = slot for scheduled samples). */
function v1(p: Partial<V1Row> & { observed_at: string; value: string }): V1Row {
  return {
    platform: 'tiktok',
    tag: TAG,
    metric: 'views',
    exact: true,
    step: '0',
    precision: 'exact',
    source: 'tiktok.api.statsV2',
    method: 'http',
    collector_version: 'tiktok-http/0.9',
    slot: p.observed_at,
    fetched_at: p.observed_at,
    provenance: 'https://www.tiktok.com/tag/migrated',
    note: '',
    time_precision: 'instant',
    ...p,
  };
}

/** Each row with the observed_at the migration must give it (undefined: unchanged). */
const CASES: { what: string; row: V1Row; correctedAt?: string }[] = [
  { what: 'http sample on time (fetch lagged 420 ms)', row: v1({ observed_at: '2026-03-01T10:00:00.000Z', fetched_at: '2026-03-01T10:00:00.420Z', value: '1000' }), correctedAt: '2026-03-01T10:00:00.420Z' },
  { what: 'http sample 8 min late (a retry), crossing an hour', row: v1({ observed_at: '2026-03-01T10:59:00.000Z', fetched_at: at('2026-03-01T10:59:00.000Z', 8 * min), value: '5000' }), correctedAt: at('2026-03-01T10:59:00.000Z', 8 * min) },
  { what: 'browser sample 77 s late (a restart)', row: v1({ observed_at: '2026-03-01T11:30:00.000Z', fetched_at: '2026-03-01T11:31:17.000Z', value: '6000', exact: false, step: '1000', precision: 'rounded', method: 'browser', source: 'tiktok.rehydration.stats' }), correctedAt: '2026-03-01T11:31:17.000Z' },
  { what: 'posts of the late sample', row: v1({ metric: 'posts', observed_at: '2026-03-01T10:59:00.000Z', fetched_at: at('2026-03-01T10:59:00.000Z', 8 * min), value: '70' }), correctedAt: at('2026-03-01T10:59:00.000Z', 8 * min) },
  { what: 'http sample fetched exactly at its slot', row: v1({ observed_at: '2026-03-01T12:00:00.000Z', value: '7000' }) },
  { what: 'http sample fetched before its slot (manual future slot)', row: v1({ observed_at: '2031-01-01T00:00:00.000Z', fetched_at: '2026-03-01T12:10:00.000Z', value: '7100' }) },
  {
    what: 'Research API day row (its own time)',
    row: v1({ metric: 'videos_created', observed_at: '2026-02-28T23:59:59.999Z', slot: '2026-03-01T06:00:00.000Z', fetched_at: '2026-03-01T06:00:03.000Z', value: '42', method: 'api', source: 'tiktok_research.video_query.create_time', time_precision: 'day', platform: 'tiktok_research' }),
  },
  {
    what: 'Research API day row whose day end equals its slot (time_precision day is never touched)',
    row: v1({ metric: 'videos_created', observed_at: '2026-02-27T23:59:59.999Z', slot: '2026-02-27T23:59:59.999Z', fetched_at: '2026-03-01T06:00:03.000Z', value: '40', method: 'api', source: 'tiktok_research.video_query.create_time', time_precision: 'day', platform: 'tiktok_research' }),
  },
  {
    what: 'Research API query-time sum (observed_at is the query time, not the slot)',
    row: v1({ metric: 'video_views_sum', observed_at: '2026-03-01T06:00:02.500Z', slot: '2026-03-01T06:00:00.000Z', fetched_at: '2026-03-01T06:00:03.000Z', value: '123456', method: 'api', source: 'tiktok_research.video_query.view_count_sum', platform: 'tiktok_research' }),
  },
  {
    what: 'Wayback capture (capture time; fetched years later)',
    row: v1({ observed_at: '2021-06-01T08:00:00.000Z', fetched_at: '2026-02-01T00:00:00.000Z', value: '300', method: 'wayback', source: 'wayback:tiktok.sigi.stats', collector_version: 'wayback/1', provenance: 'https://web.archive.org/web/20210601080000/https://www.tiktok.com/tag/migrated' }),
  },
  {
    what: 'imported row (its own time; imported later)',
    row: v1({ observed_at: '2025-01-01T00:00:00.000Z', fetched_at: '2026-02-02T00:00:00.000Z', value: '200', method: 'import', source: 'import', collector_version: 'import/1', provenance: 'series.csv' }),
  },
];

/** The old code's bug (issue 10, finding 2): an import written over a collected reading at the same observed_at. */
const COLLECTED = v1({ observed_at: '2026-03-01T13:00:00.000Z', fetched_at: '2026-03-01T13:00:00.000Z', value: '32699304169470' });
const IMPORT_OVER_IT = v1({ observed_at: '2026-03-01T13:00:00.000Z', fetched_at: '2026-03-02T00:00:00.000Z', value: '1', method: 'import', source: 'import', collector_version: 'import/1', provenance: 'over.csv' });

const COLUMNS = 'platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision';
const norm = (r: Record<string, unknown>): Record<string, unknown> => ({
  ...r,
  observed_at: fromChTime(String(r.observed_at)),
  slot: fromChTime(String(r.slot)),
  fetched_at: fromChTime(String(r.fetched_at)),
  ...(r.key_at !== undefined ? { key_at: fromChTime(String(r.key_at)) } : {}),
  exact: r.exact === true || r.exact === 1 || r.exact === 'true',
  value: String(r.value),
  step: String(r.step),
});

describe('migration 8 on a store filled by the old code', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;

  async function rows(sql: string): Promise<Record<string, unknown>[]> {
    const rs = await store.client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
    return (await rs.json()) as Record<string, unknown>[];
  }

  beforeAll(async () => {
    dir = tempDir('tagpulse-mig8-');
    store = await openClickHouseStore({ dataDir: dir.dir });
    // The old schema, exactly as the old code created and recorded it (migrations 1–7).
    for (const m of migrations.filter((x) => x.version <= 7)) {
      for (const sql of m.statements({ topology: 'embedded', cluster: '{cluster}' })) await store.client.command({ query: sql });
    }
    await store.client.insert({ table: 'schema_migrations_v1', values: migrations.filter((x) => x.version <= 7).map((m) => ({ version: m.version, name: m.name })), format: 'JSONEachRow' });
    // Unmerged, as a store that has not merged the import over the collected row yet.
    await store.client.command({ query: `SYSTEM STOP MERGES ${T_V1.observations}` });
    const write = async (rs: V1Row[]) =>
      store.client.insert({
        table: T_V1.observations,
        values: rs.map((r) => ({ ...r, observed_at: toChTime(r.observed_at), slot: toChTime(r.slot), fetched_at: toChTime(r.fetched_at) })),
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: '' },
      });
    await write(CASES.map((c) => c.row));
    await write([COLLECTED]);
    await write([IMPORT_OVER_IT]);
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('the old store shows the bug being fixed: the import replaced the collected reading', async () => {
    const [r] = await rows(`SELECT toString(value) AS value, method FROM ${T_V1.observations} FINAL WHERE observed_at = '2026-03-01 13:00:00.000'`);
    expect(r).toEqual({ value: '1', method: 'import' });
  });

  it('runs once, keeps every row, and changes only the observed_at of late scheduled live samples', async () => {
    // 8 and any later migration (other work uses other numbers) are applied now.
    expect((await store.migrate()).applied).toEqual(migrations.filter((m) => m.version > 7).map((m) => m.version));
    const before = (await rows(`SELECT ${COLUMNS} FROM ${T_V1.observations} WHERE tag = '${TAG}'`)).map(norm);
    const after = (await rows(`SELECT ${COLUMNS}, key_at, origin FROM ${T.observations} FINAL WHERE tag = '${TAG}'`)).map(norm);
    expect(before).toHaveLength(CASES.length + 2);
    expect(after).toHaveLength(before.length);

    // Match each old row to its new row by the identity the migration gives it: (platform, metric, old observed_at, origin).
    const originOf = (r: Record<string, unknown>) => (['http', 'browser', 'api'].includes(String(r.method)) ? 'collect' : String(r.method));
    const id = (r: Record<string, unknown>, t: unknown) => `${String(r.platform)}|${String(r.metric)}|${String(t)}|${originOf(r)}`;
    const byId = new Map(after.map((r) => [id(r, r.key_at), r]));
    for (const c of CASES) {
      const old = before.find((r) => r.platform === c.row.platform && r.metric === c.row.metric && r.observed_at === c.row.observed_at && r.method === c.row.method)!;
      const now = byId.get(id(old, old.observed_at));
      expect(now, c.what).toBeDefined();
      const { key_at, origin, ...rest } = now!;
      expect(key_at, c.what).toBe(c.row.observed_at);
      expect(origin, c.what).toBe(originOf(old));
      expect(rest, c.what).toEqual({ ...old, observed_at: c.correctedAt ?? c.row.observed_at });
    }
    // The collected reading the import had replaced is back as its own row, next to the import: a conflict, not a loss.
    const atConflict = after.filter((r) => r.key_at === COLLECTED.observed_at).map((r) => `${String(r.origin)}=${String(r.value)}`).sort();
    expect(atConflict).toEqual(['collect=32699304169470', 'import=1']);
    // observations_v1 is left as it was.
    expect((await rows(`SELECT count() AS c FROM ${T_V1.observations}`))[0]).toEqual({ c: String(CASES.length + 2) });
  });

  it('analytics read the corrected times, and the rollups were rebuilt at them', async () => {
    const series = await store.run(seriesQuery, { platform: 'tiktok', tag: TAG, metric: 'views' });
    const late = series.find((r) => r.value === '5000')!;
    expect(late.observed_at).toBe('2026-03-01T11:07:00.000Z');
    expect(late.slot).toBe('2026-03-01T10:59:00.000Z');
    const hourly = await rows(
      `SELECT toString(bucket) AS bucket, toString(argMinMerge(first_value)) AS first, toString(argMaxMerge(last_value)) AS last,
         toString(argMinMerge(first_step)) AS first_step, toString(argMaxMerge(last_step)) AS last_step
       FROM ${T.hourly} WHERE platform = 'tiktok' AND tag = '${TAG}' AND metric = 'views' AND bucket >= '2026-03-01 00:00:00' AND bucket < '2026-03-02 00:00:00'
       GROUP BY bucket ORDER BY bucket`,
    );
    // 10:00 holds only the on-time sample; the late one (slot 10:59, read 11:07) is in 11:00 with the 11:31 one; at 13:00
    // the collected exact reading is preferred over the import at the same instant. Each bin's steps are those of its
    // first and last readings (the 11:31 browser display figure is rounded to 1000).
    expect(hourly).toEqual([
      { bucket: '2026-03-01 10:00:00', first: '1000', last: '1000', first_step: '0', last_step: '0' },
      { bucket: '2026-03-01 11:00:00', first: '5000', last: '6000', first_step: '0', last_step: '1000' },
      { bucket: '2026-03-01 12:00:00', first: '7000', last: '7000', first_step: '0', last_step: '0' },
      { bucket: '2026-03-01 13:00:00', first: '32699304169470', last: '32699304169470', first_step: '0', last_step: '0' },
    ]);
  });

  it('is not run again once recorded, and an interrupted run (not recorded) re-runs without changing anything', async () => {
    const snapshot = async () => ({
      final: await rows(`SELECT ${COLUMNS}, key_at, origin FROM ${T.observations} FINAL ORDER BY platform, tag, metric, key_at, origin`),
      hourly: await rows(`SELECT platform, tag, metric, bucket, toString(argMaxMerge(last_value)) AS l, toString(argMinMerge(first_value)) AS f, toString(argMaxMerge(last_step)) AS ls, toString(argMinMerge(first_step)) AS fs, max(last_at) AS la, min(first_at) AS fa FROM ${T.hourly} GROUP BY platform, tag, metric, bucket ORDER BY platform, tag, metric, bucket`),
      daily: await rows(`SELECT platform, tag, metric, bucket, toString(argMaxMerge(last_value)) AS l, toString(argMinMerge(first_value)) AS f FROM ${T.daily} GROUP BY platform, tag, metric, bucket ORDER BY platform, tag, metric, bucket`),
    });
    const first = await snapshot();
    const rawBefore = await rows(`SELECT count() AS c FROM ${T.observations}`);

    expect((await store.migrate()).applied).toEqual([]);
    expect(await rows(`SELECT count() AS c FROM ${T.observations}`)).toEqual(rawBefore);
    expect(await snapshot()).toEqual(first);

    // Interrupted before the version was recorded: the data step runs again on the next open.
    await store.client.command({ query: `ALTER TABLE ${T.migrations} DELETE WHERE version = 8`, clickhouse_settings: { mutations_sync: '2' } });
    expect((await store.migrate()).applied).toEqual([8]);
    expect(await snapshot()).toEqual(first);
  });
});
