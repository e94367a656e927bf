/**
 * Load step: drains the load queue into the store in batches. A load job carries the outcomes of many collect jobs
 * (queue/load-buffer.ts); many load jobs are processed concurrently and their rows gathered into one insert (up to
 * batchSize rows or flushMs), and each job completes only when its rows are stored. Rows whose identity was stored
 * already (a re-delivered slot) are dropped before the insert and every stored row is marked before its job completes
 * (queue/loaded-marks.ts). Right before each insert the rows are checked again, where the worker's early check could not
 * see everything: each identity once per insert, none marked meanwhile (a re-fetch of a slot whose first reading was
 * inserted while this job waited), and none a process that died between its insert and its marks had stored (the
 * loading set; the store is asked). The first stored reading of a slot is kept, so raw FINAL and the rollups, which
 * fold every inserted reading, hold the same one (issue 10). A retryable insert failure fails every job of that batch, and BullMQ retries them: the
 * queue is the buffer while the store is down. A permanent one (the store refused the rows: clickhouse-errors.ts) is
 * isolated to the samples whose rows were refused (halving the batch until it finds them); their job fails at once
 * without retries and stays in the failed set, while its other samples are stored and marked. The same rows re-sent
 * give the same dedup token; ReplacingMergeTree is the backstop.
 */
