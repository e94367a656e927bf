/**
 * Keeps a BullMQ worker from spinning on errors that cannot clear without a change by the user. BullMQ retries a
 * failed fetch at once unless the error is a connection error, so a Redis that answers every write with MISCONF (its
 * disk is full) made the collect worker log 77,215 lines in 16 s. The guard classifies each worker error by code
 * (util/os-errors): errors that need a change (MISCONF, OOM, ENOSPC, EACCES, EROFS) pause the worker and resume it
 * after a backoff that doubles while the error repeats; every error goes through the log throttle (one line, then a
 * periodic count per distinct error).
 */
import type { Worker } from 'bullmq';
import { adviceFor, faultKindOf, needsUserChange, type FaultKind } from '../util/os-errors.ts';
import { LogThrottle } from '../util/log-throttle.ts';
import { logger } from '../util/log.ts';

export interface WorkerGuardOptions {
  /** First pause; doubles while the error repeats. */
  pauseMs?: number;
  maxPauseMs?: number;
  summaryEveryMs?: number;
  /** Where the fault is (data dir, Redis), for the advice. */
  where: string;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

export interface WorkerGuardState {
  paused: boolean;
  kind: FaultKind | null;
  pauses: number;
  errors: number;
}

export class WorkerGuard {
  readonly state: WorkerGuardState = { paused: false, kind: null, pauses: 0, errors: 0 };
  readonly throttle: LogThrottle;
  #pauseMs: number;
  #closed = false;
  readonly #log;

  constructor(
    private readonly worker: Worker,
    private readonly o: WorkerGuardOptions,
  ) {
    this.#log = logger('worker', { queue: worker.name });
    this.#pauseMs = o.pauseMs ?? 1000;
    this.throttle = new LogThrottle((level, fields, msg) => this.#log[level](fields, msg), { summaryEveryMs: o.summaryEveryMs ?? 30_000, ...(o.now ? { now: o.now } : {}) });
    worker.on('error', (e) => this.onError(e));
    worker.on('failed', (job, e) => this.throttle.report(`failed:${faultKindOf(e)}:${e?.name ?? 'Error'}`, 'job failed', { jobId: job?.id, err: e?.message, attemptsMade: job?.attemptsMade }));
    worker.on('completed', () => this.#healthy());
    worker.on('closing', () => (this.#closed = true));
  }

  onError(e: Error): void {
    this.state.errors++;
    const kind = faultKindOf(e);
    const key = `error:${kind}:${kind === 'other' ? e.message.slice(0, 80) : ''}`;
    this.throttle.report(key, needsUserChange(kind) ? `worker paused: ${adviceFor(kind, this.o.where)}` : 'worker error', { err: e.message, kind }, 'error');
    if (!needsUserChange(kind) || this.state.paused || this.#closed) return;
    this.state.paused = true;
    this.state.kind = kind;
    this.state.pauses++;
    const wait = this.#pauseMs;
    this.#pauseMs = Math.min(this.#pauseMs * 2, this.o.maxPauseMs ?? 60_000);
    void this.worker.pause(true).catch(() => undefined);
    (this.o.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref()))(() => {
      if (this.#closed) return;
      this.state.paused = false;
      void this.worker.resume();
    }, wait);
  }

  #healthy(): void {
    if (this.state.kind) {
      this.throttle.resolve(`error:${this.state.kind}:`, 'worker recovered', { kind: this.state.kind });
      this.state.kind = null;
      this.#pauseMs = this.o.pauseMs ?? 1000;
    }
  }
}

const guards = new WeakMap<Worker, WorkerGuard>();

/** Guard a worker (once); every worker factory calls this so no worker is left unguarded. */
export function guardWorker(worker: Worker, o: Partial<WorkerGuardOptions> = {}): WorkerGuard {
  const existing = guards.get(worker);
  if (existing) return existing;
  const g = new WorkerGuard(worker, { where: 'the data dir', ...o });
  guards.set(worker, g);
  return g;
}

export function guardOf(worker: Worker): WorkerGuard | undefined {
  return guards.get(worker);
}
