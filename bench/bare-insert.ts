/**
 * The baseline of benchmark 5c: a bare process that opens chDB in a data dir, creates the schema and inserts the rows
 * of an import CSV (platform,tag,metric,observed_at,value,exact) in batches with @clickhouse/client — no validation,
 * no checks, lines split by hand. What any import of that file must at least pay in memory.
 *
 *   node bin/run-ts.js bench/bare-insert.ts <file.csv> <data-dir> <batch-size>
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { T } from '../src/store/migrations.ts';

const [file, dataDir, batch] = process.argv.slice(2);
if (!file || !dataDir) throw new Error('usage: bare-insert <file.csv> <data-dir> <batch-size>');
const batchSize = Number(batch ?? 5000);
const store = await openClickHouseStore({ dataDir });
await store.migrate();
const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
let rows: Record<string, unknown>[] = [];
let n = 0;
const flush = async () => {
  if (!rows.length) return;
  await store.client.insert({ table: T.observations, values: rows, format: 'JSONEachRow', clickhouse_settings: { async_insert: 0, insert_deduplication_token: '' } });
  n += rows.length;
  rows = [];
};
let header = true;
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  if (header || !line) {
    header = false;
    continue;
  }
  const [platform, tag, metric, observedAt, value] = line.split(',');
  const at = `${observedAt}.000`;
  rows.push({ platform, tag, metric, observed_at: at, value, exact: true, step: '0', precision: 'exact', source: 'import', method: 'import', collector_version: 'bench', slot: at, fetched_at: now, provenance: 'bench.csv', note: '', time_precision: 'instant' });
  if (rows.length >= batchSize) await flush();
}
await flush();
await store.close();
process.stdout.write(`inserted ${n} rows\n`);
