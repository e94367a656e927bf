/**
 * Collect step: one job = one slot of one tag, or of a group of tags (grouped scheduling, workers/scheduler.ts).
 * Each tag is fetched and parsed with the platform's collector and becomes its own observations (its own slot, its
 * own read time) or its own classified failure; the outcomes of the jobs running together go to the load queue as one
 * load job (queue/load-buffer.ts), and a job completes only once that load job is in Redis. Never touches the store.
 *
 * Why groups: a collect job's own BullMQ work (moveToActive/moveToFinished, the limiter, the enqueue) cost as much as
 * the fetch itself (issue 15, bench figure 1); k tags per job pay it once.
 *
 * Retries stay per tag, decided by the failure policy (schema/failure.ts): in a group, a tag that failed retryably or
 * was throttled goes on ALONE as a single-tag job (deterministic id from platform, tag and slot; the attempts made so
 * far carried in `priorAttempts`), so the other tags are not fetched again; a give-up failure is recorded for that tag
 * only. A single-tag job keeps the old behaviour: BullMQ retries it. Requests are rate-limited per request, not per
 * job (queue/request-limit.ts); the tags whose turn would come later than collectRateWaitMaxMs (or that were not yet
 * fetched when the platform throttled) go on together as the rest of the group, delayed to their turn.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { CollectJob, safeJobId } from '../schema/jobs.ts';
import type { Observation } from '../schema/observation.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import { failurePolicy } from '../schema/failure.ts';
import type { Collector, CollectOutcome } from '../collectors/types.ts';
import { toFailure, toObservations } from '../collectors/outcomes.ts';
import { logger } from '../util/log.ts';
import { guardWorker, type WorkerGuardOptions } from '../queue/worker-guard.ts';
import { collectQueueName, qname, type QueueNaming } from '../queue/queues.ts';
import { LoadBuffer } from '../queue/load-buffer.ts';
import { RequestLimiter, Semaphore } from '../queue/request-limit.ts';
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
  /** Requests in flight per process (and collect jobs running at once). */
  concurrency: number;
  /** BullMQ's limiter (jobs; also what a platform's 429 pauses). */
  limiter: { max: number; duration: number };
  /** The platform's request rate limit: at most max requests per durationMs, paced evenly, across all processes. */
  requestLimit: { max: number; durationMs: number };
  /** Longest a job waits inside itself for its requests' turn (default 10,000). */
  rateWaitMaxMs?: number;
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

/** The single-tag job a tag of a group goes on as: deterministic id from (platform, tag, slot), so a re-delivered group adds it once. */
export function tagJobId(platform: string, tag: string, slot: string): string {
  return safeJobId('tag', platform, tag, String(Date.parse(slot)));
}

/** The job the unfetched rest of a group goes on as: deterministic in (platform, its tags, slot). */
export function restJobId(platform: string, tags: string[], slot: string): string {
  return safeJobId('rest', platform, String(Date.parse(slot)), createHash('sha256').update(tags.join('\0')).digest('hex').slice(0, 16));
}

