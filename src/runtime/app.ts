/**
 * The tagpulse process: wires store, Redis, queues, workers, scheduler and the API according to its roles, and
 * supervises them: the private redis-server is restarted when it dies (workers reconnect, the scheduler resyncs and
 * missed slots are checked), health is decided per role, and a stop always ends within shutdownTimeoutMs, reporting
 * what could not be flushed.
 *  - `tagpulse run`: all roles (owner of the embedded store).
 *  - `tagpulse worker --queues collect`: collect only (no store needed: can run on another machine).
 *  - `tagpulse worker --queues load`: load only.
 */
import { randomBytes } from 'node:crypto';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import type { Collector } from '../collectors/types.ts';
import { createCollectors } from '../collectors/registry.ts';
import { collectLimitsFor } from '../collectors/common/limits.ts';
import { openStore } from '../store/open.ts';
import { clearHolder, clearStaleHolder, writeHolder } from '../store/owner.ts';
import { splitStore } from '../store/split-store.ts';
import { resolveRedis, connectionFor, connectProducer, assertNoEviction, configureRedisLogging, RedisSetupError, type RedisTarget } from '../queue/redis.ts';
import { guardOf } from '../queue/worker-guard.ts';
import { collectJobOptions, collectQueueName, LOAD_QUEUE, openQueue, qname, type QueueNaming } from '../queue/queues.ts';
import { createCollectWorker } from '../workers/collect.ts';
import { evidenceLimitsOf } from '../services/raw-evidence.ts';
import { createLoadWorker, type Batcher, type LoadedBatch } from '../workers/load.ts';
import { syncSchedulers, type Grouping } from '../workers/scheduler.ts';
import { safeJobId } from '../schema/jobs.ts';
import { latestQuery } from '../store/queries.ts';
import { catchUpSlot, detectGaps, type GapReport } from '../services/queue-gaps.ts';
import { listTracked } from '../services/tracking.ts';
import { createSummaryHook } from '../services/tag-summaries.ts';
import { startApiServer, type ApiServer, type HealthReport } from '../api/server.ts';
import type { Router } from '../api/router.ts';
import { logger } from '../util/log.ts';

export interface AppRoles {
  scheduler: boolean;
  collect: boolean;
  load: boolean;
  api: boolean;
}

export interface AppOptions {
  cfg: Config;
  roles: AppRoles;
  command: string;
  /** Queue isolation (tests): random suffix. */
  naming?: QueueNaming;
  collectors?: Map<string, Collector>;
  /** Platforms to collect (default: every platform with a collector). */
  platforms?: string[];
  store?: Store;
  redis?: RedisTarget;
  mount?: (router: Router, deps: { store: Store; app: App }) => void;
  onLoaded?: (b: LoadedBatch) => void | Promise<void>;
  onOutcome?: (e: { platform: string; tag: string; slot: string; ok: boolean; kind?: string }) => void;
  /** Runs after the workers have stopped and before the store closes (e.g. let alert evaluation finish). */
  beforeStoreClose?: () => Promise<void>;
  /** How often the scheduler re-reads tracked tags (ms). */
  resyncMs?: number;
  /** The private redis-server died and could not be restarted: the caller stops (after the loader flushed) and exits non-zero. */
  onFatal?: (err: Error) => void;
}

/** What a stop did: whether it finished in time, and what stayed unflushed (still in Redis, retried at next start). */
export interface StopReport {
  timedOut: boolean;
  elapsedMs: number;
  /** Collect jobs active in Redis after the collect workers stopped (null: Redis did not answer). */
  activeJobs: number | null;
  /** Rows collected but not inserted into the store (their load jobs stay in Redis, if Redis still has them). */
  unflushedRows: number;
  notes: string[];
}

export class App {
  readonly log = logger('app');
  store?: Store;
  redis?: RedisTarget;
  api?: ApiServer;
  readonly queues = new Map<string, Queue>();
  loadQueue?: Queue;
  readonly workers: Worker[] = [];
  batcher?: Batcher;
  readonly collectors: Map<string, Collector>;
  #conns: Redis[] = [];
  #resyncTimer?: NodeJS.Timeout;
  #readOnlyStore?: Store;
  #stopping?: Promise<StopReport>;
  #ownsStore = false;
  /** Refreshes the per-tag summary of the tags each load batch stored (services/tag-summaries.ts). */
  #summaryHook = createSummaryHook(() => this.store, { minIntervalMs: () => this.opts.cfg.summaryRefreshMinMs });
  #producer?: Redis;
  /** Set when a role of this process can no longer proceed (e.g. Redis could not be restarted). */
  fatal?: Error;
  /** Missed slots found at start or after a Redis restart. */
  gaps?: GapReport;

