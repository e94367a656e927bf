/**
 * The process around the data (issue 12, findings 1, 2 and 8), tested on the real `tagpulse run` binary with its
 * private redis-server (embedded mode):
 *  - finding 1: a killed redis-server is restarted, the workers reconnect, sampling resumes, and health says so;
 *    when it cannot be restarted, /healthz answers 503 and `run` exits non-zero with a clear message;
 *  - finding 2: after a kill -9 of `run`, the next start adopts the orphaned redis-server and stops it on Ctrl-C;
 *  - finding 8: Ctrl-C with Redis gone finishes within shutdownTimeoutMs and says what was not finished;
 *  - no redis-server or chromium process is left after SIGINT, SIGTERM, a fatal error, or kill -9 + next start.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeTikTok, type FakeTikTok } from '../../src/demo/fake-tiktok.ts';
import { startTestRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runCli, startCli, type LongRunning } from '../helpers/cli.ts';
import { waitUntil } from '../helpers/wait.ts';
import { markedProcesses, newMarker, isRedis, isChromium } from './procs.ts';

interface Ops {
  runtime: { redis: { up: boolean; state: string; restarts: number; adopted: boolean } | null; lastSample: { platform: string; at: string }[]; workers: { running: number; total: number } };
}

describe('fault: supervision of the private redis-server, orphans, bounded stop', () => {
  let fake: FakeTikTok;
  /** Serves the SSR shell whose script fetches the counts: only the browser collector (chromium) reads it. */
  let fakeShell: FakeTikTok;
  const running: LongRunning[] = [];
  const dirs: { cleanup: () => void }[] = [];
  const markers: [string, string][] = [];

  beforeAll(async () => {
    fake = await startFakeTikTok();
    fakeShell = await startFakeTikTok({ clientFetch: true });
  });
  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    for (const [m, dir] of markers) for (const p of markedProcesses(m, dir)) process.kill(p.pid, 'SIGKILL');
    await fake?.close();
    await fakeShell?.close();
    for (const d of dirs) d.cleanup();
  });

  const setup = (extra: Record<string, string> = {}) => {
    const d = tempDir('tpsup-');
    dirs.push(d);
    const marker = newMarker();
    markers.push([marker, d.dir]);
    const env = { TAGPULSE_TIKTOK_BASE_URL: fake.url, TAGPULSE_RATE_LIMIT_MAX: '1000', TAGPULSE_LOAD_FLUSH_MS: '50', TAGPULSE_BACKOFF_MS: '300', TAGPULSE_TEST_MARKER: marker, ...extra };
    const start = (args: string[] = []) => {
      const r = startCli(['run', '--data-dir', d.dir, '--port', '0', ...args], env);
      running.push(r);
      return r;
    };
    return { dir: d.dir, marker, env, start };
  };
  const apiOf = async (r: LongRunning) => (await r.waitFor(/dashboard and API: (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1]!;
  const ops = async (api: string) => (await (await fetch(`${api}/api/ops`)).json()) as Ops;
  const redisPid = (dir: string) => Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8').trim());
  const exited = (r: LongRunning, timeoutMs: number) =>
    new Promise<{ code: number | null; ms: number }>((resolve) => {
      const t0 = Date.now();
      if (r.child.exitCode !== null) return resolve({ code: r.child.exitCode, ms: 0 });
      const timer = setTimeout(() => resolve({ code: null, ms: timeoutMs }), timeoutMs);
      r.child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, ms: Date.now() - t0 });
      });
    });

  it('finding 1: a killed redis-server is restarted, sampling resumes; SIGTERM then leaves no redis-server or chromium', async () => {
    const s = setup({ TAGPULSE_TIKTOK_METHOD: 'browser', TAGPULSE_TIKTOK_BASE_URL: fakeShell.url });
    const run = s.start();
    const api = await apiOf(run);
    const add = await runCli(['track', 'add', 'supervised', '--every', '10s', '--data-dir', s.dir], s.env);
    expect(add.code, add.stderr).toBe(0);
    await waitUntil(async () => (await ops(api)).runtime.lastSample.length > 0, { timeoutMs: 60_000, intervalMs: 500, what: 'a first sample (browser)' });
    expect(markedProcesses(s.marker, s.dir).some(isChromium)).toBe(true);

    const before = redisPid(s.dir);
    process.kill(before, 'SIGKILL');
    const killedAt = Date.now();
    const health = await waitUntil(async () => {
      const r = await fetch(`${api}/healthz`);
      const o = await ops(api);
      return r.status === 200 && o.runtime.redis?.up && o.runtime.redis.restarts >= 1 ? o : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100, what: 'redis restarted and healthy' });
    expect(health.runtime.redis!.state).toBe('up');
    expect(redisPid(s.dir)).not.toBe(before);
    // The workers reconnected: a sample taken after the restart is stored.
    await waitUntil(async () => (await ops(api)).runtime.lastSample.some((x) => Date.parse(x.at) > killedAt), { timeoutMs: 45_000, intervalMs: 500, what: 'a sample after the restart' });
    expect(run.output()).toMatch(/private redis-server restarted/);

    const code = await run.stop('SIGTERM');
    expect(code).toBe(0);
    expect(markedProcesses(s.marker, s.dir)).toEqual([]);
  }, 180_000);

  it('finding 1: when Redis cannot be restarted, run exits non-zero with a clear message after the loader flushed, leaving nothing behind', async () => {
    const s = setup({ TAGPULSE_REDIS_RESTART_ATTEMPTS: '0', TAGPULSE_SHUTDOWN_TIMEOUT_MS: '5000' });
    const run = s.start();
    const api = await apiOf(run);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    process.kill(redisPid(s.dir), 'SIGKILL');
    const { code, ms } = await exited(run, 30_000);
    expect(ms).toBeLessThan(30_000);
    expect(code).toBe(1);
    expect(run.output()).toMatch(/error: the private redis-server died and could not be restarted/);
    expect(markedProcesses(s.marker, s.dir)).toEqual([]);
    expect(existsSync(join(s.dir, 'holder.json'))).toBe(false);
  }, 90_000);

  it('finding 2: after kill -9 of run, the next start adopts the orphaned redis-server and stops it on Ctrl-C', async () => {
    const s = setup();
    const first = s.start();
    await apiOf(first);
    const orphan = redisPid(s.dir);
    first.child.kill('SIGKILL');
    await exited(first, 10_000);
    // What kill -9 leaves: the redis-server (an orphan) and a stale holder.json.
    expect(markedProcesses(s.marker, s.dir).filter(isRedis).map((p) => p.pid)).toEqual([orphan]);
    expect(existsSync(join(s.dir, 'holder.json'))).toBe(true);

    const second = s.start();
    const api = await apiOf(second);
    expect(second.output()).toMatch(/adopted the private redis-server/);
    expect(second.output()).toMatch(/stale holder\.json was removed/);
    expect((await ops(api)).runtime.redis).toMatchObject({ up: true, adopted: true });
    expect(redisPid(s.dir)).toBe(orphan);

    expect(await second.stop('SIGINT')).toBe(0);
    expect(markedProcesses(s.marker, s.dir)).toEqual([]);
  }, 120_000);

  it('finding 8: Ctrl-C with Redis gone finishes within shutdownTimeoutMs and reports what was not finished', async () => {
    const redis = await startTestRedis();
    try {
      const s = setup({ TAGPULSE_SHUTDOWN_TIMEOUT_MS: '3000' });
      const run = s.start(['--redis-url', redis.url]);
      const api = await apiOf(run);
      await runCli(['track', 'add', 'ctrlc', '--every', '10s', '--data-dir', s.dir], s.env);
      await waitUntil(async () => (await ops(api)).runtime.lastSample.length > 0, { timeoutMs: 30_000, intervalMs: 300, what: 'a first sample' });
      await redis.kill();
      await new Promise((r) => setTimeout(r, 500));
      run.child.kill('SIGINT');
      const { code, ms } = await exited(run, 15_000);
      expect(code, run.output()).toBe(0);
      expect(ms).toBeLessThan(3000 + 6000); // budget + the private parts that have their own caps
      expect(run.output()).toMatch(/stopping: finishing in-flight jobs \(at most 3 s/);
      expect(run.output()).toMatch(/stopped after .* without finishing everything|stopped cleanly/);
      expect(markedProcesses(s.marker, s.dir)).toEqual([]);
    } finally {
      await redis.cleanup();
    }
  }, 90_000);
});
