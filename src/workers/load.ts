/**
 * Load step: drains the load queue into the store in batches. Many jobs are processed concurrently; their
 * observations are gathered into one insert (up to batchSize rows or flushMs), and each job completes only when
 * its rows are stored. A retryable insert failure fails every job of that batch, and BullMQ retries them: the queue is
 * the buffer while the store is down. A permanent one (the store refused the rows: clickhouse-errors.ts) is isolated
 * to the jobs whose rows were refused, which fail at once without retries and stay in the failed set. The same rows re-sent give the same dedup token; ReplacingMergeTree is the backstop.
 */
import { UnrecoverableError, Worker, type Job, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { LoadJob, type LoadedBatch } from '../schema/jobs.ts';
import type { Observation } from '../schema/observation.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import type { Store } from '../store/store.ts';
import { logger } from '../util/log.ts';
import { isRetryable } from '../errors.ts';
import { guardWorker, type WorkerGuardOptions } from '../queue/worker-guard.ts';
import { LogThrottle } from '../util/log-throttle.ts';
import { faultKindOf } from '../util/os-errors.ts';
import { LOAD_QUEUE, qname, type QueueNaming } from '../queue/queues.ts';
import { ok, drop, type StepResult } from '../schema/results.ts';

interface Pending {
  observations: Observation[];
  failures: CollectionFailure[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export type { LoadedBatch };

/** Gathers rows from concurrent jobs into batched inserts. */
export class Batcher {
  #pending: Pending[] = [];
  #rows = 0;
  /** Jobs whose rows are being inserted right now. */
  #inserting = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #log = logger('loader');
  /** A store that is down fails every batch: one line, then a periodic count. */
  readonly #throttle = new LogThrottle((level, fields, msg) => this.#log[level](fields, msg));

  /** Rows waiting in the batch, not yet inserted (reported when a stop cannot flush them). */
  get pendingRows(): number {
    return this.#pending.reduce((a, p) => a + p.observations.length + p.failures.length, 0) + this.#insertingRows;
  }
  #insertingRows = 0;

  constructor(
    private readonly store: Store,
    /**
     * maxJobs: how many jobs the worker runs at once. When all of them wait on the batcher, no further job can arrive
     * before a flush, so the batch is flushed at once instead of after flushMs (small jobs never fill batchSize).
     */
    private readonly opts: { batchSize: number; flushMs: number; maxJobs?: number; onLoaded?: (b: LoadedBatch) => void | Promise<void> },
  ) {}

  add(observations: Observation[], failures: CollectionFailure[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ observations, failures, resolve, reject });
      this.#rows += observations.length + failures.length;
      const everyJobWaits = this.#pending.length + this.#inserting >= (this.opts.maxJobs ?? Infinity);
      if (this.#rows >= this.opts.batchSize || everyJobWaits) this.#flushSoon(0);
      else this.#flushSoon(this.opts.flushMs);
    });
  }

  #flushSoon(ms: number): void {
    if (this.#timer && ms > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.flush());
    }, ms);
  }

  async flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#rows = 0;
    if (!batch.length) return;
    const observations = batch.flatMap((p) => p.observations);
    const failures = batch.flatMap((p) => p.failures);
    this.#inserting += batch.length;
    this.#insertingRows += observations.length + failures.length;
    try {
      const started = performance.now();
      try {
        await this.store.insertObservations(observations);
        await this.store.insertFailures(failures);
      } finally {
        this.#inserting -= batch.length;
        this.#insertingRows -= observations.length + failures.length;
      }
      this.#log.debug({ observations: observations.length, failures: failures.length, jobs: batch.length, ms: Math.round(performance.now() - started) }, 'batch inserted');
      for (const p of batch) p.resolve();
    } catch (e) {
      if (!isRetryable(e) && batch.length > 1) return this.#isolateRejected(batch, e);
      if (isRetryable(e)) this.#throttle.report(`insert:${faultKindOf(e)}`, 'batch insert failed; jobs will be retried', { err: (e as Error).message, jobs: batch.length, kind: faultKindOf(e) });
      for (const p of batch) p.reject(e);
      return;
    }
    try {
      await this.opts.onLoaded?.({ observations, failures });
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'post-load hook failed');
    }
  }

  /**
   * The store refused a batch for good (e.g. a value ClickHouse cannot parse, an unknown table): insert its jobs one
   * at a time, so the jobs whose rows are fine are stored and only the refused ones fail (each rejects with the
   * store's permanent error; the worker then fails that job without retrying it).
   */
  async #isolateRejected(batch: Pending[], first: unknown): Promise<void> {
    this.#log.warn({ err: (first as Error).message, jobs: batch.length }, 'batch refused by the store; inserting its jobs one at a time to find the refused rows');
    const stored: Pending[] = [];
    for (const p of batch) {
      try {
        await this.store.insertObservations(p.observations);
        await this.store.insertFailures(p.failures);
        stored.push(p);
        p.resolve();
      } catch (e) {
        p.reject(e);
      }
    }
    if (!stored.length) return;
    try {
      await this.opts.onLoaded?.({ observations: stored.flatMap((p) => p.observations), failures: stored.flatMap((p) => p.failures) });
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'post-load hook failed');
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    await this.flush();
  }
}

