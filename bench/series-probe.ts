/**
 * Probe of figures 7g (single-tag series) and 7d (compare, 5 tags) outside `npm run bench`: each read over HTTP from an
 * in-process server against its plain SQL baseline through the same client, rounds interleaved, medians of wall and
 * process CPU time (the machine is shared: CPU time and paired ratios say more than wall time). `series` also times the
 * route as it was before series_json (rows parsed, checked and written out again, mounted here at /probe/old-series);
 * `parts` breaks the series answer down (store read, JSON text, the HTTP round trip of a body of the same size);
 * `cparts` breaks compare down and times compareTags against the code before chosen_many and reading_columns
 * (readings_many + toPoints).
 * Used for issue 15's series/compare work; figure 7 itself is bench/lib/read-path-run.ts (same tags, same baselines).
 *
 *   node bin/run-ts.js bench/series-probe.ts STORE_DIR [rounds=40] [what=series,compare,parts,cparts]
 */
import http from 'node:http';
import { loadConfig } from '../src/config/config.ts';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { startApiServer } from '../src/api/server.ts';
import { mountAll } from '../src/api/mount-all.ts';
import { T } from '../src/store/migrations.ts';
import { seriesQuery } from '../src/store/queries.ts';
import { loadSeries, loadSeriesJson } from '../src/services/series.ts';
import { readStoreMeta } from './lib/read-store.ts';
import { median } from './lib/context.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: series-probe.ts STORE_DIR [rounds] [what]');
const rounds = Number(process.argv[3] ?? 40);
const what = new Set((process.argv[4] ?? 'series,compare,parts').split(','));
const meta = readStoreMeta(dir);
if (!meta) throw new Error(`${dir}: no meta.json`);
const store = await openClickHouseStore({ dataDir: dir });
await store.migrate();
const cfg = loadConfig({ env: {}, cwd: dir, flags: { dataDir: dir, logLevel: 'silent' } });
const server = await startApiServer({
  store,
  host: '127.0.0.1',
  port: 0,
  mount: (router) => {
    mountAll(router, { store, cfg });
    // the series route as it was before series_json (rows parsed, checked and written out again), for a paired comparison
    router.add('GET', '/probe/old-series/:platform/:tag', async (ctx) => {
      const key = { platform: ctx.params.platform!, tag: ctx.params.tag!, metric: 'views' };
      return { json: { ...key, points: await loadSeries(store, key) } };
    });
  },
});
const tag = (i: number) => `${meta.tagPrefix}${i}`;
const oneTag = tag(Math.floor(meta.tags / 2) + 7);
const fiveTags = [1, 2, 3, 4, 5].map((k) => tag(Math.floor((k * meta.tags) / 7)));

