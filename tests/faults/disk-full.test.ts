/**
 * Disk full under Redis (issue 12, finding 3). Redis's data dir is a small tmpfs (mounted by the test; CI runs as
 * root) with AOF everysec as in production; once a filler takes the last byte, every write gets
 * `MISCONF … No space left on device`. Before, the collect worker retried at once and logged 77,215 lines in 16 s.
 * Now: the worker pauses with backoff, the log holds a bounded number of lines (≈ one per distinct error per
 * summary period), and once space is freed the backlog drains — the checker finds every enqueued slot stored once.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRootLogger } from '../../src/util/log.ts';
import { guardOf } from '../../src/queue/worker-guard.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, slots, uniqueTags, type Rig } from './rig.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    cb();
  },
});

describe('fault: disk full under Redis (MISCONF)', () => {
  const mnt = tempDir('tp-tmpfs-');
  let rig: Rig;
  beforeAll(async () => {
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt.dir]);
    expect(m.status, `mount -t tmpfs needs root: ${m.stderr}`).toBe(0);
    createRootLogger('info', [], sink);
    rig = await startRig({ redisArgs: ['--dir', mnt.dir, '--appendfsync', 'everysec'], fake: { latencyMs: 100 }, cfg: { logRepeatSummaryMs: 5000 } });
  });
  afterAll(async () => {
    await rig?.close();
    createRootLogger('silent');
    spawnSync('umount', [mnt.dir]);
    mnt.cleanup();
  });

  it('pauses instead of spinning, logs a bounded number of lines, and loses nothing once space is back', async () => {
    const tags = uniqueTags('full_a', 'full_b');
    const app = await rig.startApp({ collect: true, load: true });
    await rig.enqueue(tags, slots(3));
    await rig.waitClean('before the disk fills', tags);

    // Fill the filesystem under Redis, then give it work: every write now fails with MISCONF.
    const filler = join(mnt.dir, 'filler');
    const mb = Buffer.alloc(1024 * 1024, 1);
    try {
      for (let i = 0; i < 64; i++) appendFileSync(filler, mb);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    try {
      for (let i = 0; i < 4096; i++) appendFileSync(filler, Buffer.alloc(1024, 1));
    } catch {
      /* every last KiB taken */
    }
    // A write that Redis accepts into its buffer but cannot flush: from then on it answers MISCONF.
    await rig.enqueue(tags, slots(3, '2031-03-01T00:00:00.000Z')).catch(() => undefined);
    const misconf = await waitUntil(async () => {
      try {
        await rig.loadQueue.add('probe', { observations: [], failures: [] });
        return undefined;
      } catch (e) {
        return /^MISCONF/.test((e as Error).message) ? (e as Error).message : undefined;
      }
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'Redis to refuse writes (MISCONF)' });
    expect(misconf).toMatch(/No space left/);

    const from = lines.length;
    await new Promise((r) => setTimeout(r, 12_000));
    const during = lines.slice(from);
    const perSecond = during.length / 12;
    console.log(`disk full: ${during.length} log lines in 12 s (${perSecond.toFixed(1)}/s); worker pauses: ${app.workers.map((w) => guardOf(w)?.state.pauses).join(',')}`);
    expect(during.length).toBeLessThan(60); // the old code wrote thousands of lines per second
    expect(app.workers.some((w) => (guardOf(w)?.state.pauses ?? 0) >= 1)).toBe(true);
    expect(during.some((l) => /worker paused: Redis refuses writes because it cannot persist/.test(l))).toBe(true);

    // Space back: Redis writes its AOF again, the workers resume, and nothing enqueued or acknowledged is lost.
    rmSync(filler, { force: true });
    writeFileSync(join(mnt.dir, 'freed'), '');
    await waitUntil(async () => {
      try {
        await rig.loadQueue.add('probe', { observations: [], failures: [] });
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs: 20_000, intervalMs: 300, what: 'Redis to accept writes again' });
    await rig.enqueue(tags, slots(3, '2031-03-01T00:00:00.000Z'));
    const result = await rig.waitClean('after the disk was freed', tags, 60_000);
    expect(result.lost).toEqual([]);
    expect(result.storedSlots).toBe(2 * 6);
  }, 150_000);
});