import { UnrecoverableError, Worker, type Job, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { safeParseLoadJob, type LoadJob, type LoadedBatch } from '../schema/jobs.ts';
import type { Observation } from '../schema/observation.ts';
import { identityOf, keyAtOf, LIVE_METHODS } from '../schema/identity.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import type { RollupHour, Store } from '../store/store.ts';
import { logger } from '../util/log.ts';
import { isRetryable } from '../errors.ts';
import { guardWorker, type WorkerGuardOptions } from '../queue/worker-guard.ts';
import { LogThrottle } from '../util/log-throttle.ts';
import { faultKindOf } from '../util/os-errors.ts';
import { LOAD_QUEUE, qname, type QueueNaming } from '../queue/queues.ts';
import { LoadedMarks, observationMark, failureMark } from '../queue/loaded-marks.ts';
import { storedIdentitiesQuery } from '../store/queries.ts';
import { ok, drop, type StepResult } from '../schema/results.ts';

/** A live sample identified by its slot (schema/identity.ts): its first stored reading is kept. */
/** Clocks of the scheduler (which names the slot) and the loader (which scores the marks) may differ by this much. */
const MARK_CLOCK_SKEW_MS = 5 * 60_000;

function isSlot(o: Observation): boolean {
  return (LIVE_METHODS as readonly string[]).includes(o.method) && keyAtOf(o) === o.slot && (o.timePrecision ?? 'instant') === 'instant';
}

interface Pending {
  observations: Observation[];
  failures: CollectionFailure[];
  /** The loaded marks of these rows (queue/loaded-marks.ts), written once they are stored. */
  marks: string[];
  /** Settles with the marks still to write (none when markStored wrote them). */
  resolve: (unmarked: string[]) => void;
  reject: (e: unknown) => void;
}

/** The rows of one sample (or one failure): the unit a refused batch is split into. */
export interface LoadPart {
  observations: Observation[];
  failures: CollectionFailure[];
  /** The loaded marks of its rows: the batcher writes them (opts.markStored) right after the insert, before anything else. */
  marks?: string[];
}

export type { LoadedBatch };

/** Gathers rows from concurrent jobs into batched inserts. */
export class Batcher {
  #pending: Pending[] = [];
  #rows = 0;
  /** Jobs (add or addParts calls) waiting in the batch, and jobs whose rows are being inserted right now. */
  #pendingJobs = 0;
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
    private readonly opts: {
      batchSize: number;
      flushMs: number;
      maxJobs?: number;
      onLoaded?: (b: LoadedBatch) => void | Promise<void>;
      /**
       * Writes the loaded marks of rows just stored, awaited before their parts settle and before the post-load hooks
       * run: a re-delivered slot checked meanwhile finds them (otherwise the marks waited behind the hooks and a
       * re-delivery in that window inserted its rows a second time; FINAL kept one, the raw table held two). A
       * failure here is logged and left to the worker, which marks what it got back unmarked.
       */
      markStored?: (marks: string[]) => Promise<void>;
      /**
       * The loaded marks (queue/loaded-marks.ts), read again right before each insert and written ahead of it (the
       * loading set), so that a reading of an identity stored already is never inserted beside it.
       */
      marks?: Pick<LoadedMarks, 'states' | 'markLoading' | 'retentionMs'>;
    },
  ) {}

  add(observations: Observation[], failures: CollectionFailure[]): Promise<void> {
    return this.addParts([{ observations, failures }])[0]!.then(() => undefined);
  }

  /**
   * One job's rows as parts (one per sample): each part's promise settles on its own (a refused part does not fail the
   * others), with the part's marks that are still to be written (none once `markStored` wrote them).
   */
  addParts(parts: LoadPart[]): Promise<string[]>[] {
    const promises = parts.map(
      (p) =>
        new Promise<string[]>((resolve, reject) => {
          this.#pending.push({ observations: p.observations, failures: p.failures, marks: p.marks ?? [], resolve, reject });
          this.#rows += p.observations.length + p.failures.length;
        }),
    );
    this.#pendingJobs++;
    const everyJobWaits = this.#pendingJobs + this.#inserting >= (this.opts.maxJobs ?? Infinity);
    if (this.#rows >= this.opts.batchSize || everyJobWaits) this.#flushSoon(0);
    else this.#flushSoon(this.opts.flushMs);
    return promises;
  }

  #flushSoon(ms: number): void {
    if (this.#timer && ms > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.flush());
    }, ms);
  }

  /**
   * Insert what waits, in inserts of at most `batchSize` rows (whole parts; a part larger than that is one insert):
   * jobs that arrived faster than the flush timer (a backlog after an outage, a burst) never make one unbounded
   * insert, which costs more memory and, in chDB, more time per row (one 100k-row insert ran ~20 % slower than
   * twenty of 5k). Each insert's parts settle when it is stored.
   */
  async flush(): Promise<void> {
    const batch = this.#pending;
    const jobs = this.#pendingJobs;
    this.#pending = [];
    this.#rows = 0;
    this.#pendingJobs = 0;
    if (!batch.length) return;
    const limit = Math.max(1, this.opts.batchSize);
    let chunk: Pending[] = [];
    let rows = 0;
    const chunks: Pending[][] = [];
    for (const p of batch) {
      const n = p.observations.length + p.failures.length;
      if (chunk.length && rows + n > limit) {
        chunks.push(chunk);
        chunk = [];
        rows = 0;
      }
      chunk.push(p);
      rows += n;
    }
    chunks.push(chunk);
    // the jobs count toward "every job waits", and their rows toward pendingRows, until the last insert settles
    this.#inserting += jobs;
    const rowsOf = (ps: Pending[]) => ps.reduce((a, p) => a + p.observations.length + p.failures.length, 0);
    this.#insertingRows += rowsOf(batch);
    try {
      for (let i = 0; i < chunks.length; i++) {
        const down = await this.#flushChunk(chunks[i]!);
        if (down === undefined) continue;
        // the store is unreachable: the rest would fail alike; their jobs are retried as theirs were
        const rest = chunks.slice(i + 1).flat();
        this.#insertingRows -= rowsOf(rest);
        for (const p of rest) p.reject(down);
        break;
      }
    } finally {
      this.#inserting -= jobs;
    }
  }

  /** One insert's parts; returns the error when it failed retryably (the store is down), else undefined. */
  async #flushChunk(batch: Pending[]): Promise<unknown> {
    const parts = batch.length;
    let observations = batch.flatMap((p) => p.observations);
    const failures = batch.flatMap((p) => p.failures);
    try {
      const started = performance.now();
      const counted = observations.length + failures.length;
      try {
        const checked = await this.#dropStored(batch);
        if (checked.dropped) observations = batch.flatMap((p) => p.observations);
        await this.#insert(observations, failures);
        // Readings that rewrote their identity (by design: a re-queried Research API day): the views folded the old
        // reading in too, so their buckets are rebuilt from raw FINAL before the rows are marked (a kill before the
        // marks re-delivers the job, which finds them stored and rebuilds again).
        if (checked.rewritten.length) await this.store.rebuildRollups(checked.rewritten);
      } finally {
        this.#insertingRows -= counted;
      }
      await this.#markStored(batch);
      if (this.#log.isLevelEnabled('debug')) this.#log.debug({ observations: observations.length, failures: failures.length, parts, ms: Math.round(performance.now() - started) }, 'batch inserted');
      for (const p of batch) p.resolve(p.marks);
    } catch (e) {
      if (!isRetryable(e) && batch.length > 1) {
        await this.#isolateRejected(batch, e);
        return undefined;
      }
      for (const p of batch) p.reject(e);
      if (!isRetryable(e)) return undefined;
      this.#throttle.report(`insert:${faultKindOf(e)}`, 'batch insert failed; jobs will be retried', { err: (e as Error).message, parts, kind: faultKindOf(e) });
      return e;
    }
    await this.#afterLoad(observations, failures);
    return undefined;
  }

  /**
   * Right before an insert, check `batch` against what is stored, so that raw FINAL and the rollups (whose views fold
   * in every inserted reading) keep the same reading of each identity:
   *  - a live sample's slot (method http/browser/api, time precision instant) keeps its first stored reading: a
   *    reading of an identity in the insert already, marked since the job's own check, or written ahead of an insert
   *    (loading set) by a process that died before marking it and found in the store, or a slot older than the marks'
   *    retention found in the store (its mark expired), is left out (its mark stays with its part: the identity is stored);
   *  - any other row (a Research API day, a capture, a manual value) is identified by its own time and a later reading
   *    of it replaces the earlier one, as documented: one reading per identity goes in (the last), and the hours of those
   *    whose identity the store holds already are returned, to be rebuilt from raw FINAL after the insert.
   * Then writes the kept identities ahead of the insert (the loading set).
   */
  async #dropStored(batch: Pending[]): Promise<{ dropped: boolean; rewritten: RollupHour[] }> {
    const rows = batch.flatMap((p) => p.observations.map((o) => ({ o, mark: observationMark(o) })));
    const rewritten: RollupHour[] = [];
    if (!rows.length) return { dropped: false, rewritten };
    const drop = new Set<Observation>();
    const kept = new Map<string, Observation>();
    for (const r of rows) {
      const earlier = kept.get(r.mark);
      if (!earlier) kept.set(r.mark, r.o);
      else if (isSlot(r.o)) drop.add(r.o);
      else {
        drop.add(earlier); // identified by its own time: the later reading replaces it
        kept.set(r.mark, r.o);
      }
    }
    const marks = this.opts.marks;
    const unique = [...kept];
    const states = marks ? await marks.states(unique.map(([m]) => m)) : unique.map(() => 'new' as const);
    const ask: Observation[] = [];
    /** Rows an earlier insert (of a process that died before its marks, or before its rebuild) may have stored. */
    const unsure = new Set<Observation>();
    // A slot's first reading is stored at or after the slot's time, and its mark lives retentionMs from then: a slot
    // older than that (a re-fetch after a worker slept, a job re-delivered hours late) may have a reading stored whose
    // mark is gone, so only the store can tell. Live samples' slots are minutes old: no query for them.
    const marksForgetBefore = marks ? Date.now() - marks.retentionMs + MARK_CLOCK_SKEW_MS : -Infinity;
    unique.forEach(([, o], i) => {
      if (states[i] === 'maybe') unsure.add(o);
      if (isSlot(o)) {
        if (states[i] === 'stored') drop.add(o);
        else if (states[i] === 'maybe' || Date.parse(o.slot) < marksForgetBefore) ask.push(o);
      } else ask.push(o); // a replacement of a stored reading needs its buckets rebuilt, whatever the marks say
    });
    {
      const maybe = ask;
      if (maybe.length) {
        const ids = maybe.map((o) => identityOf(o));
        const found = await this.store.run(storedIdentitiesQuery, {
          platforms: ids.map((i) => i.platform),
          tags: ids.map((i) => i.tag),
          metrics: ids.map((i) => i.metric),
          keyAts: ids.map((i) => i.keyAt),
          origins: ids.map((i) => i.origin),
        });
        const have = new Map(found.map((f) => [`o|${f.platform}|${f.tag}|${f.metric}|${new Date(f.key_at).toISOString()}|${f.origin}`, f]));
        const hours = new Map<string, RollupHour>();
        for (const o of maybe) {
          const stored = have.get(observationMark(o));
          if (!stored) continue;
          if (isSlot(o)) drop.add(o);
          else if (unsure.has(o) || Date.parse(stored.observed_at) !== Date.parse(o.observedAt) || stored.value !== o.value || stored.step !== o.step || stored.precision !== o.precision) {
            // The same reading again folds in the same states: only another one needs its buckets rebuilt — or one an
            // earlier insert may have stored without its rebuild (killed in between: the store then holds this reading
            // already, and what it replaced is unknown).
            for (const at of new Set([o.observedAt, stored.observed_at].map((x) => Math.floor(Date.parse(x) / 3_600_000) * 3_600_000))) {
              const hour = new Date(at).toISOString();
              hours.set(`${o.platform}|${o.tag}|${o.metric}|${hour}`, { platform: o.platform, tag: o.tag, metric: o.metric, hour });
            }
          }
        }
        rewritten.push(...hours.values());
      }
    }
    if (marks) await marks.markLoading(unique.filter(([, o]) => !drop.has(o)).map(([m]) => m));
    if (!drop.size) return { dropped: false, rewritten };
    for (const p of batch) p.observations = p.observations.filter((o) => !drop.has(o));
    this.#log.info({ left: drop.size }, 'readings of identities in this insert or stored already left out: a slot keeps its first stored reading, a reading identified by its own time its last');
    return { dropped: true, rewritten };
  }

  async #insert(observations: Observation[], failures: CollectionFailure[]): Promise<void> {
    if (observations.length) await this.store.insertObservations(observations);
    if (failures.length) await this.store.insertFailures(failures);
  }

  /** Write the stored parts' marks (never throws; marked parts are flagged so the worker does not mark them again). */
  async #markStored(parts: Pending[]): Promise<void> {
    const marks = parts.flatMap((p) => p.marks);
    if (!this.opts.markStored || !marks.length) return;
    try {
      await this.opts.markStored(marks);
      for (const p of parts) p.marks = [];
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'loaded marks not written after the insert; the load job writes them');
    }
  }

  async #afterLoad(observations: Observation[], failures: CollectionFailure[]): Promise<void> {
    try {
      await this.opts.onLoaded?.({ observations, failures });
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'post-load hook failed');
    }
  }

  /**
   * The store refused a batch for good (e.g. a value ClickHouse cannot parse, an unknown table): insert it in halves,
   * recursively, so the parts whose rows are fine are stored and only the refused ones fail (each rejects with the
   * store's permanent error; the worker then fails that job without retrying it). k refused parts of n cost about
   * 2·k·log2(n) inserts instead of n.
   */
  async #isolateRejected(batch: Pending[], first: unknown): Promise<void> {
    this.#log.warn({ err: (first as Error).message, parts: batch.length }, 'batch refused by the store; inserting it in halves to find the refused rows');
    const stored: Pending[] = [];
    const halves = async (parts: Pending[], known?: unknown): Promise<void> => {
      if (known === undefined) {
        try {
          await this.#insert(
            parts.flatMap((p) => p.observations),
            parts.flatMap((p) => p.failures),
          );
          await this.#markStored(parts);
          for (const p of parts) p.resolve(p.marks);
          stored.push(...parts);
          return;
        } catch (e) {
          if (isRetryable(e) || parts.length === 1) {
            for (const p of parts) p.reject(e);
            return;
          }
        }
      }
      const mid = Math.ceil(parts.length / 2);
      await halves(parts.slice(0, mid));
      await halves(parts.slice(mid));
    };
    await halves(batch, first);
    if (stored.length) await this.#afterLoad(stored.flatMap((p) => p.observations), stored.flatMap((p) => p.failures));
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
  const r = safeParseLoadJob(data);
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

