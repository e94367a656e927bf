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

/** Wait for SIGINT/SIGTERM (or the duration), then stop gracefully: in-flight jobs finish first. */
export async function runUntilSignal(app: App, io: Io, durationS?: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (durationS) setTimeout(done, durationS * 1000).unref();
  });
  io.err('stopping: finishing in-flight jobs…');
  await app.stop();
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
  }).start();
  ref = app;
  io.out(`tagpulse is running (${cfg.clickhouseUrl ? 'ClickHouse server' : `embedded store in ${cfg.dataDir}`}; Redis: ${app.redis?.describe})`);
  if (app.api) io.out(`dashboard and API: ${app.api.url}/`);
  if (!roles.collect) io.out('collection is off here (--no-collect): start `tagpulse worker --queues collect` processes on the same Redis');
  const stopLine = startStatusLine(app, io, stats);
  await runUntilSignal(app, io, opts.durationS);
  stopLine();
  return 0;
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
