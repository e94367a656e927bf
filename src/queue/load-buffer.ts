/**
 * Why: one load job per sample made every sample cost two BullMQ jobs plus an extra `add` (three Lua scripts and a
 * socket write of its payload); that, not the fetch or the insert, bounded the pipeline (bench figure 1, issue 15).
 * The collect worker now hands its outcomes to this buffer, which sends the outcomes of the jobs it currently runs as
 * ONE load job. A collect job still completes only after the load job holding its rows is in Redis (its promise from
 * `add` resolves then), so a kill -9 at any point loses nothing acknowledged: un-acknowledged collect jobs are
 * re-delivered by stall detection. A re-delivered slot that reaches the loader twice is dropped there by its identity
 * (queue/loaded-marks.ts), which replaces the old per-sample deterministic load job id.
 *
 * When a batch is sent: as soon as every collect job in flight in this worker is waiting here (no other outcome can
 * arrive before the next one completes), when it holds maxRows rows, or after flushMs, whichever comes first. So a
 * collect job waits at most flushMs longer than before, usually not at all.
 */
import type { Queue } from 'bullmq';
import type { Observation } from '../schema/observation.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import type { LoadJob } from '../schema/jobs.ts';
import { loadJobOptions } from './queues.ts';

interface Waiting {
  observations: Observation[];
  failures: CollectionFailure[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface LoadBufferOptions {
  /** Longest a collected outcome waits for others before its load job is sent. */
  flushMs: number;
  /** A load job holds at most about this many rows (a batch is sent once it reaches it). */
  maxRows: number;
}

export class LoadBuffer {
  #waiting: Waiting[] = [];
  #rows = 0;
  /** Collect jobs running in this worker (between begin() and end()). */
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate = false;
  /** Load jobs sent (for tests and the status line). */
  loadJobsSent = 0;

  constructor(
    private readonly queue: Pick<Queue, 'add'>,
    private readonly opts: LoadBufferOptions,
  ) {}

  /** A collect job started. Pair with end() in a finally. */
  begin(): void {
    this.#inFlight++;
  }

  /** A collect job finished (whatever its result): if every other job in flight waits here, send now. */
  end(): void {
    this.#inFlight--;
    if (this.#waiting.length && this.#waiting.length >= this.#inFlight) this.#sendSoon(0);
  }

  /** Rows waiting to be sent (reported by a stop that could not send them). */
  get pendingRows(): number {
    return this.#rows;
  }

  /** Resolves once the load job holding these rows is in Redis; rejects if the add failed (the collect job then fails and is retried). */
  add(observations: Observation[], failures: CollectionFailure[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ observations, failures, resolve, reject });
      this.#rows += observations.length + failures.length;
      const everyJobWaits = this.#waiting.length >= this.#inFlight;
      this.#sendSoon(everyJobWaits || this.#rows >= this.opts.maxRows ? 0 : this.opts.flushMs);
    });
  }

  #sendSoon(ms: number): void {
    if (ms > 0) {
      this.#timer ??= setTimeout(() => this.#send(), ms);
      return;
    }
    if (this.#immediate) return;
    // Next macrotask: outcomes that complete in the same tick share the load job.
    this.#immediate = true;
    setImmediate(() => {
      this.#immediate = false;
      this.#send();
    });
  }

  #send(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#waiting;
    if (!batch.length) return;
    this.#waiting = [];
    this.#rows = 0;
    const payload: LoadJob = { observations: batch.flatMap((w) => w.observations), failures: batch.flatMap((w) => w.failures) };
    this.loadJobsSent++;
    this.queue.add('batch', payload, loadJobOptions()).then(
      () => {
        for (const w of batch) w.resolve();
      },
      (e: unknown) => {
        for (const w of batch) w.reject(e);
      },
    );
  }
}