/** Validate one load job. Invalid payloads are dropped with a reason (they can never succeed). */
export function validateLoadJob(data: unknown): StepResult<LoadJob> {
  const r = LoadJob.safeParse(data);
  if (!r.success) return drop('schema_invalid', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return ok(r.data);
}

export interface LoadWorkerOptions {
  store: Store;
  connection: Redis;
  naming: QueueNaming;
  batchSize: number;
  flushMs: number;
  concurrency?: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  onLoaded?: (b: LoadedBatch) => void | Promise<void>;
  guard?: Partial<WorkerGuardOptions>;
}

export function createLoadWorker(o: LoadWorkerOptions): { worker: Worker; batcher: Batcher } {
  const log = logger('loader');
  // High concurrency lets many small jobs share one insert.
  const concurrency = o.concurrency ?? Math.max(16, Math.min(512, o.batchSize));
  const batcher = new Batcher(o.store, { batchSize: o.batchSize, flushMs: o.flushMs, maxJobs: concurrency, ...(o.onLoaded ? { onLoaded: o.onLoaded } : {}) });
  const worker = new Worker(
    qname(LOAD_QUEUE, o.naming),
    async (job: Job) => {
      const v = validateLoadJob(job.data);
      if (v.type === 'drop') {
        log.error({ jobId: job.id, reason: v.reason, detail: v.detail }, 'load job dropped');
        return { dropped: v.reason };
      }
      if (v.type === 'fail') throw new Error(v.message);
      try {
        await batcher.add(v.value.observations, v.value.failures);
      } catch (e) {
        if (isRetryable(e)) throw e;
        // Retrying cannot help (the store refused these rows: ClickHouse code in the message). Fail the job now instead
        // of after 200 attempts; it stays in the load queue's failed set with its rows (removeOnFail: false), counted
        // by `tagpulse status`, so nothing is dropped silently.
        const code = (e as { code?: string }).code ?? 'STORE_REJECTED';
        log.error({ jobId: job.id, code, err: (e as Error).message, observations: v.value.observations.length, failures: v.value.failures.length }, 'load job refused by the store: not retried, kept in the failed set');
        throw new UnrecoverableError(`${code}: ${(e as Error).message}`);
      }
      return { observations: v.value.observations.length, failures: v.value.failures.length };
    },
    {
      connection: o.connection as unknown as ConnectionOptions,
      prefix: o.naming.prefix,
      concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
    },
  );
  guardWorker(worker, o.guard);
  return { worker, batcher };
}
