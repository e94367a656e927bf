/**
 * Probe of figures 7g (single-tag series) and 7d (compare, 5 tags) outside `npm run bench`: each read over HTTP from an
 * in-process server against its plain SQL baseline through the same client, rounds interleaved, medians of wall and
 * process CPU time, plus a breakdown of the series answer (store read, JSON text, the HTTP round trip of a body of the
 * same size). Used for issue 15's series/compare work; figure 7 itself is bench/lib/read-path-run.ts.
 *
 *   node bin/run-ts.js bench/series-probe.ts STORE_DIR [rounds=40] [what=series,compare,parts]
 */
import http from 'node:http';
import { loadConfig } from '../src/config/config.ts';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { startApiServer } from '../src/api/server.ts';
import { mountAll } from '../src/api/mount-all.ts';
import { T } from '../src/store/migrations.ts';
import { seriesQuery } from '../src/store/queries.ts';
import { loadSeries } from '../src/services/series.ts';
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
  ops['series stringify+replacer'] = async () => JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  ops['series stringify'] = async () => JSON.stringify(payload);
  ops['plain http same body'] = async () => {
    const res = await fetch(plainUrl);
    return res.text();
  };
}

if (what.has('proto')) {
  const iso = (c: string) => `concat(replaceOne(toString(${c}), ' ', 'T'), 'Z')`;
  const q = `SELECT ${iso('observed_at')} AS observed_at, toString(value) AS value, exact, toString(step) AS step, precision, source, method, collector_version, ${iso('slot')} AS slot, ${iso('fetched_at')} AS fetched_at, provenance, note, time_precision
FROM ${T.observations} FINAL WHERE platform = {platform:String} AND tag = {tag:String} AND metric = 'views' ORDER BY observed_at`;
  ops['series passthrough'] = async () => {
    const rs = await store.client.exec({ query: `${q}\nFORMAT JSONEachRow`, query_params: { platform: meta.platform, tag: oneTag }, clickhouse_settings: { output_format_json_array_of_rows: 1 } });
    const chunks: Buffer[] = [];
    for await (const c of rs.stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  };
  const buf = (await ops['series passthrough']!()) as Buffer;
  const parsed = JSON.parse(buf.toString('utf8')) as unknown[];
  const rows = await store.run(seriesQuery, { platform: meta.platform, tag: oneTag, metric: 'views' });
  process.stderr.write(`passthrough ${buf.length} bytes, equal: ${JSON.stringify(parsed) === JSON.stringify(rows)}\n${buf.subarray(0, 400).toString()}\n`);
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
if (what.has('cproto')) {
  const { SOURCE_RANK_SQL } = await import('../src/store/identity.ts');
  const key16 = `arrayMap(b -> multiIf(b >= 240, b - 2, b >= 238, b + 5, b), arrayMap(c -> reinterpretAsUInt8(c), splitByString('', concat(if(method = 'import', concat('import:', provenance), toString(method)), char(0), source))))`;
  const qA = `SELECT tag, sum(n) AS observations, sum(n_exact) AS exact_rows, arraySort(groupArray(tuple(t, v, s, p, src))) AS points
FROM (
  SELECT tag, toFloat64(toUnixTimestamp64Milli(observed_at)) AS t, count() AS n, countIf(precision = 'exact') AS n_exact,
    argMax(tuple(toString(value), toString(step), toString(precision), source), tuple(${SOURCE_RANK_SQL}, value, ${key16})) AS c,
    c.1 AS v, c.2 AS s, c.3 AS p, c.4 AS src
  FROM ${T.observations} FINAL
  WHERE platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = 'views'
  GROUP BY tag, observed_at
)
GROUP BY tag ORDER BY tag`;
  const qB = `SELECT tag, sum(n) AS observations, sum(n_exact) AS exact_rows, arraySort(groupArray(tuple(t, v, s, p, src))) AS points
FROM (
  SELECT tag, toFloat64(toUnixTimestamp64Milli(observed_at)) AS t, count() OVER w AS n, countIf(precision = 'exact') OVER w AS n_exact,
    toString(value) AS v, toString(step) AS s, toString(precision) AS p, source AS src
  FROM ${T.observations} FINAL
  WHERE platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = 'views'
  WINDOW w AS (PARTITION BY tag, observed_at)
  ORDER BY tag, observed_at, ${SOURCE_RANK_SQL} DESC, value DESC, ${key16} DESC
  LIMIT 1 BY tag, observed_at
)
GROUP BY tag ORDER BY tag`;
  const cq = async (q: string) => {
    const rs = await store.client.query({ query: q, query_params: { platform: meta.platform, tags: fiveTags }, format: 'JSONCompact', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
    return ((await rs.json()) as { data: unknown[] }).data;
  };
  const a = (await cq(qA)) as [string, string, string, unknown[]][];
  process.stderr.write(`qA rows ${a.length}: ${a.map((r) => `${r[0]} ${r[1]} ${r[2]} ${r[3].length} ${JSON.stringify(r[3][0])}`).join('; ')}\n`);
  const qC = qB.replace(`, \${key16} DESC`, '').replace(', ' + key16 + ' DESC', '');
  const qD = qB.replace('count() OVER w', '1').replace("countIf(precision = 'exact') OVER w", '1').replace('WINDOW w AS (PARTITION BY tag, observed_at)', '');
  process.stderr.write(`C differs: ${qC !== qB}, D differs: ${qD !== qB}\n`);
  ops['cproto C no key16'] = () => cq(qC);
  ops['cproto D no windows'] = () => cq(qD);
  ops['cproto B limit by'] = () => cq(qB);
  ops['compare base'] = () => sql(compareSql, { platform: meta.platform, tags: fiveTags });
  const { loadReadingsMany } = await import('../src/services/series.ts');
  ops['compare loadReadingsMany'] = () => loadReadingsMany(store, { platform: meta.platform, metric: 'views', tags: fiveTags });
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
for (const [a, b] of [['series http', 'series base'], ['series http (old route)', 'series base'], ['compare http', 'compare base']]) {
  if (wall[a!] && wall[b!]) process.stdout.write(`ratio ${a}/${b}: wall ${(median(wall[a!]!) / median(wall[b!]!)).toFixed(2)}, cpu ${(median(cpu[a!]!) / median(cpu[b!]!)).toFixed(2)}\n`);
}
plain.close();
await server.close();
await store.close();
process.exit(0);
