/**
 * Probe of figure 7h on a small store, outside `npm run bench` (figure 7 itself runs on the 10,000-tag store in
 * bench/lib/read-path-run.ts): `/api/tags/…/report` over HTTP from an in-process server vs the tag's rows by one FINAL
 * primary-key read through the same client, rounds alternating, medians. Used for issue 15's report work, where the
 * 10,000-tag store was another helper's; the ratio here is higher than figure 7h's because the small store's read is
 * faster while the report's computation is the same per row.
 *
 *   node bin/run-ts.js bench/report-probe.ts [tags=200] [rounds=25]
 */
import { loadConfig } from '../src/config/config.ts';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { startApiServer } from '../src/api/server.ts';
import { mountAll } from '../src/api/mount-all.ts';
import { T } from '../src/store/migrations.ts';
import { benchDataBase, generateReadStore, readStoreDir } from './lib/read-store.ts';
import { median } from './lib/context.ts';

const tags = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 25);
const dir = readStoreDir(benchDataBase(), { tags, days: [30, 60] });
const meta = await generateReadStore(dir, { tags, days: [30, 60] }, { log: (s) => process.stderr.write(`${s}\n`) });
const store = await openClickHouseStore({ dataDir: dir });
await store.migrate();
const cfg = loadConfig({ env: {}, cwd: dir, flags: { dataDir: dir, logLevel: 'silent' } });
const server = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router) => mountAll(router, { store, cfg }) });
const tag = `${meta.tagPrefix}${Math.floor(tags / 2) + 7}`; // as figure 7 picks its tag
try {
  const report = async () => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/tags/${meta.platform}/${tag}/report?metric=views&at=${encodeURIComponent(meta.endIso)}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`report: ${res.status} ${body.slice(0, 300)}`);
    return performance.now() - t0;
  };
  const sql = `SELECT observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision
FROM ${T.observations} FINAL WHERE platform = {platform:String} AND tag = {tag:String} AND metric = 'views' ORDER BY observed_at`;
  let rows = 0;
  const base = async () => {
    const t0 = performance.now();
    const rs = await store.client.query({ query: sql, query_params: { platform: meta.platform, tag }, format: 'JSON', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
    rows = ((await rs.json()) as { data: unknown[] }).data.length;
    return performance.now() - t0;
  };
  await report();
  await base();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await report());
    b.push(await base());
  }
  process.stdout.write(`${JSON.stringify({ tag, rows, reportMs: +median(a).toFixed(1), readMs: +median(b).toFixed(1), ratio: +(median(a) / median(b)).toFixed(2), target: 1.5 })}\n`);
} finally {
  await server.close();
  await store.close();
}
