/**
 * chDB lets one process open a data dir. The process that holds it writes <dataDir>/holder.json (pid, command and,
 * for long-running owners such as `tagpulse run`, the URL and token of its local API). Other commands read it to
 * talk to the owner instead of opening the dir, or to name the holder in their error message.
 */
import { mkdirSync, readFileSync, writeFileSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export interface HolderInfo {
  pid: number;
  command: string;
  startedAt: string;
  apiUrl?: string;
  token?: string;
}

export const holderFile = (dataDir: string) => join(dataDir, 'holder.json');

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readHolder(dataDir: string): HolderInfo | undefined {
  const f = holderFile(dataDir);
  if (!existsSync(f)) return undefined;
  try {
    const h = JSON.parse(readFileSync(f, 'utf8')) as HolderInfo;
    if (typeof h.pid !== 'number') return undefined;
    return pidAlive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

export function writeHolder(dataDir: string, info: HolderInfo): void {
  mkdirSync(dataDir, { recursive: true });
  const f = holderFile(dataDir);
  writeFileSync(f, JSON.stringify(info, null, 2), { mode: 0o600 });
  chmodSync(f, 0o600);
}

export function clearHolder(dataDir: string, pid = process.pid): void {
  const f = holderFile(dataDir);
  try {
    const h = JSON.parse(readFileSync(f, 'utf8')) as HolderInfo;
    if (h.pid === pid) rmSync(f, { force: true });
  } catch {
    /* nothing to clear */
  }
}

export function describeHolder(h: HolderInfo | undefined): string {
  if (!h) return 'another process (no holder.json found; look for a running `tagpulse run`)';
  return `process ${h.pid} (\`${h.command}\`, started ${h.startedAt}${h.apiUrl ? `, API ${h.apiUrl}` : ''})`;
}
