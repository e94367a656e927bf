/**
 * Soak test, run by hand: the whole pipeline (scheduler → collect → load → chDB) on a private Redis against the local
 * TikTok-shaped server (in its own process) for a long time, sampling memory and event-loop lag, to show whether
 * anything grows without bound.
 *
 *   node bin/run-ts.js bench/soak.ts [--duration-s 1800] [--tags 100] [--every 10s] [--sample-s 10]
 *
 * `--tags` tags are tracked at `--every`, so the real job schedulers produce the load (100 tags every 10 s = 10
 * samples/s, 20 observations/s). Every `--sample-s` seconds it records RSS, V8 heap, event-loop delay (p50/p99/max of
 * perf_hooks.monitorEventLoopDelay since the last sample), Redis used_memory and key count, queue depths and stored
 * rows. At the end it reports growth (median of the last fifth against the first fifth, after a one-minute warm-up
 * excluded) and writes bench/results/<date>-soak.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { App } from '../src/runtime/app.ts';
import { addTracked } from '../src/services/tracking.ts';
import { parseEvery } from '../src/schema/tracked.ts';
import { queueDepths } from '../src/services/status.ts';
import { connectionFor } from '../src/queue/redis.ts';
import { defineQuery } from '../src/store/query.ts';
import { T } from '../src/store/migrations.ts';
import { openBenchContext, startFakeTikTokProcess, median, fmt } from './lib/context.ts';
import { environment } from './lib/result.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : (process.argv[i + 1] ?? def);
};
const durationS = Number(arg('duration-s', '1800'));
const tagCount = Number(arg('tags', '100'));
const every = arg('every', '10s');
const sampleS = Number(arg('sample-s', '10'));
const WARMUP_S = Math.min(60, durationS / 5);
const MB = 1024 * 1024;
/** Event-loop sampling period; the histogram holds period + delay, so the period is subtracted. */
const LAG_RESOLUTION_MS = 10;

const storedRowsQuery = defineQuery({
  name: 'soak_stored_rows',
  params: z.object({ platform: z.string() }),
  row: z.object({ rows: z.coerce.number() }),
  sql: `SELECT count() AS rows FROM ${T.observations} WHERE platform = {platform:String}`,
});

interface Sample {
  atS: number;
  rssMb: number;
  heapMb: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  redisMb: number;
  redisKeys: number;
  /** Waiting and active jobs (delayed ones are mostly the schedulers' next planned samples). */
  backlog: number;
  delayed: number;
  failed: number;
  storedRows: number;
}

const ctx = await openBenchContext();
const fake = await startFakeTikTokProcess();
const cfg = ctx.config({ tiktokBaseUrl: fake.url, rateLimitMax: 1_000_000, rateLimitDurationMs: 1000, collectConcurrency: 8 });
const app = await new App({ cfg, command: 'soak', roles: { scheduler: true, collect: true, load: true, api: false }, platforms: ['tiktok'], store: ctx.store, redis: ctx.redis, naming: { prefix: 'soak', suffix: randomUUID().slice(0, 8) }, resyncMs: 15_000 }).start();
await addTracked(ctx.store, { tags: Array.from({ length: tagCount }, (_, i) => `soak_${i}`), platform: 'tiktok', every });
await app.resync();

const redis = connectionFor(ctx.redis, 'producer');
const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
const lagMs = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
lag.enable();
const samples: Sample[] = [];
const started = Date.now();
process.stderr.write(`soak: ${tagCount} tags every ${every} for ${durationS} s, sampling every ${sampleS} s\n`);
while (Date.now() - started < durationS * 1000) {
  await new Promise((r) => setTimeout(r, sampleS * 1000));
  const info = await redis.info('memory');
  const depths = await queueDepths([...app.queues.values(), app.loadQueue!]);
  const [stored] = await ctx.store.run(storedRowsQuery, { platform: 'tiktok' });
  const s: Sample = {
    atS: Math.round((Date.now() - started) / 1000),
    rssMb: process.memoryUsage().rss / MB,
    heapMb: process.memoryUsage().heapUsed / MB,
    lagP50Ms: lagMs(lag.percentile(50)),
    lagP99Ms: lagMs(lag.percentile(99)),
    lagMaxMs: lagMs(lag.max),
    redisMb: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / MB,
    redisKeys: await redis.dbsize(),
    backlog: depths.reduce((a, d) => a + d.waiting + d.active, 0),
    delayed: depths.reduce((a, d) => a + d.delayed, 0),
    failed: depths.reduce((a, d) => a + d.failed, 0),
    storedRows: stored?.rows ?? 0,
  };
  lag.reset();
  samples.push(s);
  process.stderr.write(`soak +${s.atS}s rss ${fmt(s.rssMb)} MB heap ${fmt(s.heapMb)} MB lag p99 ${fmt(s.lagP99Ms, 1)} ms redis ${fmt(s.redisMb, 1)} MB/${s.redisKeys} keys backlog ${s.backlog} stored ${s.storedRows}\n`);
}
lag.disable();
redis.disconnect();
await app.stop();
await fake.close();
await ctx.close();

