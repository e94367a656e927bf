/** CLI commands of the dashboard: `tagpulse serve` (dashboard and API from the store, without collecting). */
import type { Command } from 'commander';
import { globalsOf, runAction, setupLogging, stdio, type Io } from '../common.ts';
import { StoreLockedError } from '../../store/errors.ts';
import { App } from '../../runtime/app.ts';
import { mountAll } from '../../api/mount-all.ts';
import { readHolder, describeHolder } from '../../store/owner.ts';
import { runConfig, runUntilSignal, type RunOptions } from './run.ts';

export type ServeOptions = Pick<RunOptions, 'host' | 'port' | 'adminToken' | 'durationS' | 'dataDir' | 'clickhouseUrl' | 'redisUrl' | 'logLevel' | 'config'>;

/**
 * Serve the dashboard and the API from the store without sampling anything. In embedded mode this process owns the
 * data dir (like `tagpulse run`), so other CLI commands reach the store through it.
 */
export async function runServe(opts: ServeOptions, io: Io = stdio): Promise<number> {
  const cfg = runConfig(opts);
  setupLogging(cfg, io.isTTY ? 'warn' : undefined);
  if (!cfg.clickhouseUrl) {
    const holder = readHolder(cfg.dataDir);
    if (holder) {
      throw new StoreLockedError(
        `${cfg.dataDir} is already owned by ${describeHolder(holder)}.` +
          (holder.apiUrl ? ` Its dashboard is at ${holder.apiUrl}/ — open that instead,` : '') +
          ' or stop that process first.',
      );
    }
  }
  const app = await new App({
    cfg,
    command: 'tagpulse serve',
    roles: { scheduler: false, collect: false, load: false, api: true },
    mount: (router, deps) => mountAll(router, { ...deps, cfg }),
  }).start();
  io.out(`tagpulse serve: dashboard and API at ${app.api!.url}/`);
  io.out(`reading ${cfg.clickhouseUrl ? 'the ClickHouse server' : `the embedded store in ${cfg.dataDir}`}; nothing is sampled here (tagpulse run does that). Ctrl-C stops.`);
  await runUntilSignal(app, io, opts.durationS);
  return 0;
}

export function registerDashboardCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the dashboard and API from the store without collecting (owns the embedded store)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1; beyond loopback needs --admin-token)')
    .option('--port <port>', 'port (default 8787; 0 = any free port)')
    .option('--admin-token <token>', 'token for write endpoints and non-loopback binds (16+ characters)')
    .option('--duration-s <seconds>', 'stop after this many seconds', (v) => Number(v))
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runServe(globalsOf(cmd) as ServeOptions));
    });
}
