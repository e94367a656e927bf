/**
 * Collect step: one job = one (platform, tag, slot). Fetch and parse with the platform's collector, then hand the
 * observations (or the classified failure) to the load queue: the outcomes of the jobs running together go as one load
 * job (queue/load-buffer.ts), and each job completes only once that load job is in Redis. Never touches the store.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job, type Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { CollectJob } from '../schema/jobs.ts';
import { failurePolicy } from '../schema/failure.ts';
import type { Collector, CollectOutcome } from '../collectors/types.ts';
import { toFailure, toObservations } from '../collectors/outcomes.ts';
import { logger } from '../util/log.ts';
import { guardWorker, type WorkerGuardOptions } from '../queue/worker-guard.ts';
import { collectQueueName, qname, type QueueNaming } from '../queue/queues.ts';
import { LoadBuffer } from '../queue/load-buffer.ts';
import { CollectRetryableError } from './errors.ts';
import { saveEvidence, type EvidenceLimits } from '../services/raw-evidence.ts';

/**
 * The slot of a job: explicit in the payload, or the scheduler's planned time (deterministic across re-deliveries).
 * BullMQ names scheduler jobs `repeat:<schedulerId>:<plannedMillis>` and does not keep the planned time anywhere else;
 * `timestamp` is no substitute: every upsertJobScheduler (each resync) rewrites it on the waiting delayed job.
 */
export function slotOf(job: Pick<Job, 'id' | 'data' | 'timestamp'>): string {
  const explicit = (job.data as { slot?: string }).slot;
  if (explicit) return new Date(explicit).toISOString();
  const planned = /^repeat:.+:(\d+)$/.exec(job.id ?? '')?.[1];
  return new Date(planned ? Number(planned) : job.timestamp).toISOString();
}

export { toObservations };

export interface CollectWorkerOptions {
  platform: string;
  collector: Collector;
  connection: Redis;
  loadQueue: Queue;
  naming: QueueNaming;
  concurrency: number;
  limiter: { max: number; duration: number };
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Pause/backoff and log-throttle settings of the worker guard. */
  guard?: Partial<WorkerGuardOptions>;
  /** Observability hook (tests, status line). */
  onOutcome?: (e: { tag: string; slot: string; ok: boolean; kind?: string }) => void;
  /** Where failing responses are kept as evidence (<dataDir>/raw) and how many; unset: nothing is kept. */
  rawEvidence?: { dataDir: string; limits: EvidenceLimits };
  /** Longest an outcome waits for those of the other running jobs before their load job is sent (default 50). */
  loadFlushMs?: number;
  /** At most about this many rows per load job (default 5000). */
  loadMaxRows?: number;
}

/** Keep the response of a parse failure as evidence (kinds in EVIDENCE_KINDS); returns its id or ''. Never throws. */
async function keepEvidence(o: CollectWorkerOptions, tag: string, kind: string, message: string, outcome: CollectOutcome): Promise<string> {
  if (!o.rawEvidence || !outcome.raw) return '';
  return saveEvidence(o.rawEvidence.dataDir, o.rawEvidence.limits, { platform: o.platform, tag, kind, message, collectorVersion: o.collector.version, method: outcome.method, raw: outcome.raw });
}

export function createCollectWorker(o: CollectWorkerOptions): Worker & { loadBuffer: LoadBuffer } {
  const log = logger('collect', { platform: o.platform });
  const name = qname(collectQueueName(o.platform), o.naming);
  const buffer = new LoadBuffer(o.loadQueue, { flushMs: o.loadFlushMs ?? 50, maxRows: o.loadMaxRows ?? 5000 });
  const processJob = async (job: Job) => {
    const data = CollectJob.safeParse(job.data);
    if (!data.success) throw new UnrecoverableError(`invalid collect job payload: ${data.error.issues.map((i) => i.message).join('; ')}`);
    const { tag } = data.data;
    const slot = slotOf(job);
    const started = Date.now();
    const outcome = await o.collector.collect(tag, data.data.method ? { method: data.data.method } : {});
    const fetchedAt = new Date().toISOString();
    const step = toObservations(outcome, { platform: o.platform, tag, slot, fetchedAt, collectorVersion: o.collector.version });
    if (step.type === 'ok') {
      // Resolves once the load job holding these rows is in Redis: only then is the sample acknowledged. A re-delivered
      // job of the same slot is dropped by the loader (queue/loaded-marks.ts).
      await buffer.add(step.value, []);
      if (log.isLevelEnabled('info')) log.info({ tag, slot, readings: step.value.map((x) => `${x.metric}=${x.value}`), ms: Date.now() - started }, 'sampled');
      o.onOutcome?.({ tag, slot, ok: true });
      return { observations: step.value.length };
    }
    if (step.type === 'drop') return { dropped: step.reason };
    // A failure: record it (through the loader), then let its kind decide what the queue does.
    const attempt = job.attemptsStarted ?? job.attemptsMade + 1;
    const failure = toFailure(step, outcome, { platform: o.platform, tag, slot, occurredAt: fetchedAt, attempt, collectorVersion: o.collector.version, rawRef: await keepEvidence(o, tag, step.kind, step.message, outcome) });
    await buffer.add([], [failure]);
    log.warn({ tag, slot, kind: step.kind, status: failure.statusCode, code: failure.platformCode, attempt }, 'sample failed');
    o.onOutcome?.({ tag, slot, ok: false, kind: step.kind });
    const policy = failurePolicy[step.kind];
    if (policy === 'give_up') throw new UnrecoverableError(`${step.kind}: ${step.message}`);
    if (policy === 'rate_limit') {
      const waitMs = (!outcome.ok && outcome.retryAfterMs) || 60_000;
      await worker.rateLimit(waitMs);
      throw Worker.RateLimitError();
    }
    throw new CollectRetryableError(step.kind, step.message);
  };
  const worker: Worker = new Worker(
    name,
    async (job: Job) => {
      buffer.begin();
      try {
        return await processJob(job);
      } finally {
        buffer.end();
      }
    },
    {
      connection: o.connection as unknown as ConnectionOptions,
      prefix: o.naming.prefix,
      // Recorded on each job as processedBy: which host/container and process sampled it (scale-out diagnostics).
      name: `${hostname()}:${process.pid}`,
      concurrency: o.concurrency,
      // Global per queue across all worker processes: the per-platform rate limit.
      limiter: o.limiter,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      maxStalledCount: 2,
    },
  );
  // Errors and failures go through the guard: bounded logging, and a pause instead of a spin on MISCONF/ENOSPC.
  guardWorker(worker, o.guard);
  return Object.assign(worker, { loadBuffer: buffer });
}
