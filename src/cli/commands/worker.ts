import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, setupLogging, stdio, UserError, type GlobalOptions, type Io } from '../common.ts';
import { App } from '../../runtime/app.ts';
import { installFatalHandlers, reportFatal, runUntilSignal, startStatusLine } from './run.ts';
import { knownCollectorPlatforms } from '../../collectors/registry.ts';

export interface WorkerOptions extends GlobalOptions {
  queues?: string;
  platforms?: string;
  tiktokBaseUrl?: string;
  durationS?: number;
}

/** Extra worker processes (or machines) on the same Redis. Collect workers never open the store. */
export async function runWorker(opts: WorkerOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts, opts.tiktokBaseUrl ? { tiktokBaseUrl: opts.tiktokBaseUrl } : {});
  setupLogging(cfg);
  const queues = (opts.queues ?? 'collect').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = queues.filter((q) => q !== 'collect' && q !== 'load');
  if (bad.length || !queues.length) throw new UserError(`--queues takes collect and/or load (got ${opts.queues})`);
  if (queues.includes('load') && !cfg.clickhouseUrl) {
    throw new UserError('a load worker writes to the store: with the embedded store only `tagpulse run` may do that. Use --queues collect here, or set --clickhouse-url');
  }
  const platforms = opts.platforms?.split(',').map((s) => s.trim());
  if (platforms) for (const p of platforms) if (!knownCollectorPlatforms().includes(p)) throw new UserError(`unknown platform ${p}: use ${knownCollectorPlatforms().join(', ')}`);
  const stats = { ok: 0, failed: 0 };
  const app = await new App({
    cfg,
    command: `tagpulse worker --queues ${queues.join(',')}`,
    roles: { scheduler: false, api: false, collect: queues.includes('collect'), load: queues.includes('load') },
    ...(platforms ? { platforms } : {}),
    onOutcome: (e) => (e.ok ? stats.ok++ : stats.failed++),
    onFatal: reportFatal,
  }).start();
  io.err(`worker started (queues ${queues.join(',')}; Redis ${app.redis?.describe}; pid ${process.pid})`);
  const stopLine = startStatusLine(app, { ...io, isTTY: false }, stats);
  installFatalHandlers();
  const code = await runUntilSignal(app, io, opts.durationS);
  stopLine();
  return code;
}

export function configureWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run extra workers on the same Redis (other processes or machines)')
    .option('--queues <list>', 'collect,load (default collect)')
    .option('--platforms <list>', 'platforms to collect (default all)')
    .option('--tiktok-base-url <url>', 'TikTok origin')
    .option('--duration-s <seconds>', 'stop after this many seconds', (v) => Number(v))
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runWorker(globalsOf(cmd) as WorkerOptions));
    });
}