/** Median of the last fifth against the first fifth of the samples after the warm-up. */
const growth = (pick: (s: Sample) => number) => {
  const steady = samples.filter((s) => s.atS > WARMUP_S);
  const fifth = Math.max(1, Math.floor(steady.length / 5));
  const first = median(steady.slice(0, fifth).map(pick));
  const last = median(steady.slice(-fifth).map(pick));
  return { first, last, pct: first ? ((last - first) / first) * 100 : Number.NaN };
};
const rss = growth((s) => s.rssMb);
const heap = growth((s) => s.heapMb);
const redisMem = growth((s) => s.redisMb);
const end = samples[samples.length - 1];
// A scheduler's first sample is due at once, then one per cadence.
const expectedRows = (Math.floor((durationS * 1000) / parseEvery(every)) + 1) * tagCount * 2;
const date = new Date(started).toISOString().slice(0, 10);
const report = [
  `# tagpulse soak test, ${date}`,
  '',
  `Ran \`node bin/run-ts.js bench/soak.ts --duration-s ${durationS} --tags ${tagCount} --every ${every} --sample-s ${sampleS}\`: ${tagCount} tracked tags sampled every ${every} through the real job schedulers, collect and load workers and the embedded store, on a private Redis (AOF everysec, noeviction), against the local TikTok-shaped server in its own process.`,
  '',
  ...Object.entries(environment()).map(([k, v]) => `- ${k}: ${v}`),
  '',
  '| Measure | After warm-up (first fifth) | End (last fifth) | Growth |',
  '|---|---|---|---|',
  `| Process RSS | ${fmt(rss.first)} MB | ${fmt(rss.last)} MB | ${fmt(rss.pct, 1)} % |`,
  `| V8 heap used | ${fmt(heap.first)} MB | ${fmt(heap.last)} MB | ${fmt(heap.pct, 1)} % |`,
  `| Redis used_memory | ${fmt(redisMem.first, 1)} MB | ${fmt(redisMem.last, 1)} MB | ${fmt(redisMem.pct, 1)} % |`,
  '',
  `- Event-loop delay: p99 per interval median ${fmt(median(samples.map((s) => s.lagP99Ms)), 1)} ms, worst ${fmt(Math.max(...samples.map((s) => s.lagP99Ms)), 1)} ms; max single delay ${fmt(Math.max(...samples.map((s) => s.lagMaxMs)), 1)} ms.`,
  `- Stored ${fmt(end?.storedRows ?? 0)} observations (about ${fmt(expectedRows)} expected from the cadence); backlog (waiting + active) at the end ${end?.backlog ?? 'n/a'} jobs, delayed ${end?.delayed ?? 'n/a'} (the schedulers' next samples), failed jobs ${end?.failed ?? 'n/a'}; Redis keys ${samples[0]?.redisKeys ?? 'n/a'} → ${end?.redisKeys ?? 'n/a'}.`,
  `- Warm-up excluded from growth: the first ${Math.round(WARMUP_S)} s.`,
  '',
  '<details><summary>Samples</summary>',
  '',
  '| t (s) | RSS MB | heap MB | lag p50/p99/max ms | Redis MB | keys | backlog | delayed | failed | stored rows |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...samples.map((s) => `| ${s.atS} | ${fmt(s.rssMb)} | ${fmt(s.heapMb)} | ${fmt(s.lagP50Ms, 1)}/${fmt(s.lagP99Ms, 1)}/${fmt(s.lagMaxMs, 1)} | ${fmt(s.redisMb, 1)} | ${s.redisKeys} | ${s.backlog} | ${s.delayed} | ${s.failed} | ${s.storedRows} |`),
  '',
  '</details>',
].join('\n');
const dir = new URL('./results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const file = `${dir}${date}-soak-${durationS}s.md`;
writeFileSync(file, report + '\n');
process.stdout.write(`${report}\nwritten to ${file}\n`);
