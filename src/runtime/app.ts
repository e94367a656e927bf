/**
 * The tagpulse process: wires store, Redis, queues, workers, scheduler and the API according to its roles.
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
import { writeHolder } from '../store/owner.ts';
import { splitStore } from '../store/split-store.ts';
import { resolveRedis, connectionFor, connectProducer, assertNoEviction, type RedisTarget } from '../queue/redis.ts';
import { collectJobOptions, collectQueueName, LOAD_QUEUE, openQueue, qname, type QueueNaming } from '../queue/queues.ts';
import { createCollectWorker } from '../workers/collect.ts';
import { evidenceLimitsOf } from '../services/raw-evidence.ts';
import { createLoadWorker, type Batcher, type LoadedBatch } from '../workers/load.ts';
import { syncSchedulers } from '../workers/scheduler.ts';
import { listTracked } from '../services/tracking.ts';
import { startApiServer, type ApiServer } from '../api/server.ts';
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
  #stopping?: Promise<void>;
  #ownsStore = false;

  constructor(readonly opts: AppOptions) {
    this.collectors = opts.collectors ?? createCollectors(opts.cfg, opts.platforms);
  }

  get naming(): QueueNaming {
    return this.opts.naming ?? { prefix: this.opts.cfg.queuePrefix };
  }

  async start(): Promise<this> {
    const { cfg, roles } = this.opts;
    const embedded = !cfg.clickhouseUrl;
    try {
      if (roles.load || roles.api || roles.scheduler) {
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
          ...(this.opts.onLoaded ? { onLoaded: this.opts.onLoaded } : {}),
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
              onOutcome: (e) => this.opts.onOutcome?.({ platform, ...e }),
              rawEvidence: { dataDir: cfg.dataDir, limits: evidenceLimitsOf(cfg) },
            }),
          );
        }
      }
      if (roles.scheduler) {
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
          mount: (router, deps) => this.opts.mount?.(router, { ...deps, app: this }),
        });
        if (embedded) writeHolder(cfg.dataDir, { pid: process.pid, command: this.opts.command, startedAt: new Date().toISOString(), apiUrl: this.api.url, token: this.api.ownerToken, ...(this.redis ? { redis: this.redis.shareable } : {}) } as never);
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
    this.redis = this.opts.redis ?? (await resolveRedis({ ...(cfg.redisUrl ? { redisUrl: cfg.redisUrl } : {}), dataDir: cfg.dataDir, embedded }));
    const producer = await connectProducer(this.redis);
    this.#conns.push(producer);
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
    await syncSchedulers(tracked, (p) => this.queues.get(p), collectJobOptions({ attempts, backoffMs }));
  }

  #conn(role: 'worker'): Redis {
    const c = connectionFor(this.redis!, role);
    this.#conns.push(c);
    return c;
  }

  /** Graceful: stop taking jobs, finish in-flight ones, flush the loader, then close everything. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#resyncTimer) clearInterval(this.#resyncTimer);
      const collectWorkers = this.workers.filter((w) => w.name !== qname(LOAD_QUEUE, this.naming));
      const loadWorkers = this.workers.filter((w) => w.name === qname(LOAD_QUEUE, this.naming));
      // Collectors first (they feed the loader), then the loader drains what they produced.
      await Promise.allSettled(collectWorkers.map((w) => w.close()));
      await Promise.allSettled(loadWorkers.map((w) => w.close()));
      await this.batcher?.close().catch(() => undefined);
      await this.api?.close().catch(() => undefined);
      await this.opts.beforeStoreClose?.().catch(() => undefined);
      await Promise.allSettled([...this.queues.values(), ...(this.loadQueue ? [this.loadQueue] : [])].map((q) => q.close()));
      for (const c of this.#conns) c.disconnect();
      for (const col of this.collectors.values()) await col.close?.().catch(() => undefined);
      await this.#readOnlyStore?.close().catch(() => undefined);
      // The store opened here (store/open.ts) also releases holder.json when it closes.
      if (this.#ownsStore) await this.store?.close().catch(() => undefined);
      await this.redis?.stop?.().catch(() => undefined);
      this.log.info('tagpulse stopped');
    })();
    return this.#stopping;
  }
}
