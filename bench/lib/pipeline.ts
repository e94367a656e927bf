/**
 * Figure 1: end-to-end pipeline throughput against raw BullMQ on the same Redis.
 *
 *  - pipeline: collect jobs enqueued with addBulk → collect worker (TikTok HTTP collector against the local
 *    TikTok-shaped server, parse) → load queue (one load job per batch of outcomes, queue/load-buffer.ts) → loader
 *    (batched insert into chDB), until every observation is stored;
 *  - raw: the same number of no-op jobs through a bare BullMQ worker with the same concurrency.
 * Ratio = pipeline samples/s ÷ raw jobs/s. The raw run brackets the pipeline run (before and after) and is averaged.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { App } from '../../src/runtime/app.ts';
import { collectJobOptions } from '../../src/queue/queues.ts';
import { connectionFor } from '../../src/queue/redis.ts';
import { safeJobId } from '../../src/schema/jobs.ts';
import { until, fmt, startFakeTikTokProcess, withCpu, type BenchContext } from './context.ts';
import type { BenchResult } from './result.ts';

export interface PipelineBenchOptions {
  samples: number;
  warmup: number;
  concurrency: number;
  timeoutMs: number;
}

const JOB_OPTIONS = collectJobOptions({ attempts: 3, backoffMs: 200 });
const CHUNK = 500;

/** Seconds to push `n` no-op jobs through a bare worker. */
async function rawSeconds(ctx: BenchContext, n: number, concurrency: number, timeoutMs: number): Promise<number> {
  const name = `raw-${randomUUID().slice(0, 8)}`;
  const producer = connectionFor(ctx.redis, 'producer');
  const queue = new Queue(name, { connection: producer as unknown as ConnectionOptions, prefix: 'bench' });
  const consumer = connectionFor(ctx.redis, 'worker');
  let done = 0;
  const worker = new Worker(name, async () => undefined, { connection: consumer as unknown as ConnectionOptions, prefix: 'bench', concurrency, autorun: false });
  worker.on('completed', () => done++);
  try {
    const t0 = performance.now();
    void worker.run();
    for (let i = 0; i < n; i += CHUNK) await queue.addBulk(Array.from({ length: Math.min(CHUNK, n - i) }, (_, k) => ({ name: 'noop', data: { i: i + k }, opts: JOB_OPTIONS })));
    await until(() => done >= n, timeoutMs, `${n} raw jobs`);
    return (performance.now() - t0) / 1000;
  } finally {
    await worker.close();
    await queue.close();
    producer.disconnect();
    consumer.disconnect();
  }
}

export async function benchPipeline(ctx: BenchContext, o: PipelineBenchOptions): Promise<BenchResult> {
  const fake = await startFakeTikTokProcess();
  let stored = 0;
  /** The documented defaults (no overrides), named in the notes. */
  const defaults = ctx.config();
  const cfg = ctx.config({ tiktokBaseUrl: fake.url, collectConcurrency: o.concurrency, rateLimitMax: 1_000_000, rateLimitDurationMs: 1000 });
  const app = await new App({
    cfg,
    command: 'bench',
    roles: { scheduler: false, collect: true, load: true, api: false },
    platforms: ['tiktok'],
    store: ctx.store,
    redis: ctx.redis,
    naming: { prefix: 'bench', suffix: randomUUID().slice(0, 8) },
    onLoaded: (b) => void (stored += b.observations.length),
  }).start();
  const queue = app.queues.get('tiktok')!;
  const loadJobsSent = () => app.workers.reduce((a, w) => a + ((w as { loadBuffer?: { loadJobsSent: number } }).loadBuffer?.loadJobsSent ?? 0), 0);
  /** Seconds from the first enqueue until all `n` samples (two observations each) are stored. */
  const pipelineSeconds = async (n: number, batch: string) => {
    const target = stored + 2 * n;
    const t0 = performance.now();
    for (let i = 0; i < n; i += CHUNK) {
      await queue.addBulk(
        Array.from({ length: Math.min(CHUNK, n - i) }, (_, k) => {
          const tag = `bench_${batch}_${(i + k) % 100}`;
          const slot = new Date(Date.UTC(2030, 0, 1) + Math.floor((i + k) / 100) * 60_000).toISOString();
          return { name: 'collect', data: { platform: 'tiktok', tag, slot, reason: 'bench' }, opts: { ...JOB_OPTIONS, jobId: safeJobId('bench', tag, slot) } };
        }),
      );
    }
    await until(() => stored >= target, o.timeoutMs, `${n} samples stored`);
    return (performance.now() - t0) / 1000;
  };
  try {
    await rawSeconds(ctx, o.warmup, o.concurrency, o.timeoutMs);
    await pipelineSeconds(o.warmup, 'warmup');
    const pids = [ctx.redisPid, fake.pid];
    const rawBefore = await withCpu(pids, () => rawSeconds(ctx, o.samples, o.concurrency, o.timeoutMs));
    const loadJobsBefore = loadJobsSent();
    const pipeline = await withCpu(pids, () => pipelineSeconds(o.samples, 'measured'));
    const loadJobs = loadJobsSent() - loadJobsBefore;
    const rawAfter = await rawSeconds(ctx, o.samples, o.concurrency, o.timeoutMs);
    const raw = (rawBefore.result + rawAfter) / 2;
    const ratio = raw / pipeline.result;
    const perItem = (c: { self: number; others: number[] }) => `tagpulse process ${fmt(c.self / o.samples, 2)} ms, Redis ${fmt(c.others[0]! / o.samples, 2)} ms, TikTok-shaped server ${fmt(c.others[1]! / o.samples, 2)} ms`;
    return {
      id: '1',
      title: 'End-to-end pipeline throughput vs raw BullMQ no-op jobs (same Redis)',
      measured: `pipeline ${fmt(o.samples / pipeline.result)} samples/s (${fmt((2 * o.samples) / pipeline.result)} observations/s); raw ${fmt(o.samples / raw)} jobs/s`,
      ratio,
      ratioOf: 'pipeline ÷ raw',
      target: '≥ 0.5',
      met: ratio >= 0.5,
      notes: [
        `${fmt(o.samples)} samples after ${fmt(o.warmup)} warm-up ones, concurrency ${o.concurrency} on both sides, the local TikTok-shaped server in its own process, without added latency.`,
        `Each sample is one collect job, an HTTP fetch, a parse, and a share of a load job (the collect jobs running together send their outcomes as one: ${fmt(loadJobs)} load jobs for ${fmt(o.samples)} samples, ${fmt(o.samples / Math.max(1, loadJobs), 1)} samples each) and of a batched chDB insert; the raw side is one no-op job.`,
        `Settings: the config defaults except the rate limit and the concurrency. The per-platform rate limit stays on (BullMQ's limiter is consulted for every collect job, so its Redis work is paid) but is raised to 1,000,000 per second so it never waits: the default (${fmt(defaults.rateLimitMax)} per ${fmt(defaults.rateLimitDurationMs / 1000)} s) would measure the politeness limit, not the pipeline. Log level silent on both sides (at info, each sample also writes one log line).`,
        `Raw runs before and after the pipeline run: ${fmt(o.samples / rawBefore.result)} and ${fmt(o.samples / rawAfter)} jobs/s (averaged).`,
        `CPU per sample: ${perItem(pipeline.cpuMs)}. CPU per raw job: ${perItem(rawBefore.cpuMs)}. (The tagpulse process figure includes chDB's insert threads.)`,
      ],
    };
  } finally {
    await app.stop();
    await fake.close();
  }
}
