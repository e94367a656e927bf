/**
 * What every benchmark runs on: a private redis-server configured as in production (AOF everysec, noeviction, unix
 * socket) and an embedded chDB store, both in one temporary directory. chDB allows one data dir per process, so all
 * benchmarks of a run share this store (each writes its own platform or tags).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateRedis, type RedisTarget } from '../../src/queue/redis.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { loadConfig, type Config, type ConfigKey } from '../../src/config/config.ts';

export interface BenchContext {
  dir: string;
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