  constructor(readonly opts: AppOptions) {
    this.collectors = opts.collectors ?? createCollectors(opts.cfg, opts.platforms);
  }

  /** How tracked tags are put into scheduled collect jobs (workers/scheduler.ts). */
  get grouping(): Grouping {
    return { maxTags: this.opts.cfg.collectGroupMaxTags, phaseStepMs: this.opts.cfg.collectGroupPhaseStepMs };
  }

  get naming(): QueueNaming {
    return this.opts.naming ?? { prefix: this.opts.cfg.queuePrefix };
  }

  async start(): Promise<this> {
    const { cfg, roles } = this.opts;
    const embedded = !cfg.clickhouseUrl;
    try {
      if (roles.load || roles.api || roles.scheduler) {
        if (embedded && !this.opts.store) {
          // A holder.json left by a killed process would name a dead pid; say so once, then this process takes over.
          const stale = clearStaleHolder(cfg.dataDir);
          if (stale) this.log.warn({ pid: stale.pid, command: stale.command, startedAt: stale.startedAt }, `a previous ${stale.command} (pid ${stale.pid}) ended without releasing the data dir (killed?); its stale holder.json was removed and this process takes over`);
        }
        this.store = this.opts.store ?? (await openStore(cfg, 'owner', { command: this.opts.command }));
        this.#ownsStore = !this.opts.store;
        if (this.opts.store) await this.store.migrate();
      }
      // A read-only viewer (serve) needs no Redis unless one is given (then it shows queue health).
      const needsQueues = roles.scheduler || roles.collect || roles.load || Boolean(cfg.redisUrl || this.opts.redis);
      if (needsQueues) await this.#openQueues(embedded);
      const workerConn = () => this.#conn('worker');

      if (roles.load) {
        const { worker, batcher } = createLoadWorker({
          store: this.store!,
          connection: workerConn(),
          naming: this.naming,
          batchSize: cfg.loadBatchSize,
          flushMs: cfg.loadFlushMs,
          lockDurationMs: cfg.lockDurationMs,
          stalledIntervalMs: cfg.stalledIntervalMs,
          guard: { where: cfg.dataDir, summaryEveryMs: cfg.logRepeatSummaryMs },
          // every batch the loader stores refreshes those tags' summary rows (in the background), then the caller's hooks
          onLoaded: async (b: LoadedBatch) => {
            await this.#summaryHook(b);
            await this.opts.onLoaded?.(b);
          },
        });
        this.workers.push(worker);
        this.batcher = batcher;
      }
      if (roles.collect) {
        for (const [platform, collector] of this.collectors) {
          this.workers.push(
            createCollectWorker({
              platform,
              collector,
              connection: workerConn(),
              loadQueue: this.loadQueue!,
              naming: this.naming,
              // Per-platform politeness (platformLimits), else the global rate limit and concurrency.
              ...collectLimitsFor(cfg, platform),
              lockDurationMs: cfg.lockDurationMs,
              stalledIntervalMs: cfg.stalledIntervalMs,
              guard: { where: this.redis?.describe ?? cfg.dataDir, summaryEveryMs: cfg.logRepeatSummaryMs },
              onOutcome: (e) => this.opts.onOutcome?.({ platform, ...e }),
              rawEvidence: { dataDir: cfg.dataDir, limits: evidenceLimitsOf(cfg) },
              rateWaitMaxMs: cfg.collectRateWaitMaxMs,
              loadFlushMs: cfg.collectBatchMs,
              loadMaxRows: cfg.loadBatchSize,
            }),
          );
        }
      }
      if (roles.scheduler) {
        await this.checkGaps('start').catch((e) => this.log.warn({ err: (e as Error).message }, 'could not compare the queue with the store'));
        await this.resync();
        this.#resyncTimer = setInterval(() => void this.resync().catch((e) => this.log.warn({ err: (e as Error).message }, 'scheduler resync failed')), this.opts.resyncMs ?? 15_000);
        this.#resyncTimer.unref();
      }
      if (roles.api) {
        let apiStore = this.#storeWithResync();
        if (cfg.clickhouseUrl && cfg.clickhouseReadonlyUrl) {
          this.#readOnlyStore = await openStore(cfg, 'reader');
          apiStore = splitStore(apiStore, this.#readOnlyStore);
        }
        this.api = await startApiServer({
          store: apiStore,
          host: cfg.apiHost,
          port: cfg.apiPort,
          adminToken: cfg.adminToken,
          ownerToken: randomBytes(24).toString('hex'),
          health: () => this.health(),
          mount: (router, deps) => this.opts.mount?.(router, { ...deps, app: this }),
        });
        if (embedded) writeHolder(cfg.dataDir, { pid: process.pid, command: this.opts.command, startedAt: new Date().toISOString(), apiUrl: this.api.url, token: this.api.ownerToken, ...(this.redis ? { redis: this.redis.shareable } : {}) });
      }
      this.log.info({ roles, redis: this.redis?.describe ?? 'none', store: this.store?.backend, api: this.api?.url }, 'tagpulse started');
      return this;
    } catch (e) {
      await this.stop().catch(() => undefined);
      throw e;
    }
  }

  async #openQueues(embedded: boolean): Promise<void> {
    const { cfg } = this.opts;
    configureRedisLogging(cfg.logRepeatSummaryMs);
    this.redis =
      this.opts.redis ??
      (await resolveRedis({
        ...(cfg.redisUrl ? { redisUrl: cfg.redisUrl } : {}),
        dataDir: cfg.dataDir,
        embedded,
        supervise: {
          restartAttempts: cfg.redisRestartAttempts,
          onFatal: (err) => {
            this.fatal = err;
            this.log.fatal({ err: err.message }, 'Redis is gone for good: stopping');
            this.opts.onFatal?.(err);
          },
        },
      }));
    const producer = await connectProducer(this.redis);
    this.#producer = producer;
    this.#conns.push(producer);
    // Any Redis (private or the user's) that comes back after a loss: resync and look for missed slots.
    let wasDown = false;
    producer.on('close', () => (wasDown = true));
    producer.on('ready', () => {
      if (!wasDown || this.#stopping) return;
      wasDown = false;
      void this.#afterRedisRestart();
    });
    await assertNoEviction(producer);
    this.loadQueue = openQueue(LOAD_QUEUE, producer, this.naming);
    for (const platform of this.collectors.keys()) this.queues.set(platform, openQueue(collectQueueName(platform), producer, this.naming));
  }

  /** A store whose tracked-tag writes also refresh the schedulers (writes from other CLI processes arrive here). */
  #storeWithResync(): Store {
    const store = this.store!;
    const app = this;
    return new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'upsertTracked' && typeof v === 'function') {
          return async (...args: unknown[]) => {
            await (v as (...a: unknown[]) => Promise<void>).apply(target, args);
            if (app.opts.roles.scheduler) await app.resync();
          };
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  async resync(): Promise<void> {
    if (!this.store) return;
    const tracked = await listTracked(this.store);
    const { attempts, backoffMs } = this.opts.cfg;
    await syncSchedulers(tracked, (p) => this.queues.get(p), collectJobOptions({ attempts, backoffMs }), this.grouping);
  }

  #conn(role: 'worker'): Redis {
    const c = connectionFor(this.redis!, role);
    this.#conns.push(c);
    return c;
  }