const sleep = (ms: number) => (ms >= 1 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** What happened to one tag of a job. */
type TagResult =
  | { tag: string; type: 'ok'; observations: Observation[] }
  | { tag: string; type: 'drop' }
  | { tag: string; type: 'failed'; failure: CollectionFailure; policy: 'retry' | 'rate_limit' | 'give_up'; retryAfterMs?: number; message: string }
  /** Not fetched (its rate-limit turn was too far, or the platform throttled the job meanwhile): goes on alone. */
  | { tag: string; type: 'deferred'; delayMs: number };

export function createCollectWorker(o: CollectWorkerOptions): Worker & { loadBuffer: LoadBuffer; requestLimiter: RequestLimiter } {
  const log = logger('collect', { platform: o.platform });
  const name = qname(collectQueueName(o.platform), o.naming);
  const buffer = new LoadBuffer(o.loadQueue, { flushMs: o.loadFlushMs ?? 50, maxRows: o.loadMaxRows ?? 5000 });
  const limiter = new RequestLimiter(o.connection, `${o.naming.prefix}:${name}:requests`, o.requestLimit, o.rateWaitMaxMs ?? 10_000);
  const inFlight = new Semaphore(o.concurrency);
  /** The queue the tags handed on from a group go to (this worker's own queue, on its connection). */
  let ownQueue: Queue | undefined;

  /** Fetch one tag and turn its outcome into rows. `attempt` is this tag's attempt number for the slot. */
  const fetchTag = async (tag: string, slot: string, attempt: number, method: CollectJob['method']): Promise<TagResult> => {
    const started = Date.now();
    const outcome = await inFlight.run(() => o.collector.collect(tag, method ? { method } : {}));
    const fetchedAt = new Date().toISOString();
    const step = toObservations(outcome, { platform: o.platform, tag, slot, fetchedAt, collectorVersion: o.collector.version });
    if (step.type === 'ok') {
      if (log.isLevelEnabled('info')) log.info({ tag, slot, readings: step.value.map((x) => `${x.metric}=${x.value}`), ms: Date.now() - started }, 'sampled');
      return { tag, type: 'ok', observations: step.value };
    }
    if (step.type === 'drop') return { tag, type: 'drop' };
    const failure = toFailure(step, outcome, { platform: o.platform, tag, slot, occurredAt: fetchedAt, attempt, collectorVersion: o.collector.version, rawRef: await keepEvidence(o, tag, step.kind, step.message, outcome) });
    log.warn({ tag, slot, kind: step.kind, status: failure.statusCode, code: failure.platformCode, attempt }, 'sample failed');
    const retryAfterMs = !outcome.ok && outcome.retryAfterMs ? outcome.retryAfterMs : undefined;
    return { tag, type: 'failed', failure, policy: failurePolicy[step.kind], message: `${step.kind}: ${step.message}`, ...(retryAfterMs ? { retryAfterMs } : {}) };
  };

  /** Single-tag job: as before grouping. A failure is recorded, then BullMQ retries the job (or gives up, or the platform pauses). */
  const processSingle = async (job: Job, token: string | undefined, data: CollectJob, tag: string, slot: string) => {
    const turn = await limiter.reserve(1);
    if (turn.granted === 0) {
      // Its request's turn is further away than a job may wait: back to delayed until then (no attempt used).
      await job.moveToDelayed(Date.now() + Math.ceil(turn.nextInMs), token);
      throw new DelayedError();
    }
    await sleep(turn.startInMs(0));
    const attempt = (data.priorAttempts ?? 0) + (job.attemptsStarted ?? job.attemptsMade + 1);
    const r = await fetchTag(tag, slot, attempt, data.method);
    if (r.type === 'ok') {
      // Resolves once the load job holding these rows is in Redis: only then is the sample acknowledged. A re-delivered
      // job of the same slot is dropped by the loader (queue/loaded-marks.ts).
      await buffer.add(r.observations, []);
      o.onOutcome?.({ tag, slot, ok: true });
      return { observations: r.observations.length };
    }
    if (r.type !== 'failed') return { dropped: r.type };
    await buffer.add([], [r.failure]);
    o.onOutcome?.({ tag, slot, ok: false, kind: r.failure.kind });
    if (r.policy === 'give_up') throw new UnrecoverableError(r.message);
    if (r.policy === 'rate_limit') {
      await worker.rateLimit(r.retryAfterMs || 60_000);
      throw Worker.RateLimitError();
    }
    throw new CollectRetryableError(r.failure.kind, r.message);
  };

  /**
   * Group job: every tag of the group, each on its own. The job completes once the rows of all its tags are in a
   * load job in Redis and every tag that goes on alone has its job in Redis; if either add fails, the whole group is
   * retried (tags already stored are dropped by the loader's marks: one row per tag and slot).
   */
  const processGroup = async (job: Job, token: string | undefined, data: CollectJob, tags: string[], slot: string) => {
    const turn = await limiter.reserve(tags.length);
    if (turn.granted === 0) {
      // Even its first request's turn is too far: the whole job waits (back to delayed until then, no attempt used).
      // Handing all its tags on instead could give the job its own id (a rest job deferring all of its tags).
      await job.moveToDelayed(Date.now() + Math.ceil(turn.nextInMs), token);
      throw new DelayedError();
    }
    // Turns count from when Redis reserved them; taking now as their origin errs on the late (polite) side.
    const t0 = Date.now();
    const attempt = (data.priorAttempts ?? 0) + (job.attemptsStarted ?? job.attemptsMade + 1);
    /** Set when the platform throttles: tags not yet started are not fetched (they go on alone after the pause). */
    let throttledForMs = 0;
    const results = await Promise.all(
      tags.map(async (tag, i): Promise<TagResult> => {
        if (i >= turn.granted) return { tag, type: 'deferred', delayMs: turn.nextInMs + (i - turn.granted) * limiter.gapMs };
        await sleep(turn.startInMs(i) - (Date.now() - t0));
        if (throttledForMs) return { tag, type: 'deferred', delayMs: throttledForMs };
        const r = await fetchTag(tag, slot, attempt, data.method);
        if (r.type === 'failed' && r.policy === 'rate_limit') throttledForMs = r.retryAfterMs || 60_000;
        return r;
      }),
    );
    const observations = results.flatMap((r) => (r.type === 'ok' ? r.observations : []));
    const failures = results.flatMap((r) => (r.type === 'failed' ? [r.failure] : []));
    const maxAttempts = job.opts.attempts ?? 1;
    const handOn: { name: string; data: CollectJob; opts: JobsOptions }[] = [];
    for (const r of results) {
      const base = { platform: o.platform, tag: r.tag, slot, reason: data.reason, ...(data.everyMs ? { everyMs: data.everyMs } : {}), ...(data.method ? { method: data.method } : {}) };
      if (r.type === 'deferred') continue;
      if (r.type === 'failed' && r.policy === 'rate_limit') {
        // Throttling does not use up attempts (as for a single-tag job, which BullMQ puts back without counting one).
        handOn.push({ name: 'collect', data: { ...base, priorAttempts: attempt }, opts: handOnOptions(job, slot, r.tag, Math.max(1, maxAttempts - attempt + 1), attempt, r.retryAfterMs || 60_000) });
      } else if (r.type === 'failed' && r.policy === 'retry' && attempt < maxAttempts) {
        handOn.push({ name: 'collect', data: { ...base, priorAttempts: attempt }, opts: handOnOptions(job, slot, r.tag, maxAttempts - attempt, attempt) });
      }
    }
    // The tags not fetched (their turn too far, or the platform throttled meanwhile) go on together, as the rest of the
    // group, delayed to the first one's turn: under a tight rate limit a group stays one job instead of falling apart.
    const rest = results.flatMap((r) => (r.type === 'deferred' ? [r] : []));
    if (rest.length) {
      const restTags = rest.map((r) => r.tag);
      const opts = handOnOptions(job, slot, restTags[0]!, Math.max(1, maxAttempts - attempt + 1), Math.max(0, attempt - 1), Math.min(...rest.map((r) => r.delayMs)));
      opts.jobId = restJobId(o.platform, restTags, slot);
      handOn.push({ name: 'collect', data: { platform: o.platform, tags: restTags, slot, reason: data.reason, ...(data.everyMs ? { everyMs: data.everyMs } : {}), ...(data.method ? { method: data.method } : {}), ...(attempt > 1 ? { priorAttempts: attempt - 1 } : {}) }, opts });
    }
    if (throttledForMs) await worker.rateLimit(throttledForMs);
    ownQueue ??= new Queue(name, { connection: o.connection as unknown as ConnectionOptions, prefix: o.naming.prefix });
    await Promise.all([observations.length || failures.length ? buffer.add(observations, failures) : undefined, handOn.length ? ownQueue.addBulk(handOn) : undefined]);
    for (const r of results) {
      if (r.type === 'ok') o.onOutcome?.({ tag: r.tag, slot, ok: true });
      else if (r.type === 'failed') o.onOutcome?.({ tag: r.tag, slot, ok: false, kind: r.failure.kind });
    }
    // What the job's completion acknowledges: the tags whose rows are in the load queue now (`stored`); the others
    // were given up (their failure rows sent) or go on in `handedOn` jobs.
    return { observations: observations.length, failures: failures.length, stored: results.flatMap((r) => (r.type === 'ok' ? [r.tag] : [])), handedOn: handOn.map((h) => h.data.tag ?? h.data.tags!), ms: Date.now() - t0 };
  };

  const processJob = async (job: Job, token?: string) => {
    const parsed = CollectJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid collect job payload: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const data = parsed.data;
    const slot = slotOf(job);
    return data.tags ? processGroup(job, token, data, data.tags, slot) : processSingle(job, token, data, data.tag!, slot);
  };
  const worker: Worker = new Worker(
    name,
    async (job: Job, token?: string) => {
      buffer.begin();
      try {
        return await processJob(job, token);
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
      // Global per queue across all worker processes. Requests are limited by `limiter` (RequestLimiter) above; this
      // one counts jobs (never more than requests) and is what a platform's 429 pauses (worker.rateLimit).
      limiter: o.limiter,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      maxStalledCount: 2,
    },
  );
  worker.on('closed', () => void ownQueue?.close().catch(() => undefined));
  // Errors and failures go through the guard: bounded logging, and a pause instead of a spin on MISCONF/ENOSPC.
  guardWorker(worker, o.guard);
  return Object.assign(worker, { loadBuffer: buffer, requestLimiter: limiter });
}

/**
 * Options of the single-tag job a tag of a group goes on as: the group's retry settings, with the attempts left for
 * this tag, and the backoff continued where the group's attempts left it (exponential base × 2^attemptsMade).
 */
function handOnOptions(group: Job, slot: string, tag: string, attemptsLeft: number, attemptsMade: number, delayMs?: number): JobsOptions {
  const backoff = group.opts.backoff;
  const baseMs = typeof backoff === 'object' ? (backoff.delay ?? 0) : typeof backoff === 'number' ? backoff : 0;
  const jitter = typeof backoff === 'object' ? (backoff.jitter ?? 0) : 0;
  const nextMs = delayMs ?? baseMs * 2 ** (attemptsMade - 1) * (1 - jitter * Math.random());
  return {
    attempts: Math.max(1, attemptsLeft),
    ...(typeof backoff === 'object' ? { backoff: { ...backoff, delay: baseMs * 2 ** attemptsMade } } : backoff !== undefined ? { backoff } : {}),
    ...(group.opts.removeOnComplete !== undefined ? { removeOnComplete: group.opts.removeOnComplete } : {}),
    ...(group.opts.removeOnFail !== undefined ? { removeOnFail: group.opts.removeOnFail } : {}),
    jobId: tagJobId(String((group.data as { platform?: string }).platform ?? ''), tag, slot),
    delay: Math.max(0, Math.round(nextMs)),
  };
}
