import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, setupLogging, stdio, type GlobalOptions, type Io } from '../common.ts';
import { App, type AppRoles } from '../../runtime/app.ts';
import { mountAll } from '../../api/mount-all.ts';
import { createPostLoadHook } from '../../alerts/hook.ts';
import { createFormatDriftHook, withDriftHook } from '../../services/format-drift.ts';
import { queueDepths } from '../../services/status.ts';
import type { Config } from '../../config/config.ts';

export interface RunOptions extends GlobalOptions {
  collect?: boolean;
  api?: boolean;
  host?: string;
  port?: string | number;
  adminToken?: string;
  tiktokBaseUrl?: string;
  method?: string;
  /** Stop after this many seconds (tests, demos). */
  durationS?: number;
}

/** Live status line on a terminal; a periodic log line otherwise. */
export function startStatusLine(app: App, io: Io, stats: { ok: number; failed: number }): () => void {
  const tick = async () => {
    try {
      const qs = await queueDepths([...app.queues.values(), ...(app.loadQueue ? [app.loadQueue] : [])]);
      const waiting = qs.reduce((a, q) => a + q.waiting + q.delayed, 0);
      const active = qs.reduce((a, q) => a + q.active, 0);
      const line = `samples ok ${stats.ok} · failed ${stats.failed} · queued ${waiting} · active ${active}${app.api ? ` · ${app.api.url}` : ''}`;
      if (io.isTTY) process.stdout.write(`\r\x1b[2K${line}`);
      else app.log.info({ ok: stats.ok, failed: stats.failed, queued: waiting, active }, 'status');
    } catch {
      /* Redis briefly away: the next tick will tell */
    }
  };
  const timer = setInterval(() => void tick(), io.isTTY ? 2000 : 30_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (io.isTTY) process.stdout.write('\n');
  };
}

/**
 * Wait for SIGINT/SIGTERM (or the duration, or a fatal runtime error), then stop gracefully: in-flight jobs finish
 * first, within shutdownTimeoutMs. A second signal stops at once (the private redis-server is still told to stop, so
 * nothing is orphaned). Returns the exit code: 0 after a requested stop, 1 after a fatal error.
 */
export async function runUntilSignal(app: App, io: Io, durationS?: number): Promise<number> {
  let fatal: Error | undefined;
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (durationS) setTimeout(done, durationS * 1000).unref();
    fatalListeners.add((e) => {
      fatal = e;
      resolve();
    });
    if (app.fatal) {
      fatal = app.fatal;
      resolve();
    }
  });
  const again = (sig: NodeJS.Signals) => {
    io.err(`${sig} again: stopping at once; unfinished jobs stay in Redis and are retried at the next start`);
    app.killNow();
    process.exit(130);
  };
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  if (fatal) io.err(`error: ${fatal.message}`);
  io.err(`stopping: finishing in-flight jobs (at most ${Math.round(app.opts.cfg.shutdownTimeoutMs / 1000)} s; Ctrl-C again to stop at once)…`);
  const report = await app.stop();
  if (report.timedOut || report.unflushedRows || report.notes.length) {
    io.err(
      `stopped after ${(report.elapsedMs / 1000).toFixed(1)} s without finishing everything: ${report.notes.join('; ') || 'out of time'}` +
        (report.unflushedRows ? `; ${report.unflushedRows} collected row(s) were not stored — their load jobs stay in Redis and are stored at the next start, unless Redis lost them` : '') +
        (report.activeJobs ? `; ${report.activeJobs} collect job(s) were still active — retried after their locks expire` : ''),
    );
  } else io.err(`stopped cleanly in ${(report.elapsedMs / 1000).toFixed(1)} s`);
  process.removeListener('SIGINT', again);
  process.removeListener('SIGTERM', again);
  // Everything is closed; a library timer (e.g. a reconnect to a Redis that is gone) must not keep the process alive.
  setTimeout(() => process.exit(), 2000).unref();
  return fatal ? 1 : 0;
}

const fatalListeners = new Set<(e: Error) => void>();
/** A fatal runtime error (Redis gone for good, an uncaught exception): the waiting command stops and exits non-zero. */
export function reportFatal(e: Error): void {
  for (const l of fatalListeners) l(e);
  fatalListeners.clear();
}

/** Uncaught exceptions end in a graceful, bounded stop (no orphaned redis-server) and exit code 1. */
export function installFatalHandlers(): void {
  process.on('uncaughtException', (e) => reportFatal(new Error(`uncaught exception: ${e.message}`, { cause: e })));
}

export function runConfig(opts: RunOptions): Config {
  return configFrom(opts, {
    ...(opts.host ? { apiHost: opts.host } : {}),
    ...(opts.port !== undefined ? { apiPort: opts.port } : {}),
    ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
    ...(opts.tiktokBaseUrl ? { tiktokBaseUrl: opts.tiktokBaseUrl } : {}),
    ...(opts.method ? { tiktokMethod: opts.method } : {}),
  });
}

export async function runRun(opts: RunOptions, io: Io = stdio): Promise<number> {
  const cfg = runConfig(opts);
  setupLogging(cfg, io.isTTY ? 'warn' : undefined);
  const roles: AppRoles = { scheduler: true, collect: opts.collect !== false, load: true, api: opts.api !== false };
  const stats = { ok: 0, failed: 0 };
  let ref: App | undefined;
  const postLoad = withDriftHook(createPostLoadHook(cfg, () => ref?.store), createFormatDriftHook(cfg, () => ref?.store));
  const app = await new App({
    cfg,
    roles,
    ...(postLoad ? { onLoaded: postLoad, beforeStoreClose: () => postLoad.idle() } : {}),
    command: 'tagpulse run',
    mount: (router, deps) => mountAll(router, { ...deps, cfg }),
    onOutcome: (e) => (e.ok ? stats.ok++ : stats.failed++),
    onFatal: reportFatal,
  }).start();
  ref = app;
  io.out(`tagpulse is running (${cfg.clickhouseUrl ? 'ClickHouse server' : `embedded store in ${cfg.dataDir}`}; Redis: ${app.redis?.describe})`);
  if (app.api) io.out(`dashboard and API: ${app.api.url}/`);
  if (!roles.collect) io.out('collection is off here (--no-collect): start `tagpulse worker --queues collect` processes on the same Redis');
  const stopLine = startStatusLine(app, io, stats);
  installFatalHandlers();
  const code = await runUntilSignal(app, io, opts.durationS);
  stopLine();
  return code;
}

export function configureRunCommand(program: Command): void {
  program
    .command('run')
    .description('run everything: scheduler, collect and load workers, and the dashboard/API (owns the embedded store)')
    .option('--no-collect', 'do not collect here (workers on other processes or machines do)')
    .option('--no-api', 'do not serve the dashboard/API')
    .option('--host <host>', 'dashboard/API address (default 127.0.0.1)')
    .option('--port <port>', 'dashboard/API port (default 8787; 0 = any free port)')
    .option('--admin-token <token>', 'token for write endpoints and non-loopback binds')
    .option('--tiktok-base-url <url>', 'TikTok origin (mirror or local server)')
    .option('--method <method>', 'how TikTok is fetched: http | browser | auto')
    .option('--duration-s <seconds>', 'stop after this many seconds', (v) => Number(v))
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runRun(globalsOf(cmd) as RunOptions));
    });
}
