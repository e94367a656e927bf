/**
 * Redis for the queues. Either the user's Redis (TAGPULSE_REDIS_URL / --redis-url) or, in embedded mode, a private
 * redis-server child: unix socket in the data dir, AOF on, maxmemory-policy noeviction, reused if already running,
 * stopped on shutdown by the process that started it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { logger } from '../util/log.ts';

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

/**
 * Start (or reuse) the private redis-server of a data dir. The socket lives in the data dir; unix socket paths are
 * limited to ~107 bytes, so very deep data dirs are refused with advice.
 */
export async function ensurePrivateRedis(dataDir: string, opts: { redisServerBin?: string } = {}): Promise<RedisTarget> {
  const dir = join(dataDir, 'redis');
  const sock = join(dataDir, 'redis.sock');
  const log = logger('redis', { socket: sock });
  if (Buffer.byteLength(sock) > 100) {
    throw new RedisSetupError(`the data dir path is too long for a unix socket (${sock}); use a shorter --data-dir or set --redis-url`);
  }
  if (existsSync(sock) && (await pingSocket(sock))) {
    log.info('reusing the private redis-server already running for this data dir');
    return { options: { path: sock }, describe: `private redis (unix:${sock}, reused)`, shareable: `unix://${sock}` };
  }
  const bin = opts.redisServerBin ?? findRedisServer();
  if (!bin || !existsSync(bin)) {
    throw new RedisSetupError(
      'no redis-server found. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, or run scripts/setup.sh), ' +
        'or point tagpulse at an existing Redis with --redis-url / TAGPULSE_REDIS_URL.',
    );
  }
  mkdirSync(dir, { recursive: true });
  rmSync(sock, { force: true });
  const args = [
    '--port', '0',
    '--unixsocket', sock,
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
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 10_000;
  while (!(await pingSocket(sock, 300))) {
    if (exited || Date.now() > deadline) {
      const tail = existsSync(join(dir, 'redis.log')) ? readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').slice(-5).join('\n') : '';
      throw new RedisSetupError(`the private redis-server did not start (see ${join(dir, 'redis.log')}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log.info({ pid: child.pid }, 'started private redis-server');
  return {
    options: { path: sock },
    describe: `private redis (unix:${sock}, pid ${child.pid})`,
    shareable: `unix://${sock}`,
    stop: async () => {
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      log.info('stopped private redis-server');
    },
  };
}

export interface ResolveRedisOptions {
  redisUrl?: string;
  dataDir: string;
  /** Embedded mode (no ClickHouse server): allowed to start a private redis-server. */
  embedded: boolean;
}

export async function resolveRedis(opts: ResolveRedisOptions): Promise<RedisTarget> {
  if (opts.redisUrl) return parseRedisUrl(opts.redisUrl);
  if (!opts.embedded) throw new RedisSetupError('with a ClickHouse server, tagpulse needs a shared Redis: set --redis-url or TAGPULSE_REDIS_URL');
  return ensurePrivateRedis(opts.dataDir);
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
  r.on('error', (e) => logger('redis').warn({ err: e.message, role }, 'redis connection error'));
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
