/**
 * Probe of figure 7d outside `npm run bench`: `/api/compare` for figure 7's five tags over HTTP from an in-process
 * server vs their rows by one FINAL `tag IN (…)` query through the same client (the figure's baseline), rounds
 * alternating, medians of wall and CPU time. With `--profile`, the compare rounds also run under the V8 profiler and
 * the time per function is printed (self ms over all rounds).
 *
 *   node bin/run-ts.js bench/compare-probe.ts <store dir: a generated store, e.g. bench/.data/read-store-g1-10000t-30-60d> [rounds=40] [--profile]
 */
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config/config.ts';
import { openClickHouseStore } from '../src/store/clickhouse-store.ts';
import { startApiServer } from '../src/api/server.ts';
import { mountAll } from '../src/api/mount-all.ts';
import { T } from '../src/store/migrations.ts';
import { readStoreMeta } from './lib/read-store.ts';
import { median } from './lib/context.ts';

const dir = process.argv[2];
const rounds = Number(process.argv[3] ?? 40);
const profile = process.argv.includes('--profile');
const meta = dir ? readStoreMeta(dir) : null;
if (!dir || !meta) throw new Error('usage: node bin/run-ts.js bench/compare-probe.ts <generated store dir> [rounds] [--profile]');
const store = await openClickHouseStore({ dataDir: dir });
await store.migrate();
const cfg = loadConfig({ env: {}, cwd: dir, flags: { dataDir: dir, logLevel: 'silent' } });
const server = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router) => mountAll(router, { store, cfg }) });
const tag = (i: number) => `${meta.tagPrefix}${i}`;
const fiveTags = [1, 2, 3, 4, 5].map((k) => tag(Math.floor((k * meta.tags) / 7))); // as figure 7d picks them
const sql = `SELECT tag, observed_at, value, precision, step, source FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = 'views' ORDER BY tag, observed_at`;
const timed = async (f: () => Promise<unknown>) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
};
const compare = async () => {
  const res = await fetch(`${server.url}/api/compare?tags=${fiveTags.join(',')}&metric=views`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`compare: ${res.status} ${body.slice(0, 300)}`);
};
const base = async () => {
  const rs = await store.client.query({ query: sql, query_params: { platform: meta.platform, tags: fiveTags }, format: 'JSON', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  await rs.json();
};
const self = new Map<string, number>();
const session = new Session();
try {
  for (let i = 0; i < 3; i++) {
    await compare();
    await base();
  }
  if (profile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
  }
  const a: { ms: number; cpuMs: number }[] = [];
  const b: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    if (profile) await session.post('Profiler.start');
    a.push(await timed(compare));
    if (profile) {
      const { profile: p } = await session.post('Profiler.stop');
      collect(p as unknown as Profile);
    }
    b.push(await timed(base));
  }
  const m = (xs: { ms: number; cpuMs: number }[], k: 'ms' | 'cpuMs') => +median(xs.map((x) => x[k])).toFixed(2);
  process.stdout.write(`${JSON.stringify({ tags: fiveTags, compareMs: m(a, 'ms'), baseMs: m(b, 'ms'), ratio: +(m(a, 'ms') / m(b, 'ms')).toFixed(3), compareCpuMs: m(a, 'cpuMs'), baseCpuMs: m(b, 'cpuMs') })}\n`);
  if (profile) for (const [k, v] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 40)) process.stdout.write(`${(v / rounds).toFixed(2).padStart(7)} ms/round  ${k}\n`);
} finally {
  session.disconnect();
  await server.close();
  await store.close();
}

interface Profile { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] }
function collect(p: Profile): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(src|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
}
