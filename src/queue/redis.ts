/**
 * Redis for the queues. Either the user's Redis (TAGPULSE_REDIS_URL / --redis-url) or, in embedded mode, a private
 * redis-server child: unix socket in the data dir, AOF on, maxmemory-policy noeviction, reused if already running,
 * stopped on shutdown by the process that started it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { logger } from '../util/log.ts';
import { LogThrottle } from '../util/log-throttle.ts';
import { errnoOf, faultKindOf } from '../util/os-errors.ts';

let throttle: LogThrottle | undefined;
let summaryEveryMs = 30_000;
/** One throttle for every Redis connection of the process (they all fail together when Redis is down). */
export function redisLogThrottle(): LogThrottle {
  throttle ??= new LogThrottle((level, fields, msg) => logger('redis')[level](fields, msg), { summaryEveryMs });
  return throttle;
}
/** Set the summary period (config logRepeatSummaryMs) before the first connection. */
export function configureRedisLogging(everyMs: number): void {
  summaryEveryMs = everyMs;
  throttle = undefined;
}

export class RedisSetupError extends Error {
  readonly code: string = 'REDIS_SETUP';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Redis evicts keys under memory pressure: BullMQ would silently lose jobs. Refuse to run. */
export class RedisEvictionPolicyError extends RedisSetupError {
  override readonly code = 'REDIS_EVICTION_POLICY';
}

export interface RedisTarget {
  /** ioredis options without per-role settings (those are added by connectionFor). */
  options: RedisOptions;
  /** Human description for logs and messages (never includes a password). */
  describe: string;
  /** Present when this process started a private redis-server: stop() on shutdown. */
  stop?: () => Promise<void>;
  /** How a second tagpulse process reaches the same Redis (URL or unix socket path). */
  shareable: string;
  /** The supervised private redis-server, when this process owns it. */
  supervisor?: PrivateRedis;
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new RedisSetupError(`redis URL ${JSON.stringify(redact(url))} is not valid; use redis://host:6379 or unix:///path/to/redis.sock`, { cause: e });
  }
  if (u.protocol === 'unix:' || u.protocol === 'redis+unix:') {
    return { options: { path: u.pathname }, describe: `unix:${u.pathname}`, shareable: url };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RedisSetupError(`redis URL must start with redis://, rediss:// or unix:// (got ${u.protocol})`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  return {
    options: {
      host: u.hostname,
      port: u.port ? Number(u.port) : 6379,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      db,
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
    describe: `${u.protocol}//${u.hostname}:${u.port || 6379}/${db}`,
    shareable: url,
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

export function findRedisServer(): string | undefined {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return p || undefined;
}

async function pingSocket(path: string, timeoutMs = 1000): Promise<boolean> {
  const r = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** The tagpulse process that owns (supervises and stops) the private redis-server of a data dir. */
const ownerFileOf = (dataDir: string) => join(dataDir, 'redis', 'owner.json');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function readOwner(dataDir: string): number | undefined {
  try {
    const o = JSON.parse(readFileSync(ownerFileOf(dataDir), 'utf8')) as { pid?: unknown };
    return typeof o.pid === 'number' ? o.pid : undefined;
  } catch {
    return undefined;
  }
}

export type RedisProcessState = 'up' | 'down' | 'restarting' | 'failed' | 'stopped';

export interface PrivateRedisEvents {
  /** The redis-server died (not stopped by us). */
  onDown?: (info: { pid: number | undefined }) => void;
  /** It runs again after a restart. */
  onRestarted?: (info: { pid: number | undefined; restarts: number }) => void;
  /** It could not be restarted (after the configured attempts). */
  onFatal?: (err: RedisSetupError) => void;
}

export interface PrivateRedisOptions extends PrivateRedisEvents {
  redisServerBin?: string;
  /** Restarts in a row before giving up (0 = never restart). */
  restartAttempts?: number;
  /** First restart delay; doubles per failed attempt (capped at 8 s). */
  restartBackoffMs?: number;
  /** How often the pid is checked (an adopted server is not our child: no exit event). */
  watchMs?: number;
}

/**
 * A supervised private redis-server. It is either our child or an orphan adopted from a previous tagpulse that
 * was killed (-9): in both cases this process owns it — restarts it when it dies (with backoff) and stops it on
 * shutdown. A redis-server whose owner is another live tagpulse process is shared, not owned (no stop, no restart).
 */
export class PrivateRedis {
  state: RedisProcessState = 'down';
  pid: number | undefined;
  restarts = 0;
  adoptedFrom: { redisPid: number | undefined; ownerPid: number | undefined } | undefined;
  readonly sock: string;
  readonly dir: string;
  readonly #log;
  #child: ChildProcess | undefined;
  #watch: NodeJS.Timeout | undefined;
  #stopping = false;
  #restarting = false;

  constructor(
    readonly dataDir: string,
    readonly opts: PrivateRedisOptions = {},
  ) {
    this.dir = join(dataDir, 'redis');
    this.sock = join(dataDir, 'redis.sock');
    this.#log = logger('redis', { socket: this.sock });
  }

  /** This handle supervises the server and stops it on shutdown (it started or adopted it). */
  owned = false;

  target(): RedisTarget {
    const shared = !this.owned;
    return {
      options: { path: this.sock },
      describe: `private redis (unix:${this.sock}${this.pid ? `, pid ${this.pid}` : ''}${this.adoptedFrom ? ', adopted' : shared ? ', reused' : ''})`,
      shareable: `unix://${this.sock}`,
      ...(shared ? {} : { stop: () => this.stop(), supervisor: this }),
    };
  }

  async start(): Promise<RedisTarget> {
    if (Buffer.byteLength(this.sock) > 100) {
      throw new RedisSetupError(`the data dir path is too long for a unix socket (${this.sock}); use a shorter --data-dir or set --redis-url`);
    }
    if (existsSync(this.sock) && (await pingSocket(this.sock))) {
      const owner = readOwner(this.dataDir);
      const redisPid = readPid(join(this.dir, 'redis.pid'));
      if (owner !== undefined && pidAlive(owner)) {
        this.pid = redisPid;
        this.state = 'up';
        this.#log.info({ owner, pid: redisPid }, 'reusing the private redis-server of a running tagpulse process (it owns its shutdown)');
        return this.target();
      }
      // An orphan: its owner is gone (kill -9). Adopt it: we supervise it and stop it on shutdown.
      this.adoptedFrom = { redisPid, ownerPid: owner };
      this.pid = redisPid;
      this.#writeOwner();
      this.owned = true;
      this.state = 'up';
      this.#log.warn({ pid: redisPid, previousOwner: owner ?? null }, 'adopted the private redis-server left running by a tagpulse process that is gone; this process now owns its shutdown');
      this.#startWatch();
      return this.target();
    }
    await this.#spawn();
    this.#writeOwner();
    this.owned = true;
    this.#startWatch();
    return this.target();
  }

  #writeOwner(): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(ownerFileOf(this.dataDir), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }), { mode: 0o600 });
  }

  async #spawn(): Promise<void> {
    const bin = this.opts.redisServerBin ?? findRedisServer();
    if (!bin || !existsSync(bin)) {
      throw new RedisSetupError(
        'no redis-server found. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, or run scripts/setup.sh), ' +
          'or point tagpulse at an existing Redis with --redis-url / TAGPULSE_REDIS_URL.',
      );
    }
    const dir = this.dir;
    mkdirSync(dir, { recursive: true });
    rmSync(this.sock, { force: true });
    const args = [
      '--port', '0',
      '--unixsocket', this.sock,
      '--unixsocketperm', '700',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--maxmemory-policy', 'noeviction',
      '--save', '',
      '--daemonize', 'no',
      '--pidfile', join(dir, 'redis.pid'),
      '--logfile', join(dir, 'redis.log'),
    ];
    // detached: a Ctrl-C in the terminal reaches tagpulse, which then stops Redis after its workers have finished.
    const child: ChildProcess = spawn(bin, args, { stdio: 'ignore', detached: true });
    child.unref();
    let exited = false;
    child.on('error', () => (exited = true));
    child.on('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!(await pingSocket(this.sock, 300))) {
      if (exited || Date.now() > deadline) {
        if (!exited) child.kill('SIGKILL');
        const log = join(dir, 'redis.log');
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-5).join('\n') : '';
        throw new RedisSetupError(`the private redis-server did not start (see ${log}):\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.#child = child;
    this.pid = child.pid;
    this.state = 'up';
    this.#log.info({ pid: child.pid }, 'started private redis-server');
  }

  #startWatch(): void {
    this.#watch = setInterval(() => {
      if (this.#stopping || this.#restarting || this.state !== 'up') return;
      if (this.pid !== undefined && pidAlive(this.pid)) return;
      void this.#onDeath();
    }, this.opts.watchMs ?? 250);
    this.#watch.unref();
  }

  async #onDeath(): Promise<void> {
    this.#restarting = true;
    const deadPid = this.pid;
    this.state = 'down';
    this.#log.error({ pid: deadPid }, 'the private redis-server died; restarting it');
    this.opts.onDown?.({ pid: deadPid });
    const attempts = this.opts.restartAttempts ?? 5;
    let delay = this.opts.restartBackoffMs ?? 250;
    let lastErr: unknown;
    for (let i = 0; i < attempts && !this.#stopping; i++) {
      this.state = 'restarting';
      await new Promise((r) => setTimeout(r, delay));
      if (this.#stopping) break;
      try {
        await this.#spawn();
        this.restarts++;
        this.adoptedFrom = undefined;
        this.#restarting = false;
        this.#log.warn({ pid: this.pid, restarts: this.restarts }, 'private redis-server restarted; workers reconnect by themselves');
        this.opts.onRestarted?.({ pid: this.pid, restarts: this.restarts });
        return;
      } catch (e) {
        lastErr = e;
        this.#log.error({ err: (e as Error).message, attempt: i + 1, of: attempts }, 'restarting the private redis-server failed');
        delay = Math.min(delay * 2, 8000);
      }
    }
    this.#restarting = false;
    if (this.#stopping) return;
    this.state = 'failed';
    const reason = lastErr ? (lastErr as Error).message : 'restarts are disabled (redisRestartAttempts = 0)';
    this.opts.onFatal?.(
      new RedisSetupError(
        `the private redis-server died and could not be restarted after ${attempts} attempt(s): ${reason}. ` +
          `See ${join(this.dir, 'redis.log')}; check free disk space and permissions of ${this.dir}, then start tagpulse again.`,
        { cause: lastErr },
      ),
    );
  }

  /** Stop the redis-server (SIGTERM: it writes its AOF and exits; SIGKILL after 5 s). Bounded. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#watch) clearInterval(this.#watch);
    const pid = this.pid;
    if (pid !== undefined && pidAlive(pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const deadline = Date.now() + 5000;
      while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (pidAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      this.#log.info({ pid }, 'stopped private redis-server');
    }
    if (readOwner(this.dataDir) === process.pid) rmSync(ownerFileOf(this.dataDir), { force: true });
    this.state = 'stopped';
  }

  /** Stop at once without waiting (second Ctrl-C, fatal exit): no redis-server is left behind. */
  killNow(): void {
    this.#stopping = true;
    if (this.#watch) clearInterval(this.#watch);
    if (this.pid !== undefined) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (readOwner(this.dataDir) === process.pid) rmSync(ownerFileOf(this.dataDir), { force: true });
  }
}

/**
 * Start (or reuse) the private redis-server of a data dir. The socket lives in the data dir; unix socket paths are
 * limited to ~107 bytes, so very deep data dirs are refused with advice.
 */
export async function ensurePrivateRedis(dataDir: string, opts: PrivateRedisOptions = {}): Promise<RedisTarget> {
  return new PrivateRedis(dataDir, opts).start();
}

export interface ResolveRedisOptions {
  redisUrl?: string;
  dataDir: string;
  /** Embedded mode (no ClickHouse server): allowed to start a private redis-server. */
  embedded: boolean;
  supervise?: PrivateRedisOptions;
}

export async function resolveRedis(opts: ResolveRedisOptions): Promise<RedisTarget> {
  if (opts.redisUrl) return parseRedisUrl(opts.redisUrl);
  if (!opts.embedded) throw new RedisSetupError('with a ClickHouse server, tagpulse needs a shared Redis: set --redis-url or TAGPULSE_REDIS_URL');
  return ensurePrivateRedis(opts.dataDir, opts.supervise);
}

/**
 * A connection for one role. Workers retry forever (maxRetriesPerRequest: null, as BullMQ requires);
 * producers and CLI commands fail fast (no offline queue) so a user is not left waiting on a dead Redis.
 */
export function connectionFor(target: RedisTarget, role: 'worker' | 'producer'): Redis {
  const r = new Redis({
    ...target.options,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 7), 20_000),
  });
  // Bounded: a dead Redis makes every connection fail every retry; log once per kind, then a periodic count.
  r.on('error', (e) => redisLogThrottle().report(`redis:${errnoOf(e) ?? faultKindOf(e)}`, 'redis connection error', { err: e.message, role, kind: faultKindOf(e) }));
  r.on('ready', () => {
    const t = redisLogThrottle();
    for (const a of t.active()) if (a.key.startsWith('redis:')) t.resolve(a.key, 'redis connection is back', { role });
  });
  return r;
}

/** A producer connection that is ready to use, or a clear error if Redis cannot be reached (fail fast). */
export async function connectProducer(target: RedisTarget, timeoutMs = 5000): Promise<Redis> {
  const conn = connectionFor(target, 'producer');
  if (conn.status === 'ready') return conn;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      conn.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      conn.once('end', () => {
        clearTimeout(timer);
        reject(new Error('connection closed'));
      });
    });
  } catch (e) {
    conn.disconnect();
    throw new RedisSetupError(`cannot reach Redis at ${target.describe} (${(e as Error).message}): start it, or check --redis-url / TAGPULSE_REDIS_URL`, { cause: e });
  }
  return conn;
}

/** Refuse a Redis that may evict keys: BullMQ needs maxmemory-policy noeviction. */
export async function assertNoEviction(conn: Redis): Promise<void> {
  let policy: string | undefined;
  try {
    const res = (await conn.config('GET', 'maxmemory-policy')) as string[];
    policy = res[1];
  } catch {
    return; // managed Redis services may forbid CONFIG; they document their policy
  }
  if (policy && policy !== 'noeviction') {
    throw new RedisEvictionPolicyError(
      `Redis maxmemory-policy is "${policy}": it may evict queued jobs and lose samples. Set it to noeviction ` +
        '(redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf).',
    );
  }
}
