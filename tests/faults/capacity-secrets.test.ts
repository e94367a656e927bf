/**
 * Issue 12, findings 7 and 9, through the real CLI:
 *  - finding 7: `track add` and `status` compute the request rate the schedule needs against the platform's limit,
 *    warn when it cannot be met and say how late samples will be (twelve tags at 10–15 s against 30/min);
 *  - finding 9: holder.json holds no Redis password (the owner token stays), and a holder.json left by a kill -9 is
 *    replaced at the next start.
 */
import { describe, it, expect, afterAll } from 'vitest';
import net from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startTestRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runCli, startCli } from '../helpers/cli.ts';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('fault: capacity warning and secrets on disk', () => {
  const dirs: { cleanup: () => void }[] = [];
  afterAll(() => dirs.forEach((d) => d.cleanup()));

  it('finding 7: track add and status warn when the schedule cannot be met under the rate limit, and say how late', async () => {
    const d = tempDir('tp-cap-');
    dirs.push(d);
    const fast = await runCli(['track', 'add', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', '--every', '10s', '--data-dir', d.dir]);
    expect(fast.code, fast.stderr).toBe(0);
    const more = await runCli(['track', 'add', 'c7', 'c8', 'c9', 'c10', 'c11', 'c12', '--every', '15s', '--data-dir', d.dir]);
    expect(more.code).toBe(0);
    // 6/10 s + 6/15 s = 60/min against the default 30/min.
    expect(more.stderr).toMatch(/warning: tiktok: the schedule cannot be met — 12 tag\(s\) every 10s\/15s need 60\.0 requests\/min but the rate limit allows 30\.0\/min/);
    expect(more.stderr).toMatch(/samples fall 30 min further behind every hour/);
    const status = await runCli(['status', '--data-dir', d.dir]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/capacity \(requests the schedule needs vs the rate limit\)\n  WARNING tiktok: the schedule cannot be met/);
    // Within the limit: no warning.
    const ok = await runCli(['track', 'add', 'slow', '--every', '1h', '--platform', 'youtube', '--data-dir', d.dir]);
    expect(ok.stderr).toBe('');
  }, 90_000);

  it('finding 9: holder.json has no Redis password; a stale one from kill -9 is replaced at the next start', async () => {
    const d = tempDir('tp-holder-');
    dirs.push(d);
    const port = await freePort();
    const redis = await startTestRedis(['--port', String(port), '--bind', '127.0.0.1']);
    const password = 'holder-Pw-9f3c2a71';
    try {
      const admin = new Redis({ path: redis.socket });
      await admin.call('ACL', 'SETUSER', 'tagpulse', 'on', `>${password}`, '~*', '&*', '+@all');
      admin.disconnect();
      const url = `redis://tagpulse:${password}@127.0.0.1:${port}/0`;
      const first = startCli(['run', '--data-dir', d.dir, '--port', '0', '--redis-url', url, '--no-collect']);
      await first.waitFor(/dashboard and API/, 60_000);
      const file = join(d.dir, 'holder.json');
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(password);
      const h = JSON.parse(text) as { redis: string; token: string; pid: number };
      expect(h.redis).toBe(`redis://tagpulse@127.0.0.1:${port}/0`);
      expect(h.token).toMatch(/^[0-9a-f]{48}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // kill -9 leaves the file; the next start replaces it.
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(first.child.pid);
      const second = startCli(['run', '--data-dir', d.dir, '--port', '0', '--redis-url', url, '--no-collect']);
      await second.waitFor(/dashboard and API/, 60_000);
      expect(second.output()).toMatch(/stale holder\.json was removed/);
      const again = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
      expect(again.pid).toBe(second.child.pid);
      expect(readFileSync(file, 'utf8')).not.toContain(password);
      expect(await second.stop('SIGINT')).toBe(0);
    } finally {
      await redis.cleanup();
    }
  }, 120_000);
});
