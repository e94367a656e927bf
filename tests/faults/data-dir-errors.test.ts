/**
 * Right errors for the data dir (issue 12, finding 4), each decided by codes, each with its own next step:
 *  - permission denied: the data dir belongs to root and tagpulse runs as nobody (setpriv; CI runs as root, where
 *    permissions do not bind) — once reported as "in use by another process", because a regex matched "status" in
 *    "Cannot open file …/chdb/status: Permission denied";
 *  - read-only filesystem: the data dir seen through a read-only bind mount (as root);
 *  - a lock held by a live process: named by pid, with what to do;
 *  - a stale holder.json of a dead process: not an error — the data dir opens.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { BIN, runCli, startCli, type CliResult } from '../helpers/cli.ts';

function runAsNobody(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', TAGPULSE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fault: data dir errors by code', () => {
  const d = tempDir('tp-dd-');
  const data = join(d.dir, 'data');
  beforeAll(async () => {
    chmodSync(d.dir, 0o755);
    // A data dir with a store in it, created by root.
    const r = await runCli(['track', 'add', 'rodir', '--every', '1h', '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  afterAll(() => d.cleanup());

  it('permission denied is reported as such, with what to do — not as "in use by another process"', async () => {
    expect(process.getuid?.()).toBe(0); // the test drops privileges itself; as another user it would need no setpriv
    const r = await runAsNobody(['status', '--data-dir', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/permission denied on .*data.*run tagpulse as the user that owns it/);
    expect(r.stderr).not.toMatch(/in use/);
  }, 60_000);

  it('a read-only filesystem is reported as such', async () => {
    const ro = join(d.dir, 'ro');
    mkdirSync(ro);
    const bind = spawnSync('mount', ['--bind', data, ro]);
    expect(bind.status, String(bind.stderr)).toBe(0);
    try {
      const remount = spawnSync('mount', ['-o', 'remount,bind,ro', ro]);
      expect(remount.status, String(remount.stderr)).toBe(0);
      const r = await runCli(['status', '--data-dir', ro]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/read-only filesystem: remount it read-write or use another --data-dir/);
      expect(r.stderr).not.toMatch(/in use/);
    } finally {
      spawnSync('umount', [ro]);
    }
  }, 60_000);

  it('a lock held by a live process names it; a stale holder.json of a dead process is not an error', async () => {
    const run = startCli(['run', '--data-dir', data, '--port', '0', '--no-collect']);
    try {
      await run.waitFor(/dashboard and API/, 60_000);
      // Without holder.json (deleted), the lock itself (chDB's flock on chdb/status) still tells who holds the dir.
      rmSync(join(data, 'holder.json'));
      const r = await runCli(['status', '--data-dir', data]);
      expect(r.code).toBe(4); // docs/exit-codes.md: store locked
      expect(r.stderr).toMatch(new RegExp(`in use by process ${run.child.pid} \\(it holds chDB's lock`));
      expect(r.stderr).toMatch(/stop it first, or use another --data-dir/);
    } finally {
      await run.stop('SIGTERM');
    }
    // A holder.json left by a process that died (kill -9): its pid is gone, so the data dir opens normally.
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(data, 'holder.json'), JSON.stringify({ pid: Number(dead.stdout.trim()), command: 'tagpulse run', startedAt: '2031-01-01T00:00:00.000Z' }));
    const ok = await runCli(['status', '--data-dir', data]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/#rodir/);
  }, 120_000);
});
