/**
 * The fault-test rig: a real Redis (AOF, fsync always), the local TikTok-shaped server, a real chDB store in a temp dir,
 * and any number of tagpulse Apps (or child worker processes) on them, with a history of what was enqueued and
 * acknowledged. Acknowledgements come from BullMQ's event stream (QueueEvents), so they are seen whichever process
 * completed the job — including one that was killed later.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { QueueEvents, type Job, type Queue } from 'bullmq';
import { App, type AppOptions, type AppRoles } from '../../src/runtime/app.ts';
import { startFakeTikTok, type FakeTikTok, type FakeTikTokOptions } from '../../src/demo/fake-tiktok.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { connectionFor } from '../../src/queue/redis.ts';
import { collectJobOptions, collectQueueName, LOAD_QUEUE, openQueue, qname, type QueueNaming } from '../../src/queue/queues.ts';
import { safeJobId } from '../../src/schema/jobs.ts';
import { slotOf } from '../../src/workers/collect.ts';
import type { Config, ConfigKey } from '../../src/config/config.ts';
import type { Store } from '../../src/store/store.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { tempDir, randomName } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';
import { waitUntil } from '../helpers/wait.ts';
import { History, checkHistory, isClean, summarize, type CheckResult } from './checker.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface RigOptions {
  fake?: FakeTikTokOptions;
  cfg?: Partial<Record<ConfigKey, unknown>>;
  redisArgs?: string[];
}

export interface Rig {
  redis: TestRedis;
  fake: FakeTikTok;
  store: ClickHouseStore;
  cfg: Config;
  naming: QueueNaming;
  history: History;
  collectQueue: Queue;
  loadQueue: Queue;
  /** Job ids the stall detector moved back to wait, in event order. */
  stalled: string[];
  startApp(roles: Partial<AppRoles>, extra?: Partial<AppOptions>): Promise<App>;
  /** Enqueue one manual collect job per (tag, slot), with the configured retry policy; records the invocations. */
  enqueue(tags: string[], slots: string[]): Promise<string[]>;
  /** Enqueue one group collect job per slot holding all `tags` (what a grouped job scheduler enqueues); records the invocations. */
  enqueueGroups(tags: string[], slots: string[]): Promise<string[]>;
  /** A `tagpulse worker --queues collect` child process on this rig's Redis and server. */
  spawnCollectWorker(env?: Record<string, string>): ChildProcess & { output: () => string };
  check(tags: string[], store?: Store): Promise<CheckResult>;
  /** Wait until every invariant holds (backlog drained, nothing lost); prints and returns the final check. */
  waitClean(title: string, tags: string[], timeoutMs?: number): Promise<CheckResult>;
  close(): Promise<void>;
}

/** Slots one minute apart from a fixed future hour, so they never collide with scheduler slots. */
export function slots(n: number, from = '2031-01-01T00:00:00.000Z'): string[] {
  return Array.from({ length: n }, (_, i) => new Date(Date.parse(from) + i * 60_000).toISOString());
}