/** A load job's rows, one part per sample (platform, tag, slot) and one per failure, each with the marks of its rows. */
export function partsOf(job: LoadJob): (LoadPart & { marks: string[] })[] {
  const bySample = new Map<string, LoadPart & { marks: string[] }>();
  for (const o of job.observations) {
    const k = `${o.platform}|${o.tag}|${o.slot}`;
    let part = bySample.get(k);
    if (!part) bySample.set(k, (part = { observations: [], failures: [], marks: [] }));
    part.observations.push(o);
    part.marks.push(observationMark(o));
  }
  return [...bySample.values(), ...job.failures.map((f) => ({ observations: [], failures: [f], marks: [failureMark(f)] }))];
}

/** The rows of `part` not stored yet, given which of its marks were (`stored`, in the order of part.marks). */
function unstored(part: LoadPart & { marks: string[] }, stored: (i: number) => boolean): LoadPart & { marks: string[] } {
  const n = part.observations.length;
  const keep = part.marks.map((_, i) => !stored(i));
  return {
    observations: part.observations.filter((_, i) => keep[i]),
    failures: part.failures.filter((_, i) => keep[n + i]),
    marks: part.marks.filter((_, i) => keep[i]),
  };
}

/** Call the post-load hook with the rows of `parts` whose marks were stored already (`seen`, in mark order). Never throws. */
async function runHook(hook: (b: LoadedBatch) => void | Promise<void>, parts: (LoadPart & { marks: string[] })[], seen: boolean[], log: ReturnType<typeof logger>): Promise<void> {
  let at = 0;
  const stored = parts.map((p) => {
    const base = at;
    at += p.marks.length;
    return unstored(p, (i) => !seen[base + i]);
  });
  try {
    await hook({ observations: stored.flatMap((p) => p.observations), failures: stored.flatMap((p) => p.failures) });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'post-load hook failed');
  }
}

