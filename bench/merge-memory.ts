/**
 * A diagnostic for benchmark 5b (not a figure): where a bare insert's peak RSS goes as the rows grow. It opens a fresh
 * embedded chDB store, creates the schema, optionally runs statements (say `ALTER TABLE … MODIFY SETTING …`), and
 * inserts the benchmark's import rows (bench/lib/import.ts `row`: 1,000 tags, views and posts, hourly) generated inside
 * chDB (`INSERT … SELECT … FROM numbers()`, 5,000 rows per insert, the real table and its views), so only ClickHouse's
 * work is measured and a 2M run is faster than bench/bare-insert.ts. While it runs it samples `system.merges`; at the
 * end it prints the process's peak RSS, its thread count and each table's largest merge (chDB's tracked memory, MiB).
 * Hand-written because no tool reads chDB's in-process tables; compare two settings by running both at 200k and 2M.
 *
 *   node bin/run-ts.js bench/merge-memory.ts <rows> ['<sql>;<sql>…']
 * Server settings (background pools, caches) go through CHDB_ENGINE_ARGS='--name=value …': a chDB Session opened with
 * them just before the store's own connection starts the engine, which that connection then joins.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { T } from '../src/store/migrations.ts';

const [rowsArg, sqls] = process.argv.slice(2);
const rows = Number(rowsArg);
if (!Number.isInteger(rows) || rows < 1) throw new Error("usage: merge-memory <rows> ['<sql>;<sql>…']");
const BLOCK_ROWS = 5000;
const dir = mkdtempSync(join(tmpdir(), 'tagpulse-merge-memory-'));
let engine: { close(): void } | undefined;
if (process.env.CHDB_ENGINE_ARGS) {
  const { Session } = await import('chdb');
  mkdirSync(join(dir, 'chdb'), { recursive: true });
  engine = new Session(join(dir, 'chdb'), { connectionArgs: process.env.CHDB_ENGINE_ARGS.split(/\s+/).filter(Boolean) });
}
const store = await openClickHouseStore({ dataDir: dir });
await store.migrate();
for (const q of (sqls ?? '').split(';').filter((x) => x.trim())) await store.client.command({ query: q });

const status = () => {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { hwmMiB: Math.round(kib('VmHWM') / 1024), threads: kib('Threads') };
};
const maxMergeMiB: Record<string, number> = {};
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    const r = await store.client.query({ query: 'SELECT table, memory_usage FROM system.merges', format: 'JSONEachRow' });
    for (const m of (await r.json()) as { table: string; memory_usage: string }[]) {
      maxMergeMiB[m.table] = Math.max(maxMergeMiB[m.table] ?? 0, Math.round(Number(m.memory_usage) / 2 ** 20));
    }
    await new Promise((res) => setTimeout(res, 200));
  }
})();
const t0 = performance.now();
for (let i = 0; i < rows; i += BLOCK_ROWS) {
  // the same rows as bench/lib/import.ts row(i, 'big_'), built by chDB
  await store.client.command({
    query: `INSERT INTO ${T.observations} (platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision)
SELECT 'tiktok', concat('big_', toString(intDiv(number, 2) % 1000)), if(number % 2 = 1, 'posts', 'views'),
  toDateTime64('2029-01-01 00:00:00', 3, 'UTC') + toIntervalHour(intDiv(number, 2000)) AS at, 1000003 + number * 7, true, 0,
  'exact', 'import', 'import', 'bench', at, now64(3), 'bench.csv', '', 'instant'
FROM numbers(${i}, ${Math.min(BLOCK_ROWS, rows - i)})`,
    clickhouse_settings: { insert_deduplication_token: `merge-memory-${i}` },
  });
}
const seconds = (performance.now() - t0) / 1000;
await new Promise((res) => setTimeout(res, 3000)); // merges started by the last inserts
sampling = false;
await sampler;
const end = status();
process.stdout.write(`rows=${rows} seconds=${seconds.toFixed(0)} peakRssMiB=${end.hwmMiB} threads=${end.threads} maxMergeMiB=${JSON.stringify(maxMergeMiB)}\n`);
await store.close();
engine?.close();
rmSync(dir, { recursive: true, force: true });
