/**
 * chDB lets one process open a data dir. The process that holds it writes <dataDir>/holder.json (pid, command and,
 * for long-running owners such as `tagpulse run`, the URL and token of its local API). Other commands read it to
 * talk to the owner instead of opening the dir, or to name the holder in their error message.
 *
 * holder.json never holds a Redis password: a Redis URL is stored redacted (the owner API token stays — it is
 * random per start, loopback-only, and is how other local commands reach the owner). A holder.json left by a process
 * that died (kill -9, power loss) is recognised by its dead pid and replaced by the next owner.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export interface HolderInfo {
  pid: number;
  command: string;
  startedAt: string;
  apiUrl?: string;
  token?: string;
  /** Where the queues are, without credentials (e.g. `unix:///…/redis.sock` or `redis://host:6379/0`). */
  redis?: string;
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

function readHolderFile(dataDir: string): HolderInfo | undefined {
  const f = holderFile(dataDir);
  if (!existsSync(f)) return undefined;
  try {
    const h = JSON.parse(readFileSync(f, 'utf8')) as HolderInfo;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of the data dir, if any. */
export function readHolder(dataDir: string): HolderInfo | undefined {
  const h = readHolderFile(dataDir);
  return h && pidAlive(h.pid) ? h : undefined;
}

/** A holder.json left behind by a process that is gone (killed with -9, crashed), if any. */
export function staleHolder(dataDir: string): HolderInfo | undefined {
  const h = readHolderFile(dataDir);
  return h && h.pid !== process.pid && !pidAlive(h.pid) ? h : undefined;
}

/** A Redis URL without its password (user names stay: they are not secrets). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^@/:]*)(:[^@/]*)?@/, '//$1@');
  }
}

export function writeHolder(dataDir: string, info: HolderInfo): void {
  mkdirSync(dataDir, { recursive: true });
  const f = holderFile(dataDir);
  const safe: HolderInfo = { ...info, ...(info.redis ? { redis: redactUrl(info.redis) } : {}) };
  writeFileSync(f, JSON.stringify(safe, null, 2), { mode: 0o600 });
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

/** Remove a holder.json whose process is dead; returns what it said (for a log line), or undefined. */
export function clearStaleHolder(dataDir: string): HolderInfo | undefined {
  const h = staleHolder(dataDir);
  if (h) rmSync(holderFile(dataDir), { force: true });
  return h;
}

export function describeHolder(h: HolderInfo | undefined): string {
  if (!h) return 'another process (no holder.json found; look for a running `tagpulse run`)';
  return `process ${h.pid} (\`${h.command}\`, started ${h.startedAt}${h.apiUrl ? `, API ${h.apiUrl}` : ''})`;
}

/**
 * Whether a live process holds chDB's lock on <chdbDir>/status (ClickHouse takes an flock on it), probed with
 * util-linux `flock -n` (exit code 75 = held), and the pid ClickHouse wrote into the file. undefined = cannot tell.
 */
export function chdbLockState(chdbDir: string): { held: boolean; pid?: number } | undefined {
  const status = join(chdbDir, 'status');
  if (!existsSync(status)) return { held: false };
  const r = spawnSync('flock', ['-n', '-E', '75', status, 'true'], { stdio: 'ignore', timeout: 5000 });
  if (r.error || (r.status !== 0 && r.status !== 75)) return undefined;
  let pid: number | undefined;
  try {
    const m = /^PID: (\d+)$/m.exec(readFileSync(status, 'utf8'));
    if (m) pid = Number(m[1]);
  } catch {
    /* unreadable: pid unknown */
  }
  return { held: r.status === 75, ...(pid !== undefined ? { pid } : {}) };
}
