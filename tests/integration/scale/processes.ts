/**
 * tagpulse as separate OS processes (`node bin/tagpulse.js ...`), the way a deployment runs it: started from the
 * sources, with an environment that holds only what the caller passes (never the developer's TAGPULSE_* variables),
 * output kept for diagnostics, and a stop that always ends the process (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readHolder } from '../../../src/store/owner.ts';
import { RemoteStore } from '../../../src/store/remote-store.ts';
import { waitUntil } from '../../helpers/wait.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'tagpulse.js');
const OUTPUT_LIMIT = 20_000;

export interface TagpulseProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Last characters of stdout and stderr together. */
  output(): string;
  /** Resolves when the process printed a line matching re (rejects if it exits first or the time runs out). */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/** The environment of a child: the parent's minus every TAGPULSE_* variable, plus `vars`. */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAGPULSE_')));
  // From the sources, even if a stale dist/ exists (bin/tagpulse.js prefers dist/ otherwise).
  return { ...base, TAGPULSE_FROM_SOURCE: '1', ...vars };
}

export function spawnTagpulse(name: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): TagpulseProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    for (const l of listeners) l();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`${name}: could not start node ${BIN}`);
  return {
    name,
    pid: child.pid,
    child,
    output: () => out,
    waitForOutput: (re, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (re.test(out)) done();
        };
        const timer = setTimeout(() => done(new Error(`${name}: no output matching ${re} within ${timeoutMs} ms. Output:\n${out}`)), timeoutMs);
        void exited.then((code) => done(new Error(`${name} exited (code ${code}) before printing ${re}. Output:\n${out}`)));
        listeners.add(check);
        check();
      }),
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Wait until the owner of an embedded data dir serves its API, then reach its store through it (as other CLI commands do). */
export async function ownerStore(owner: TagpulseProcess, dataDir: string, timeoutMs: number): Promise<RemoteStore> {
  const holder = await waitUntil(
    () => {
      const h = readHolder(dataDir);
      return h?.apiUrl && h.token ? h : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `${owner.name} to serve its API` },
  ).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${owner.name} output:\n${owner.output()}`)));
  return new RemoteStore(holder.apiUrl!, holder.token!);
}
