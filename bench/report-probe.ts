/**
 * Probe of figure 7h on a small store, outside `npm run bench` (figure 7 itself runs on the 10,000-tag store in
 * bench/lib/read-path-run.ts): `/api/tags/…/report` over HTTP from an in-process server vs the tag's rows by one FINAL
 * primary-key read through the same client, rounds alternating, medians. Used for issue 15's report work, where the
 * 10,000-tag store was another helper's; the ratio here is higher than figure 7h's because the small store's read is
 * faster while the report's computation is the same per row.
 *
 *   node bin/run-ts.js bench/report-probe.ts [tags=200] [rounds=25] [store dir: an existing generated store, e.g. the 10k one]
 *
 * Prints the warm ratio (the request repeated: the fits come from the report's memo) and the cold one (the memo emptied
 * before each call, as figure 7j), rounds interleaved.
 */
import { loadConfig } from '../src/config/config.ts';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { startApiServer } from '../src/api/server.ts';
import { mountAll } from '../src/api/mount-all.ts';
import { T } from '../src/store/migrations.ts';
import { benchDataBase, generateReadStore, readStoreDir, readStoreMeta } from './lib/read-store.ts';
import { reportFitMemo } from '../src/services/report.ts';
import { median } from './lib/context.ts';

const tags = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 25);
const given = process.argv[4];
const dir = given ?? readStoreDir(benchDataBase(), { tags, days: [30, 60] });
const meta = given ? readStoreMeta(given)! : await generateReadStore(dir, { tags, days: [30, 60] }, { log: (s) => process.stderr.write(`${s}\n`) });
const store = await openClickHouseStore({ dataDir: dir });
await store.migrate();
const cfg = loadConfig({ env: {}, cwd: dir, flags: { dataDir: dir, logLevel: 'silent' } });
const server = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router) => mountAll(router, { store, cfg }) });
const tag = `${meta.tagPrefix}${Math.floor(meta.tags / 2) + 7}`; // as figure 7 picks its tag
try {
  const cpu = { report: [] as number[], base: [] as number[], cold: [] as number[] };
  const cpuOf = async <T,>(key: keyof typeof cpu, f: () => Promise<T>): Promise<T> => {
    const c0 = process.cpuUsage();
    const out = await f();
    const c = process.cpuUsage(c0);
    cpu[key].push((c.user + c.system) / 1000);
    return out;
  };
  const report = async () => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/tags/${meta.platform}/${tag}/report?metric=views`);
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
  const c: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await cpuOf('report', report));
    b.push(await cpuOf('base', base));
    reportFitMemo.clear();
    c.push(await cpuOf('cold', report));
  }
  const r2 = (x: number) => +x.toFixed(2);
  process.stdout.write(`${JSON.stringify({ tag, rows, reportMs: r2(median(a)), coldMs: r2(median(c)), readMs: r2(median(b)), ratio: r2(median(a) / median(b)), coldRatio: r2(median(c) / median(b)), cpuMs: { report: r2(median(cpu.report)), cold: r2(median(cpu.cold)), base: r2(median(cpu.base)) }, cpuRatio: r2(median(cpu.report) / median(cpu.base)), cpuColdRatio: r2(median(cpu.cold) / median(cpu.base)), target: 1.5 })}\n`);
} finally {
  await server.close();
  await store.close();
}
