import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, setupLogging, stdio, type GlobalOptions, type Io } from '../common.ts';
import { App } from '../../runtime/app.ts';
import { mountAll } from '../../api/mount-all.ts';
import { isPortFree } from '../../api/server.ts';
import { createPostLoadHook } from '../../alerts/hook.ts';
import { createFormatDriftHook, withDriftHook } from '../../services/format-drift.ts';
import { startFakeTikTok, type FakeTagSpec } from '../../demo/fake-tiktok.ts';
import { addTracked } from '../../services/tracking.ts';
import { runUntilSignal, startStatusLine } from './run.ts';
import { storeSink } from './backfill.ts';
import { startFakeWayback } from '../../demo/fake-wayback.ts';
import { demoHistoryCaptures } from '../../demo/history.ts';
import { runBackfill } from '../../collectors/wayback/backfill.ts';

export interface DemoOptions extends GlobalOptions {
  port?: string | number;
  host?: string;
  durationS?: number;
  every?: string;
  failureRate?: number;
  historyDays?: number;
}

/** Tags of the demo, with growth shaped like real campaigns (numbers illustrative): one steady, one accelerating fast
 * (a campaign month), two accelerating slowly. */
export const DEMO_TAGS: Record<string, FakeTagSpec> = {
  mentalhealth: { views0: 16_400_000_000n, posts0: 3_456_789n, viewsPerHour: 2_000_000, postsPerHour: 400, rateDoublingHours: 240 },
  suicidepreventionmonth: { views0: 412_000_000n, posts0: 98_765n, viewsPerHour: 300_000, postsPerHour: 60, rateDoublingHours: 48 },
  mentalhealthmatters: { views0: 13_500_000_000n, posts0: 2_100_000n, viewsPerHour: 900_000, postsPerHour: 150 },
  tiktoktherapy: { views0: 761_000_000n, posts0: 120_000n, viewsPerHour: 120_000, postsPerHour: 30, rateDoublingHours: 120 },
};

/**
 * The product offline: a local TikTok-shaped server with growing counts and injected failures, and the real
 * pipeline (scheduler → collect → load → ClickHouse → dashboard) running against it.
 */
export async function runDemo(opts: DemoOptions, io: Io = stdio): Promise<number> {
  const serverStartMs = Date.now();
  const fake = await startFakeTikTok({ tags: DEMO_TAGS, failureRate: opts.failureRate ?? 0.1, failureKinds: ['captcha', 'empty', 'throttled', 'hollow'] });
  const archive = await startFakeWayback({ captures: demoHistoryCaptures(DEMO_TAGS, { days: opts.historyDays ?? 14, serverStartMs }) });
  const dataDir = opts.dataDir ?? resolve('.tagpulse-demo');
  let cfg = configFrom(
    { ...opts, dataDir },
    {
      tiktokBaseUrl: fake.url,
      waybackBaseUrl: archive.url,
      ...(opts.host ? { apiHost: opts.host } : {}),
      ...(opts.port !== undefined ? { apiPort: opts.port } : {}),
      backoffMs: 2000,
      rateLimitMax: 600,
      defaultEvery: opts.every ?? '15s',
    },
  );
  // A first-time user should not have to find --port: when the default port is taken, take any free one (an explicit
  // --port is kept, and fails clearly if busy).
  let portNote = '';
  if (opts.port === undefined && cfg.apiPort !== 0 && !(await isPortFree(cfg.apiHost, cfg.apiPort))) {
    portNote = `port ${cfg.apiPort} is busy, so the demo took a free port (choose one with --port)`;
    cfg = { ...cfg, apiPort: 0 };
  }
  // On a terminal the demo shows one live status line (samples, failures, queue, URL), not a log stream: injected
  // failures are counted there, so only errors are logged unless --log-level says otherwise.
  setupLogging(cfg, io.isTTY ? 'error' : undefined);
  const stats = { ok: 0, failed: 0 };
  let app: App | undefined;
  try {
    const postLoad = withDriftHook(createPostLoadHook(cfg, () => app?.store), createFormatDriftHook(cfg, () => app?.store));
    app = await new App({
      cfg,
      command: 'tagpulse demo',
      ...(postLoad ? { onLoaded: postLoad, beforeStoreClose: () => postLoad.idle() } : {}),
      roles: { scheduler: true, collect: true, load: true, api: true },
      mount: (router, deps) => mountAll(router, { ...deps, cfg }),
      onOutcome: (e) => (e.ok ? stats.ok++ : stats.failed++),
      resyncMs: 5000,
    }).start();
    await addTracked(app.store!, { tags: Object.keys(DEMO_TAGS), platform: 'tiktok', every: cfg.defaultEvery });
    await app.resync();
    io.out(`reading ${opts.historyDays ?? 14} days of archived history from a local Wayback-shaped server (the real backfill)…`);
    for (const tag of Object.keys(DEMO_TAGS)) {
      await runBackfill({ platform: 'tiktok', tag, waybackBaseUrl: archive.url, userAgent: cfg.userAgent, timeoutMs: cfg.requestTimeoutMs, concurrency: 2, delayMs: 0, sink: storeSink(app.store!, 'tiktok', tag) });
    }
    io.out(`tagpulse demo: a local TikTok-shaped server at ${fake.url} (growing counts, ~${Math.round((opts.failureRate ?? 0.1) * 100)}% injected failures)`);
    io.out(`sampling ${Object.keys(DEMO_TAGS).map((t) => '#' + t).join(', ')} every ${cfg.defaultEvery}; data in ${cfg.dataDir}`);
    if (portNote) io.out(portNote);
    io.out(`open the dashboard: ${app.api!.url}/`);
    io.out(`in another terminal: tagpulse report mentalhealth --data-dir ${cfg.dataDir}   (Ctrl-C stops the demo)`);
    const stopLine = startStatusLine(app, io, stats);
    await runUntilSignal(app, io, opts.durationS);
    stopLine();
  } finally {
    await app?.stop();
    await fake.close();
    await archive.close();
  }
  return 0;
}

export function configureDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('see tagpulse work offline: the real pipeline against a local TikTok-shaped server')
    .option('--host <host>', 'dashboard address (default 127.0.0.1)')
    .option('--port <port>', 'dashboard port (default 8787)')
    .option('--every <cadence>', 'sampling cadence of the demo tags', '15s')
    .option('--failure-rate <rate>', 'fraction of requests answered with an injected failure', (v) => Number(v), 0.1)
    .option('--history-days <days>', 'days of archived history read at start (0 = none)', (v) => Number(v), 14)
    .option('--duration-s <seconds>', 'stop after this many seconds', (v) => Number(v))
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runDemo(globalsOf(cmd) as DemoOptions));
    });
}