type Op = () => Promise<unknown>;
async function get(path: string): Promise<string> {
  const res = await fetch(`${server.url}${path}`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 300)}`);
  return body;
}
async function sql(query: string, params: Record<string, unknown>): Promise<unknown[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSON', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  return ((await rs.json()) as { data: unknown[] }).data;
}

// a plain HTTP server that sends a fixed body: the transport alone
let fixed = '';
const plain = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(fixed);
});
await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;

const seriesSql = `SELECT observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision
FROM ${T.observations} FINAL WHERE platform = {platform:String} AND tag = {tag:String} AND metric = 'views' ORDER BY observed_at`;
const compareSql = `SELECT tag, observed_at, value, precision, step, source FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = 'views' ORDER BY tag, observed_at`;

const ops: Record<string, Op> = {};
if (what.has('series')) {
  ops['series http'] = () => get(`/api/tags/${meta.platform}/${oneTag}/series?metric=views`);
  ops['series base'] = () => sql(seriesSql, { platform: meta.platform, tag: oneTag });
  ops['series http (old route)'] = () => get(`/probe/old-series/${meta.platform}/${oneTag}`);
}
if (what.has('compare')) {
  ops['compare http'] = () => get(`/api/compare?tags=${fiveTags.join(',')}&metric=views`);
  ops['compare base'] = () => sql(compareSql, { platform: meta.platform, tags: fiveTags });
}
if (what.has('parts')) {
  const key = { platform: meta.platform, tag: oneTag, metric: 'views' };
  const rows = await store.run(seriesQuery, key);
  const payload = { ...key, points: rows };
  fixed = JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  process.stderr.write(`series body ${fixed.length} chars, ${rows.length} rows\n`);
  ops['series store.run'] = () => store.run(seriesQuery, key);
  ops['series loadSeriesJson'] = () => loadSeriesJson(store, key);
  ops['series stringify+replacer'] = async () => JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  ops['series stringify'] = async () => JSON.stringify(payload);
  ops['plain http same body'] = async () => {
    const res = await fetch(plainUrl);
    return res.text();
  };
}

if (what.has('cparts')) {
  const { loadReadingsMany, toPoints } = await import('../src/services/series.ts');
  const { compareSeries } = await import('../src/analytics/compare.ts');
  const { compareTags } = await import('../src/services/compare.ts');
  const key = { platform: meta.platform, metric: 'views', tags: fiveTags };
  const byTag = await loadReadingsMany(store, key);
  const pts = fiveTags.map((t) => ({ key: t, points: toPoints(byTag.get(t)!) }));
  ops['compare loadReadingsMany'] = () => loadReadingsMany(store, key);
  ops['compare toPoints x5'] = async () => fiveTags.map((t) => toPoints(byTag.get(t)!));
  ops['compareSeries'] = async () => compareSeries(pts, { scale: 'linear', stepMs: 86_400_000, maxRows: 20_001 });
  ops['compareTags'] = () => compareTags(store, { tags: fiveTags.join(','), metric: 'views' });
  // the transport alone: a plain Node server sending the compare answer's bytes (set when `parts` did not set a body)
  if (!fixed) fixed = await get(`/api/compare?tags=${fiveTags.join(',')}&metric=views`);
  ops['plain http compare body'] = async () => {
    const res = await fetch(plainUrl);
    return res.text();
  };
  // compareTags before chosen_many and reading_columns (readings_many + toPoints), for a paired comparison
  ops['compareTags (old)'] = async () => {
    const m = await loadReadingsMany(store, key);
    const series = fiveTags.map((t) => {
      const rows = m.get(t)!;
      return { tag: t, observations: rows.length, first: rows[0]?.observed_at ?? null, last: rows[rows.length - 1]?.observed_at ?? null, exactShare: rows.length ? rows.filter((r) => r.precision === 'exact').length / rows.length : null };
    });
    return { series, r: compareSeries(fiveTags.map((t) => ({ key: t, points: toPoints(m.get(t)!) })), { scale: 'linear', stepMs: 86_400_000, maxRows: 20_001 }) };
  };
  const { loadChosenMany } = await import('../src/services/series.ts');
  ops['compare loadChosenMany'] = () => loadChosenMany(store, key);
  const chosen = await loadChosenMany(store, key);
  for (const t of fiveTags) {
    const a = chosen.get(t)!;
    const rows = byTag.get(t)!;
    const same = JSON.stringify(a.points, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(toPoints(rows), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) && a.observations === rows.length && a.exactRows === rows.filter((r) => r.precision === 'exact').length;
    process.stderr.write(`${t}: chosen = toPoints: ${same}\n`);
  }
  ops['compare base'] = () => sql(compareSql, { platform: meta.platform, tags: fiveTags });
}
const names = Object.keys(ops);
const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) await ops[n]!();
for (let i = 0; i < rounds; i++) {
  for (const n of names) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await ops[n]!();
    wall[n]!.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu[n]!.push((c.user + c.system) / 1000);
  }
}
for (const n of names) process.stdout.write(`${n.padEnd(28)} wall ${median(wall[n]!).toFixed(2).padStart(7)} ms  cpu ${median(cpu[n]!).toFixed(2).padStart(7)} ms\n`);
for (const [a, b] of [['series http', 'series base'], ['series http (old route)', 'series base'], ['compare http', 'compare base'], ['compareTags', 'compare base'], ['compareTags (old)', 'compare base']]) {
  if (wall[a!] && wall[b!]) process.stdout.write(`ratio ${a}/${b}: wall ${(median(wall[a!]!) / median(wall[b!]!)).toFixed(2)}, cpu ${(median(cpu[a!]!) / median(cpu[b!]!)).toFixed(2)}\n`);
}
plain.close();
await server.close();
await store.close();
process.exit(0);