export const uniqueTags = (...bases: string[]) => {
  const suffix = randomName('t').slice(2).replace(/-/g, '_');
  return bases.map((b) => `${b}_${suffix}`);
};

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const redis = await startTestRedis(o.redisArgs);
  const fake = await startFakeTikTok(o.fake);
  const dir = tempDir('tagpulse-faults-');
  const store = await openClickHouseStore({ dataDir: dir.dir });
  await store.migrate();
  const cfg = testConfig({
    dataDir: dir.dir,
    tiktokBaseUrl: fake.url,
    queuePrefix: randomName('tpf'),
    attempts: 5,
    backoffMs: 200,
    loadFlushMs: 50,
    lockDurationMs: 2000,
    stalledIntervalMs: 500,
    rateLimitMax: 10_000,
    rateLimitDurationMs: 1000,
    ...o.cfg,
  });
  // No suffix: a child `tagpulse worker` process names its queues from the prefix alone.
  const naming: QueueNaming = { prefix: cfg.queuePrefix };
  const history = new History();
  const producer = connectionFor(redis.target, 'producer');
  const collectQueue = openQueue(collectQueueName('tiktok'), producer, naming);
  const loadQueue = openQueue(LOAD_QUEUE, producer, naming);
  const eventsConn = connectionFor(redis.target, 'worker');
  const events = new QueueEvents(qname(collectQueueName('tiktok'), naming), { connection: eventsConn as never, prefix: naming.prefix });
  const stalled: string[] = [];
  const ackLookups: Promise<void>[] = [];
  events.on('error', () => undefined); // Redis outages are the point of these tests; the reconnects are checked by outcome
  events.on('stalled', ({ jobId }) => stalled.push(jobId));
  events.on('completed', ({ jobId, returnvalue }) => {
    // Only a job that produced observations acknowledged a sample (failures and drops complete differently).
    if (!(returnvalue as unknown as { observations?: number } | null)?.observations) return;
    // The producer may still be reconnecting when a completion arrives right after a Redis restart: retry (bounded).
    const lookup = async (): Promise<void> => {
      for (let i = 0; ; i++) {
        try {
          const job: Job | undefined = await collectQueue.getJob(jobId);
          // A group job (grouped scheduling, issue 15) acknowledges the tags it stored; a single-tag job its tag.
          const tags = (returnvalue as unknown as { stored?: string[] }).stored ?? [(job?.data as { tag: string } | undefined)?.tag];
          if (job) for (const t of tags) if (t) history.ok(t, slotOf(job));
          return;
        } catch (e) {
          if (i >= 80) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    ackLookups.push(lookup());
  });
  await events.waitUntilReady();
  const apps: App[] = [];
  const children: ChildProcess[] = [];

  const rig: Rig = {
    redis,
    fake,
    store,
    cfg,
    naming,
    history,
    collectQueue,
    loadQueue,
    stalled,
    async startApp(roles, extra = {}) {
      const app = new App({
        cfg,
        command: 'fault-test',
        roles: { scheduler: false, collect: false, load: false, api: false, ...roles },
        redis: redis.target,
        naming,
        ...(roles.load || roles.scheduler ? { store } : {}),
        ...extra,
      });
      apps.push(app);
      return app.start();
    },
    async enqueue(tags, slotList) {
      const jobs = tags.flatMap((tag) => slotList.map((slot) => ({ tag, slot })));
      const added = await collectQueue.addBulk(
        jobs.map(({ tag, slot }) => ({
          name: 'collect',
          data: { platform: 'tiktok', tag, slot, reason: 'manual' },
          opts: { ...collectJobOptions({ attempts: cfg.attempts, backoffMs: cfg.backoffMs }), jobId: safeJobId('fault', tag, String(Date.parse(slot))) },
        })),
      );
      for (const j of jobs) history.invoke(j.tag, j.slot);
      return added.map((j) => j.id!);
    },
    async enqueueGroups(tags, slotList) {
      const added = await collectQueue.addBulk(
        slotList.map((slot) => ({
          name: 'collect',
          data: { platform: 'tiktok', tags, slot, reason: 'manual' },
          opts: { ...collectJobOptions({ attempts: cfg.attempts, backoffMs: cfg.backoffMs }), jobId: safeJobId('faultgroup', String(Date.parse(slot))) },
        })),
      );
      for (const slot of slotList) for (const tag of tags) history.invoke(tag, slot);
      return added.map((j) => j.id!);
    },
    spawnCollectWorker(env = {}) {
      const child = spawn(process.execPath, [join(ROOT, 'bin/tagpulse.js'), 'worker', '--queues', 'collect'], {
        cwd: dir.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir.dir,
          TAGPULSE_FROM_SOURCE: '1',
          TAGPULSE_DATA_DIR: dir.dir,
          TAGPULSE_REDIS_URL: redis.url,
          TAGPULSE_QUEUE_PREFIX: naming.prefix,
          TAGPULSE_TIKTOK_BASE_URL: fake.url,
          TAGPULSE_LOCK_DURATION_MS: String(cfg.lockDurationMs),
          TAGPULSE_STALLED_INTERVAL_MS: String(cfg.stalledIntervalMs),
          TAGPULSE_COLLECT_CONCURRENCY: String(cfg.collectConcurrency),
          TAGPULSE_RATE_LIMIT_MAX: String(cfg.rateLimitMax),
          TAGPULSE_RATE_LIMIT_DURATION_MS: String(cfg.rateLimitDurationMs),
          TAGPULSE_LOG_LEVEL: 'warn',
          ...env,
        },
      });
      let output = '';
      const keep = (b: Buffer) => (output = (output + b.toString()).slice(-8000));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      children.push(child);
      return Object.assign(child, { output: () => output });
    },
    async check(tags, over = store) {
      await Promise.all(ackLookups);
      return checkHistory(over, history, { tags, served: fake.served });
    },
    async waitClean(title, tags, timeoutMs = 45_000) {
      let last: CheckResult | undefined;
      try {
        await waitUntil(async () => isClean((last = await rig.check(tags))), { timeoutMs, intervalMs: 250, what: `${title}: every enqueued slot stored exactly once` });
      } finally {
        if (last) console.log(summarize(title, last));
      }
      return last!;
    },
    async close() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const a of apps.reverse()) await a.stop().catch(() => undefined);
      await events.close().catch(() => undefined);
      eventsConn.disconnect();
      await collectQueue.close().catch(() => undefined);
      await loadQueue.close().catch(() => undefined);
      producer.disconnect();
      await store.close();
      await fake.close();
      await redis.cleanup();
      dir.cleanup();
    },
  };
  return rig;
}