  /** After the private redis-server came back: schedulers again (its AOF may have missed the last second), missed slots. */
  #afterRestart?: Promise<void>;
  #afterRedisRestart(): Promise<void> {
    this.#afterRestart ??= this.#resyncAfterRestart().finally(() => (this.#afterRestart = undefined));
    return this.#afterRestart;
  }

  async #resyncAfterRestart(): Promise<void> {
    if (!this.opts.roles.scheduler || this.#stopping) return;
    try {
      await this.#waitRedisReady(10_000);
      await this.checkGaps('redis restart');
      await this.resync();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'resync after the Redis restart failed; the periodic resync retries');
    }
  }

  async #waitRedisReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#producer && this.#producer.status !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /**
   * Compare the queue with the store: planned slots after each tracked tag's last stored sample, with no job for the
   * tag in any queue, are gaps (one warning with the count; shown by status and the operations page). The latest
   * slot, if due less than one cadence ago, is collected now (catch-up) instead of waiting for the next slot.
   */
  async checkGaps(when: 'start' | 'redis restart'): Promise<GapReport | undefined> {
    if (!this.store || !this.loadQueue) return undefined;
    const tracked = (await listTracked(this.store)).filter((t) => t.active && this.queues.has(t.platform));
    if (!tracked.length) return undefined;
    const withJobs = new Set<string>();
    let schedulers = 0;
    const states = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'] as const;
    for (const q of [...this.queues.values(), this.loadQueue]) {
      if (q !== this.loadQueue) schedulers += await q.getJobSchedulersCount();
      for (const j of await q.getJobs([...states])) {
        const d = j?.data as { platform?: string; tag?: string; tags?: string[]; observations?: { platform: string; tag: string }[]; failures?: { platform: string; tag: string }[] } | undefined;
        if (d?.tag && d.platform) withJobs.add(`${d.platform}|${d.tag}`);
        if (d?.platform) for (const t of d.tags ?? []) withJobs.add(`${d.platform}|${t}`);
        for (const o of [...(d?.observations ?? []), ...(d?.failures ?? [])]) withJobs.add(`${o.platform}|${o.tag}`);
      }
    }
    const latest = await this.store.run(latestQuery, { platforms: tracked.map((t) => t.platform), tags: tracked.map((t) => t.tag) });
    const lastAt = new Map<string, string>();
    for (const r of latest) {
      const k = `${r.platform}|${r.tag}`;
      if (!lastAt.has(k) || r.latest_at > lastAt.get(k)!) lastAt.set(k, r.latest_at);
    }
    const nowMs = Date.now();
    const report = detectGaps({ tracked, lastAt, withJobs, schedulersExisted: schedulers > 0, nowMs, grouping: this.grouping });
    const { attempts, backoffMs } = this.opts.cfg;
    for (const g of report.tags) {
      const slot = catchUpSlot(g, nowMs);
      const q = this.queues.get(g.platform);
      if (!slot || !q) continue;
      // reason 'schedule': it is the scheduler's slot, collected late; the job id says it is a catch-up.
      await q.add('collect', { platform: g.platform, tag: g.tag, slot, reason: 'schedule' }, { ...collectJobOptions({ attempts, backoffMs }), jobId: safeJobId('catchup', g.platform, g.tag, String(Date.parse(slot))) });
      g.missedSlots--;
      report.totalMissedSlots--;
      report.caughtUp.push(`${g.platform}|${g.tag}`);
    }
    report.tags = report.tags.filter((g) => g.missedSlots > 0);
    this.gaps = report;
    await this.#producer?.set(`${this.naming.prefix}:tagpulse:gaps`, JSON.stringify(report), 'EX', 7 * 24 * 3600).catch(() => undefined);
    if (report.totalMissedSlots > 0) {
      this.log.warn(
        { when, tags: report.tags.length, missedSlots: report.totalMissedSlots, caughtUp: report.caughtUp.length, queueWasEmpty: report.queueWasEmpty },
        `${report.tags.length} tracked tag(s) have ${report.totalMissedSlots} planned slot(s) with no stored sample and no job` +
          (report.queueWasEmpty ? ' — the queue state was lost (Redis started empty: AOF missing?)' : '') +
          (report.caughtUp.length ? `; the latest slot of ${report.caughtUp.length} tag(s) is collected now` : '') +
          '. Past slots cannot be re-read: they stay gaps (see tagpulse status)',
      );
    } else if (report.caughtUp.length) {
      this.log.warn({ when, caughtUp: report.caughtUp.length, queueWasEmpty: report.queueWasEmpty }, `the latest slot of ${report.caughtUp.length} tracked tag(s) had no job (lost with Redis?): it is collected now, late, at its real fetch time`);
    }
    return report;
  }

  /** Health per role: collection needs Redis; serving and loading-only processes stay healthy without it. */
  async health(): Promise<HealthReport> {
    const reasons: string[] = [];
    const store = this.store ? ((await this.store.ping().catch(() => false)) ? 'up' : 'down') : 'none';
    const redisUp = this.#producer?.status === 'ready';
    const redis = this.redis ? (redisUp ? 'up' : 'down') : 'none';
    const workersRunning = this.workers.filter((w) => w.isRunning() && !guardOf(w)?.state.paused).length;
    if (store === 'down') reasons.push('store');
    if (this.opts.roles.collect && !redisUp) reasons.push('redis');
    if (this.opts.roles.collect && this.workers.length && workersRunning < this.workers.length) reasons.push('workers');
    if (this.fatal) reasons.push('fatal');
    return { ok: reasons.length === 0, store, redis, workers: `${workersRunning}/${this.workers.length}`, failing: reasons };
  }

  /** Redis process state for reporting (private server: up/down/restarting/failed; external: from the connection). */
  redisState(): { up: boolean; state: string; restarts: number; adopted: boolean } {
    const sup = this.redis?.supervisor;
    const up = this.#producer?.status === 'ready';
    return { up, state: sup?.state ?? (this.redis ? (up ? 'up' : 'down') : 'none'), restarts: sup?.restarts ?? 0, adopted: Boolean(sup?.adoptedFrom) };
  }

  /** Graceful: stop taking jobs, finish in-flight ones, flush the loader, then close everything — within shutdownTimeoutMs. */
  stop(): Promise<StopReport> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<StopReport> {
    const started = Date.now();
    const budget = this.opts.cfg.shutdownTimeoutMs;
    const deadline = started + budget;
    const notes: string[] = [];
    let timedOut = false;
    /** Run a step until the deadline; a step still running then is abandoned (and noted). */
    const step = async (what: string, p: () => Promise<unknown>, capMs = Infinity): Promise<void> => {
      const left = Math.min(deadline - Date.now(), capMs);
      if (left <= 0) {
        timedOut = true;
        notes.push(`${what}: skipped (out of time)`);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        p().then(
          () => 'done' as const,
          () => 'done' as const,
        ),
        new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), left))),
      ]);
      clearTimeout(timer);
      if (r === 'timeout') {
        if (capMs === Infinity || Date.now() >= deadline) timedOut = true;
        notes.push(`${what}: did not finish in time`);
      }
    };
    if (this.#resyncTimer) clearInterval(this.#resyncTimer);
    const collectWorkers = this.workers.filter((w) => w.name !== qname(LOAD_QUEUE, this.naming));
    const loadWorkers = this.workers.filter((w) => w.name === qname(LOAD_QUEUE, this.naming));
    // Collectors first (they feed the loader), then the loader drains what they produced. Without Redis neither can
    // finish: close(true) does not wait for Redis, and jobs left active are retried after their locks expire.
    const redisUp = () => this.#producer?.status === 'ready';
    await step('collect workers', () => Promise.allSettled(collectWorkers.map((w) => (redisUp() ? w.close() : w.close(true)))));
    const activeJobs = await this.#countActive();
    await step('load workers', () => Promise.allSettled(loadWorkers.map((w) => (redisUp() ? w.close() : w.close(true)))));
    await step('loader flush', async () => this.batcher?.close());
    const unflushedRows = this.batcher?.pendingRows ?? 0;
    if (timedOut) for (const w of this.workers) void w.close(true).catch(() => undefined);
    await step('api', async () => this.api?.close(), 2000);
    await step('post-load hooks', async () => {
      await this.opts.beforeStoreClose?.();
      await this.#summaryHook.idle();
    }, 5000);
    await step('queues', () => Promise.allSettled([...this.queues.values(), ...(this.loadQueue ? [this.loadQueue] : [])].map((q) => q.close())), 2000);
    for (const c of this.#conns) c.disconnect();
    await step('collectors', async () => {
      for (const col of this.collectors.values()) await col.close?.().catch(() => undefined);
    }, 10_000);
    await step('read-only store', async () => this.#readOnlyStore?.close(), 5000);
    if (this.#ownsStore) await step('store', async () => this.store?.close(), 10_000);
    if (!this.opts.cfg.clickhouseUrl && this.#ownsStore) clearHolder(this.opts.cfg.dataDir);
    // The private redis-server is stopped on every path (bounded: SIGKILL after 5 s).
    await this.redis?.stop?.().catch(() => undefined);
    const report: StopReport = { timedOut, elapsedMs: Date.now() - started, activeJobs, unflushedRows, notes };
    if (timedOut || unflushedRows || notes.length) this.log.warn(report, 'tagpulse stopped, but not everything could be finished');
    else this.log.info({ elapsedMs: report.elapsedMs }, 'tagpulse stopped');
    return report;
  }

  async #countActive(): Promise<number | null> {
    if (this.#producer?.status !== 'ready') return null;
    try {
      const counts = await Promise.race([
        Promise.all([...this.queues.values()].map((q) => q.getActiveCount())),
        new Promise<number[]>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000)),
      ]);
      return counts.reduce((a, b) => a + b, 0);
    } catch {
      return null;
    }
  }

  /** Second Ctrl-C: stop at once. Nothing is awaited; the private redis-server is told to stop so it is not orphaned. */
  killNow(): void {
    this.redis?.supervisor?.killNow();
    if (!this.opts.cfg.clickhouseUrl && this.#ownsStore) clearHolder(this.opts.cfg.dataDir);
  }
}
