/**
 * The rollups' invariant, as one check shared by the tests of every write path (loader, import, import --replace,
 * recovery after a kill): for every bucket of the given tags, the hourly and daily rollups give exactly what the
 * view's own SELECT gives over observations_v2 FINAL — last/first value and step, last/first time, max, min. A rollup
 * that still holds a reading raw FINAL dropped (a replaced or duplicated key) fails it.
 */
import { expect } from 'vitest';
import type { ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { OBSERVATION_VIEWS, T } from '../../src/store/migrations.ts';
import { viewSelectFrom } from '../../src/store/ddl.ts';

export interface BucketRow {
  platform: string;
  metric: string;
  tag: string;
  b: string;
  lv: string;
  fv: string;
  ls: string;
  fs: string;
  la: string;
  fa: string;
  mx: string;
  mn: string;
}

async function rows(store: ClickHouseStore, query: string, tags: readonly string[]): Promise<BucketRow[]> {
  const r = await store.client.query({ query, query_params: { tags }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  return (await r.json()) as BucketRow[];
}

/** A rollup's merged buckets for the tags, and the same buckets computed from raw FINAL by the view's own SELECT. */
export async function rollupVsRaw(store: ClickHouseStore, table: string, tags: readonly string[]): Promise<{ stored: BucketRow[]; fromRaw: BucketRow[] }> {
  const view = OBSERVATION_VIEWS.find((v) => v.to === table);
  if (!view) throw new Error(`no view feeds ${table}`);
  const where = 'tag IN ({tags:Array(String)})';
  const cols = `platform, metric, tag, toString(toDateTime(bucket, 'UTC')) AS b`;
  const stored = await rows(
    store,
    `SELECT ${cols}, toString(argMaxMerge(last_value)) AS lv, toString(argMinMerge(first_value)) AS fv,
      toString(argMaxMerge(last_step)) AS ls, toString(argMinMerge(first_step)) AS fs, toString(max(last_at)) AS la, toString(min(first_at)) AS fa,
      toString(max(max_value)) AS mx, toString(min(min_value)) AS mn
    FROM ${table} WHERE ${where} GROUP BY platform, metric, tag, bucket ORDER BY platform, metric, tag, b`,
    tags,
  );
  const select = viewSelectFrom(view, `(SELECT * FROM ${T.observations} FINAL WHERE ${where})`);
  const fromRaw = await rows(
    store,
    `SELECT ${cols}, toString(finalizeAggregation(last_value)) AS lv, toString(finalizeAggregation(first_value)) AS fv,
      toString(finalizeAggregation(last_step)) AS ls, toString(finalizeAggregation(first_step)) AS fs, toString(last_at) AS la, toString(first_at) AS fa,
      toString(max_value) AS mx, toString(min_value) AS mn
    FROM (${select}) ORDER BY platform, metric, tag, b`,
    tags,
  );
  return { stored, fromRaw };
}

/** Both rollups hold buckets for the tags and every one equals what raw FINAL gives. */
export async function expectRollupsMatchRaw(store: ClickHouseStore, tags: readonly string[]): Promise<void> {
  for (const table of [T.hourly, T.daily]) {
    const { stored, fromRaw } = await rollupVsRaw(store, table, tags);
    expect(fromRaw.length, table).toBeGreaterThan(0);
    expect(stored, table).toEqual(fromRaw);
  }
}

/** The buckets where a rollup and raw FINAL disagree (for a test that shows the defect before the repair). */
export async function rollupMismatches(store: ClickHouseStore, tags: readonly string[]): Promise<number> {
  let n = 0;
  for (const table of [T.hourly, T.daily]) {
    const { stored, fromRaw } = await rollupVsRaw(store, table, tags);
    const want = new Map(fromRaw.map((r) => [`${r.platform}|${r.metric}|${r.tag}|${r.b}`, JSON.stringify(r)]));
    const have = new Map(stored.map((r) => [`${r.platform}|${r.metric}|${r.tag}|${r.b}`, JSON.stringify(r)]));
    for (const k of new Set([...want.keys(), ...have.keys()])) if (want.get(k) !== have.get(k)) n++;
  }
  return n;
}
