/**
 * Sizing figure for docs/scaling.md: disk per stored observation (raw table and rollups, compressed, after merges)
 * for a week of hourly samples of many tags, inserted through the store like the loader does. Prints a Markdown table.
 *
 *   node bin/run-ts.js tests/integration/scale/measure-storage.ts [tags=1000] [hours=168]
 */
import { openClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { T } from '../../../src/store/migrations.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const TAGS = Number(process.argv[2] ?? 1000);
const HOURS = Number(process.argv[3] ?? 168);
const BATCH = 5000;

const dir = tempDir('tp-storage-');
const store = await openClickHouseStore({ dataDir: dir.dir });
try {
  await store.migrate();
  const start = Date.UTC(2031, 0, 1);
  // Irregular like real counters: random growth per hour, fetch times a few seconds after the slot.
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const views = Array.from({ length: TAGS }, () => Math.floor(random() * 50_000_000_000));
  let batch: Observation[] = [];
  let rows = 0;
  const insertStarted = performance.now();
  for (let h = 0; h < HOURS; h++) {
    for (let t = 0; t < TAGS; t++) {
      const tag = `tag${t}`;
      const observedAt = new Date(start + h * 3_600_000).toISOString();
      const fetchedAt = new Date(start + h * 3_600_000 + Math.floor(random() * 30_000)).toISOString();
      views[t] = views[t]! + Math.floor(random() * random() * 2_000_000);
      const common = { tag, observedAt, fetchedAt, source: 'tiktok.rehydration.statsV2', collectorVersion: 'tiktok-http/1.0.0', provenance: `https://www.tiktok.com/tag/${tag}?lang=en` };
      batch.push(obs({ ...common, metric: 'views', value: String(views[t]) }), obs({ ...common, metric: 'posts', value: String(Math.floor(views[t]! / (2000 + random() * 1000))) }));
      if (batch.length >= BATCH) {
        rows += await store.insertObservations(batch);
        batch = [];
      }
    }
  }
  if (batch.length) rows += await store.insertObservations(batch);
  const insertS = (performance.now() - insertStarted) / 1000;
  for (const table of [T.observations, T.hourly, T.daily]) await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  const rs = await store.client.query({
    query: `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed
            FROM system.parts WHERE active AND database = currentDatabase() AND table IN ({tables:Array(String)}) GROUP BY table ORDER BY table`,
    query_params: { tables: [T.observations, T.hourly, T.daily] },
    format: 'JSONEachRow',
  });
  const parts = (await rs.json()) as { table: string; rows: string; compressed: string; uncompressed: string }[];
  console.log(`${rows} observations (${TAGS} tags × 2 metrics × ${HOURS} hourly samples), inserted in batches of ${BATCH} in ${insertS.toFixed(1)} s (${(rows / insertS).toFixed(0)} rows/s, embedded chDB).`);
  console.log('| table | rows | compressed | bytes per observation | compression |');
  console.log('|---|---|---|---|---|');
  for (const p of parts) {
    const c = Number(p.compressed);
    console.log(`| ${p.table} | ${p.rows} | ${(c / 1024 / 1024).toFixed(2)} MiB | ${(c / rows).toFixed(2)} | ${(Number(p.uncompressed) / c).toFixed(1)}× |`);
  }
} finally {
  await store.close();
  dir.cleanup();
}
