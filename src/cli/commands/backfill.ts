/**
 * `tagpulse backfill <tag>`: a tag's history from the Wayback Machine. Writes go through withStore, so it works on its
 * own and while `tagpulse run` owns the data dir. Resumable: captures already stored (or already known to be
 * failures) are skipped, so an interrupted run just runs again.
 */
import type { Command } from 'commander';
import { parseTime } from '../../util/time.ts';
import { refreshAfterWrite } from '../../services/tag-summaries.ts';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { normalizeTag } from '../../schema/tag.ts';
import type { Store } from '../../store/store.ts';
import { failuresForTagQuery, observedTimesQuery } from '../../store/queries.ts';
import { archiveSourceFor, isTransientFailure, runBackfill, type BackfillProgress, type BackfillSink, type BackfillSummary } from '../../collectors/wayback/backfill.ts';
import { failureAdvice } from '../../collectors/common/advice.ts';
import { formatAge } from '../format.ts';
import { etaSuffix, progressBar } from '../progress.ts';

export interface BackfillCliOptions extends GlobalOptions {
  tag: string;
  from?: string;
  to?: string;
  platform?: string;
  waybackBaseUrl?: string;
  concurrency?: string | number;
  json?: boolean;
}

/** Where TTY progress goes (a carriage-return line); tests pass their own. */
export interface ProgressWriter {
  write(s: string): unknown;
}

/** Largest number of stored failures read to find captures not worth fetching again. */
const FAILURE_LOOKUP_LIMIT = 10_000;

/** `2019-01-01` or a full ISO time (the one strict parser) → Date; anything else is a user error naming the flag. */
export function parseDayFlag(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const r = parseTime(value);
  if (!r.ok) throw new UserError(`${flag} ${JSON.stringify(value)} ${r.message.split(':')[0]}: use YYYY-MM-DD, e.g. ${flag} 2019-01-01, or an ISO 8601 time such as 2019-01-01T12:00:00Z`);
  return new Date(r.ms);
}

/** A store seen as a backfill sink: what is there already, and where results go. */
export function storeSink(store: Store, platform: string, tag: string): BackfillSink {
  return {
    storedTimes: async () => new Set((await store.run(observedTimesQuery, { platform, tag, method: 'wayback' })).map((r) => r.observed_at)),
    failedCaptures: async () =>
      new Set((await store.run(failuresForTagQuery, { platform, tag, limit: FAILURE_LOOKUP_LIMIT })).filter((f) => f.method === 'wayback' && !isTransientFailure(f.kind)).map((f) => f.url)),
    write: async (observations, failures) => {
      if (observations.length) await store.insertObservations(observations);
      if (failures.length) await store.insertFailures(failures);
    },
  };
}

/** `[#####-----] 12/40 captures · 18 values · 2 failed · ETA 1m` */
export function formatProgress(p: BackfillProgress, elapsedMs: number, width = 24): string {
  return `${progressBar(p.done, p.total, width)} ${p.done}/${p.total} captures · ${p.stored} values · ${p.failed} failed${etaSuffix(p.done, p.total, elapsedMs)}`;
}

export async function runBackfillCommand(opts: BackfillCliOptions, io: Io = stdio, tty: ProgressWriter = process.stderr): Promise<number> {
  const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
  if (concurrency !== undefined && concurrency !== 1 && concurrency !== 2) throw new UserError(`--concurrency ${opts.concurrency} is not allowed: the Wayback Machine is fetched 1 or 2 captures at a time`);
  const cfg = configFrom(opts, { ...(opts.waybackBaseUrl ? { waybackBaseUrl: opts.waybackBaseUrl } : {}), ...(concurrency ? { waybackConcurrency: concurrency } : {}) });
  const tag = normalizeTag(opts.tag);
  const platform = opts.platform ?? 'tiktok';
  try {
    archiveSourceFor(platform);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const from = parseDayFlag(opts.from, '--from');
  const to = parseDayFlag(opts.to, '--to');
  if (from && to && from > to) throw new UserError(`--from ${opts.from} is after --to ${opts.to}`);

  const started = Date.now();
  const onProgress = (p: BackfillProgress) => {
    if (io.isTTY) tty.write(`\r\x1b[2K${formatProgress(p, Date.now() - started)}`);
    else if (p.capture) io.err(`${p.capture.at} ${p.capture.ok ? p.capture.detail : `failed — ${p.capture.detail}`} (${p.done}/${p.total})`);
  };
  const summary = await withStore(cfg, 'backfill', async (store) => {
    const s = await runBackfill({
      platform,
      tag,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      waybackBaseUrl: cfg.waybackBaseUrl,
      userAgent: cfg.userAgent,
      timeoutMs: cfg.requestTimeoutMs,
      concurrency: cfg.waybackConcurrency,
      delayMs: cfg.waybackDelayMs,
      sink: storeSink(store, platform, tag),
      onProgress,
      onRetry: (r) => io.err(`${io.isTTY ? '\n' : ''}waiting ${formatAge(r.waitMs)} before retrying (${r.reason})`),
    });
    // the tag's summary row, once, at the end (services/tag-summaries.ts)
    if (s.observations > 0) await refreshAfterWrite(store, [{ platform, tag }]);
    return s;
  });
  if (io.isTTY) tty.write('\n');
  report(summary, { tag, platform, json: opts.json === true }, io);
  return summary.transientFailures > 0 ? 1 : 0;
}

function report(s: BackfillSummary, o: { tag: string; platform: string; json: boolean }, io: Io): void {
  if (o.json) {
    io.out(JSON.stringify({ tag: o.tag, platform: o.platform, ...s }));
    return;
  }
  const failures = Object.entries(s.failures).map(([kind, n]) => `${kind} ${n}`);
  io.out(
    `backfill #${o.tag} (${o.platform}): ${s.listed} capture(s) listed, ${s.matching} of this tag's page, ${s.skipped} already done; ` +
      `${s.fetched} fetched → ${s.observations} observation(s) stored, ${failures.length ? `failures recorded (not values): ${failures.join(', ')}` : 'no failures'}.`,
  );
  for (const kind of Object.keys(s.failures) as (keyof typeof s.failures)[]) {
    if (isTransientFailure(kind)) io.err(`${kind}: ${failureAdvice(kind, 'wayback')}. Run the same command again to retry those captures.`);
  }
}

export function configureBackfillCommand(program: Command): void {
  program
    .command('backfill <tag>')
    .description("fill a tag's history from Wayback Machine captures of its page (resumable)")
    .option('--from <date>', 'first day (YYYY-MM-DD), e.g. 2019-01-01; default: the oldest capture')
    .option('--to <date>', 'last day (YYYY-MM-DD); default: today')
    .option('--platform <platform>', 'tiktok | youtube', 'tiktok')
    .option('--concurrency <n>', 'captures fetched at once: 1 or 2 (default waybackConcurrency)')
    .option('--wayback-base-url <url>', 'Wayback Machine origin (mirror or local server)')
    .option('--json', 'print the summary as JSON')
    .action(async (tag: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runBackfillCommand({ ...(globalsOf(cmd) as BackfillCliOptions), tag }));
    });
}
