/**
 * Issue 14, findings 3 and 4, as a user sees them in a terminal: logs are human lines on a TTY (pino-pretty) and JSON
 * when piped or with --log-format json; the demo shows one live status line, not a log stream, and takes a free port
 * when 8787 is busy, printing the URL it took. A real pseudo-terminal comes from util-linux `script` (a Debian base
 * package); if it is missing the test fails and says so rather than skipping.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { BIN, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** Run tagpulse in a pseudo-terminal (stdin, stdout and stderr are a TTY); returns everything it printed. */
function inTerminal(args: string[], timeoutMs = 90_000): Promise<{ code: number | null; out: string }> {
  if (!SCRIPT) throw new Error('util-linux `script` is needed to give tagpulse a terminal in this test (apt-get install bsdutils); it was not found');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TAGPULSE_')) env[k] = v;
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['-qefc', cmd, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tagpulse ${args.join(' ')} timed out in the terminal:\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

const jsonLines = (text: string) => text.split(/\r?\n|\r/).filter((l) => /^\{"level":/.test(l.trim()));

describe('logs and the demo in a terminal', () => {
  it('on a TTY, logs are human lines; with --log-format json, or when piped, JSON lines', async () => {
    const t = tempDir();
    try {
      const args = ['serve', '--data-dir', t.dir, '--port', '0', '--duration-s', '1', '--log-level', 'debug'];
      const tty = await inTerminal(args);
      expect(tty.code, tty.out).toBe(0);
      expect(tty.out).toMatch(/INFO.*\[api\] API listening/);
      expect(jsonLines(tty.out)).toEqual([]);
      const forced = await inTerminal([...args, '--log-format', 'json']);
      expect(jsonLines(forced.out).map((l) => JSON.parse(l.trim()).msg)).toContain('API listening');
      const piped = await runCli(args);
      expect(jsonLines(piped.stderr).map((l) => JSON.parse(l).msg)).toContain('API listening');
    } finally {
      t.cleanup();
    }
  }, 120_000);

  it('the demo takes a free port when 8787 is busy, prints its URL, and shows a status line instead of failure logs', async () => {
    // Hold 8787 (if another program already does, it is busy all the same).
    const holder = net.createServer();
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen(8787, '127.0.0.1', () => resolve());
    });
    const t = tempDir();
    try {
      const demo = await inTerminal(['demo', '--data-dir', t.dir, '--duration-s', '12', '--every', '10s', '--history-days', '0', '--failure-rate', '0.6']);
      expect(demo.code, demo.out).toBe(0);
      expect(demo.out).toContain('port 8787 is busy, so the demo took a free port');
      const url = /open the dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(demo.out);
      expect(url, demo.out).not.toBeNull();
      expect(Number(url![2])).not.toBe(8787);
      expect(demo.out).toMatch(/samples ok \d+ · failed [1-9]\d* · queued \d+ · active \d+/);
      // Injected failures are counted in the status line, not logged one by one.
      expect(demo.out).not.toMatch(/sample failed|collect job failed/);
      expect(jsonLines(demo.out)).toEqual([]);
    } finally {
      await new Promise((r) => holder.close(r));
      t.cleanup();
    }
  }, 120_000);
});
