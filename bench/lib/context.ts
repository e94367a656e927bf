/**
 * What every benchmark runs on: a private redis-server configured as in production (AOF everysec, noeviction, unix
 * socket) and an embedded chDB store, both in one temporary directory. chDB allows one data dir per process, so all
 * benchmarks of a run share this store (each writes its own platform or tags).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateRedis, type RedisTarget } from '../../src/queue/redis.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { loadConfig, type Config, type ConfigKey } from '../../src/config/config.ts';

export interface BenchContext {
  dir: string;
  /** pid of the private redis-server (for CPU accounting). */
  redisPid: number;
  /** Redis for the benchmark's Apps and queues (without `stop`: only the context stops it). */
  redis: RedisTarget;
  store: ClickHouseStore;
  /** A config for Apps in this context: defaults, then the overrides; never the caller's environment. */
  config(overrides?: Partial<Record<ConfigKey, unknown>>): Config;
  close(): Promise<void>;
}

export async function openBenchContext(): Promise<BenchContext> {
  const dir = mkdtempSync(join(tmpdir(), 'tagpulse-bench-'));
  const redis = await ensurePrivateRedis(dir);
  const store = await openClickHouseStore({ dataDir: dir });
  await store.migrate();
  return {
    dir,
    redisPid: Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8').trim()),
    redis: { options: redis.options, describe: redis.describe, shareable: redis.shareable },
    store,
    config: (overrides = {}) => loadConfig({ env: {}, cwd: dir, flags: { dataDir: dir, logLevel: 'silent', ...overrides } }),
    async close() {
      await store.close();
      await redis.stop?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` is true; a benchmark that cannot finish says so instead of running forever. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`benchmark gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

/** The local TikTok-shaped server in a child process (bench/fake-tiktok-server.ts); closed with the returned close(). */
export async function startFakeTikTokProcess(opts: { clientFetch?: boolean } = {}): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const root = new URL('../..', import.meta.url).pathname;
  const child = spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'bench/fake-tiktok-server.ts'), ...(opts.clientFetch ? ['--client-fetch'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the fake TikTok server process did not start within 30 s')), 30_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = /^(http:\/\/\S+)\n/.exec(out)?.[1];
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`the fake TikTok server process exited (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux; clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU used by this process (all its threads: chDB's included), Redis and any other processes while `work` runs. */
export async function withCpu<T>(pids: number[], work: () => Promise<T>): Promise<{ result: T; cpuMs: { self: number; others: number[] } }> {
  const self0 = process.cpuUsage();
  const others0 = pids.map(processCpuMs);
  const result = await work();
  const self = process.cpuUsage(self0);
  return { result, cpuMs: { self: (self.user + self.system) / 1000, others: pids.map((p, i) => processCpuMs(p) - others0[i]!) } };
}
