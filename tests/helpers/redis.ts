/**
 * A real redis-server per test file (no mocks): unix socket in a temp dir, AOF on, noeviction.
 * restart() keeps the data dir, so AOF persistence can be tested.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisTarget } from '../../src/queue/redis.ts';
import { findRedisServer } from '../../src/queue/redis.ts';
import { tempDir } from './tmp.ts';

export interface TestRedis {
  target: RedisTarget;
  url: string;
  socket: string;
  dir: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

async function waitFor(socket: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(socket)) {
      const r = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        if ((await r.ping()) === 'PONG') return;
      } catch {
        /* not yet */
      } finally {
        r.disconnect();
      }
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`redis-server did not come up on ${socket}`);
}

export async function startTestRedis(extraArgs: string[] = []): Promise<TestRedis> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server is not installed: run scripts/setup.sh');
  const t = tempDir('tagpulse-redis-');
  const socket = join(t.dir, 'r.sock');
  const dataDir = join(t.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction', '--save', '', ...extraArgs], { stdio: 'ignore' });
    await waitFor(socket);
  };
  const stopWith = async (sig: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return; // already exited (a killed child has a signalCode, no exitCode)
    await new Promise<void>((res) => {
      c.once('exit', () => res());
      c.kill(sig);
    });
  };
  await start();
  return {
    target: { options: { path: socket }, describe: `test redis ${socket}`, shareable: `unix://${socket}` },
    url: `unix://${socket}`,
    socket,
    dir: t.dir,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    restart: async () => {
      await stopWith('SIGTERM');
      await start();
    },
    cleanup: async () => {
      await stopWith('SIGTERM');
      t.cleanup();
    },
  };
}
