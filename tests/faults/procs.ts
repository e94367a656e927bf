/**
 * Which processes a test started, found by a marker in their environment: every child inherits the environment of
 * `tagpulse run` (chromium and its helpers), and keeps it after its parent dies — so an orphan left by any exit path
 * is found even when it has been re-parented to init. redis-server overwrites its environment with its process title
 * (`redis-server unixsocket:<dataDir>/redis.sock`), so it is found by the data dir in its command line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

export const newMarker = () => `tp-fault-${randomUUID().slice(0, 8)}`;

export function markedProcesses(marker: string, dataDir?: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1');
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'latin1');
      const ours = env.includes(`TAGPULSE_TEST_MARKER=${marker}\0`) || (dataDir !== undefined && cmdline.includes(`${dataDir}/`));
      if (!ours || Number(d) === process.pid) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      if (/^\d+ \(.*\) Z /.test(stat)) continue; // a zombie waiting for its parent to reap it holds nothing
      out.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').join(' ').trim().slice(0, 160) });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return out;
}

export const isRedis = (p: { cmd: string }) => /redis-server/.test(p.cmd);
export const isChromium = (p: { cmd: string }) => /chrom/i.test(p.cmd);
