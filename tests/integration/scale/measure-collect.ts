/**
 * Sizing figures for docs/scaling.md: collect throughput and CPU cost per sample with 1..3 `tagpulse worker --queues
 * collect` processes and one owner (`tagpulse run --no-collect`, loader into the embedded store), all on one Redis,
 * against the local TikTok-shaped server with and without simulated network latency. No rate limit (it would be the
 * bottleneck by design). Prints a Markdown table.
 *
 *   node bin/run-ts.js tests/integration/scale/measure-collect.ts [jobsPerRun=300]
 */
import { cpus } from 'node:os';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { collectQueueName, openQueue } from '../../../src/queue/queues.ts';
import { connectionFor } from '../../../src/queue/redis.ts';
import { latestQuery } from '../../../src/store/queries.ts';
import { startTestRedis } from '../../helpers/redis.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { childEnv, ownerStore, spawnTagpulse, type TagpulseProcess } from './processes.ts';

const JOBS = Number(process.argv[2] ?? 300);
const CONCURRENCY = 4;
const RUNS = [
  { workers: 1, latencyMs: 0 },
  { workers: 2, latencyMs: 0 },
  { workers: 3, latencyMs: 0 },
  { workers: 1, latencyMs: 250 },
  { workers: 3, latencyMs: 250 },
];

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const redis = await startTestRedis();
const dir = tempDir('tp-measure-');
const base = { TAGPULSE_LOG_LEVEL: 'warn', TAGPULSE_RATE_LIMIT_MAX: '1000000', TAGPULSE_RATE_LIMIT_DURATION_MS: '1000', TAGPULSE_COLLECT_CONCURRENCY: String(CONCURRENCY), TAGPULSE_LOAD_FLUSH_MS: '200' };
const owner = spawnTagpulse('owner', ['run', '--no-collect', '--data-dir', join(dir.dir, 'owner'), '--port', '0', '--redis-url', redis.url], { env: childEnv(base), cwd: dir.dir });
const producer = connectionFor(redis.target, 'producer');
const queue = openQueue(collectQueueName('tiktok'), producer, { prefix: 'tagpulse' });
const rows: string[] = [];
try {
  const store = await ownerStore(owner, join(dir.dir, 'owner'), 60_000);
  for (const [i, run] of RUNS.entries()) {
    const fake = await startFakeTikTok({ latencyMs: run.latencyMs });
    const workers: TagpulseProcess[] = [];
    try {
      for (let w = 0; w < run.workers; w++) {
        const wd = join(dir.dir, `run${i}-w${w}`);
        mkdirSync(wd);
        workers.push(spawnTagpulse(`w${w}`, ['worker', '--queues', 'collect', '--data-dir', wd, '--redis-url', redis.url], { env: childEnv({ ...base, TAGPULSE_TIKTOK_BASE_URL: fake.url }), cwd: wd }));
      }
      await Promise.all(workers.map((w) => w.waitForOutput(/worker started/, 60_000)));
      await waitUntil(async () => (await queue.getWorkers()).length >= run.workers, { what: 'workers registered' });
      const tags = Array.from({ length: JOBS }, (_, j) => `m${i}t${j}`);
      const cpu0 = workers.map((w) => cpuSeconds(w.pid));
      const owner0 = cpuSeconds(owner.pid);
      const t0 = performance.now();
      await queue.addBulk(tags.map((tag) => ({ name: 'collect', data: { platform: 'tiktok', tag, slot: '2031-01-01T00:00:00.000Z', reason: 'bench' as const }, opts: { jobId: `m-${tag}`, removeOnComplete: true } })));
      await waitUntil(
        async () => {
          const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed');
          return c.wait! + c.prioritized! + c.active! + c.delayed! === 0;
        },
        { timeoutMs: 300_000, intervalMs: 50, what: 'queue drained' },
      );
      const collectS = (performance.now() - t0) / 1000;
      await waitUntil(async () => (await store.run(latestQuery, { platforms: tags.map(() => 'tiktok'), tags })).length === JOBS * 2, { timeoutMs: 120_000, intervalMs: 100, what: 'all stored' });
      const storedS = (performance.now() - t0) / 1000;
      const workerCpu = workers.reduce((a, w, k) => a + cpuSeconds(w.pid) - cpu0[k]!, 0);
      const ownerCpu = cpuSeconds(owner.pid) - owner0;
      rows.push(
        `| ${run.workers} | ${run.workers * CONCURRENCY} | ${run.latencyMs} | ${JOBS} | ${(JOBS / collectS).toFixed(0)} | ${(JOBS / storedS).toFixed(0)} | ${((workerCpu * 1000) / JOBS).toFixed(1)} | ${((ownerCpu * 1000) / JOBS).toFixed(1)} |`,
      );
      console.error(rows.at(-1));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await fake.close();
    }
  }
} finally {
  await queue.close();
  producer.disconnect();
  await owner.stop();
  await redis.cleanup();
  dir.cleanup();
}
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; Redis 7 (unix socket); embedded chDB.`);
console.log('| collect processes | concurrent fetches | server latency (ms) | jobs | collected/s | stored/s | collector CPU ms/sample | owner (loader) CPU ms/sample |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