export function createLoadWorker(o: LoadWorkerOptions): { worker: Worker; batcher: Batcher } {
  const log = logger('loader');
  // High concurrency lets many small jobs share one insert.
  const concurrency = o.concurrency ?? Math.max(16, Math.min(512, o.batchSize));
  const queueName = qname(LOAD_QUEUE, o.naming);
  const marks = new LoadedMarks(o.connection, `${o.naming.prefix}:${queueName}:loaded`);
  const batcher = new Batcher(o.store, { batchSize: o.batchSize, flushMs: o.flushMs, maxJobs: concurrency, markStored: (m) => marks.mark(m), marks, ...(o.onLoaded ? { onLoaded: o.onLoaded } : {}) });
  const worker = new Worker(
    queueName,
    async (job: Job) => {
      const v = validateLoadJob(job.data);
      if (v.type === 'drop') {
        log.error({ jobId: job.id, reason: v.reason, detail: v.detail }, 'load job dropped');
        return { dropped: v.reason };
      }
      if (v.type === 'fail') throw new Error(v.message);
      // Rows stored already (a re-delivered slot, or this job's own earlier attempt) are not inserted again.
      const all = partsOf(v.value);
      const seen = await marks.stored(all.flatMap((p) => p.marks));
      let at = 0;
      const parts = all
        .map((p) => {
          const base = at;
          at += p.marks.length;
          return unstored(p, (i) => seen[base + i]!);
        })
        .filter((p) => p.marks.length);
      const duplicates = seen.filter(Boolean).length;
      if (duplicates && log.isLevelEnabled('debug')) log.debug({ jobId: job.id, duplicates }, 'rows stored already (re-delivered slot): not inserted again');
      const settled = await Promise.allSettled(batcher.addParts(parts));
      // The post-load hooks (alerts, format drift) still see a re-delivered load, as when it was inserted again: they
      // are idempotent (an alert is delivered once per episode).
      if (duplicates && o.onLoaded) await runHook(o.onLoaded, all, seen, log);
      // Mark what was stored before the job completes or fails, so a retry or a re-delivery does not write it twice
      // (the batcher marked it already, right after the insert, unless that failed: those marks come back here).
      const unmarked = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
      if (unmarked.length) await marks.mark(unmarked);
      const refused = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ part: parts[i]!, err: s.reason as unknown }] : []));
      if (refused.length) {
        const e = refused.find((r) => isRetryable(r.err))?.err ?? refused[0]!.err;
        if (isRetryable(e)) throw e;
        // Retrying cannot help (the store refused these rows: ClickHouse code in the message). Fail the job now instead
        // of after 200 attempts; it stays in the load queue's failed set with its rows (removeOnFail: false), counted
        // by `tagpulse status`, so nothing is dropped silently. Its other samples were stored and marked: a manual
        // retry of the job inserts only the refused ones again.
        const code = (e as { code?: string }).code ?? 'STORE_REJECTED';
        const rows = refused.reduce((a, r) => a + r.part.observations.length + r.part.failures.length, 0);
        log.error({ jobId: job.id, code, err: (e as Error).message, refusedSamples: refused.length, samples: parts.length, refusedRows: rows }, 'load job refused by the store: not retried, kept in the failed set');
        throw new UnrecoverableError(`${code}: ${refused.length} of ${parts.length} sample(s) refused: ${(e as Error).message}`);
      }
      return { observations: v.value.observations.length, failures: v.value.failures.length, ...(duplicates ? { duplicates } : {}) };
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
