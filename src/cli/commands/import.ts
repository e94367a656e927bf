/**
 * `tagpulse import <file>`: wiring of the flags to the streamed import (src/services/import.ts), and its report:
 * each bad row with its line number, what was refused and why, what was replaced, a progress bar on a TTY.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { detectFormat, type ImportFormat } from '../../importers/series-import.ts';
import { importFile, type ImportOutcome, type ImportProgress } from '../../services/import.ts';
import { normalizeTag } from '../../schema/tag.ts';
import { toCount } from '../../schema/count.ts';
import { etaSuffix, formatPerSecond, progressBar } from '../progress.ts';
import { formatCount } from '../format.ts';
import { EXIT } from '../exit-codes.ts';

export interface ImportOptions extends GlobalOptions {
  file: string;
  format?: ImportFormat;
  strict?: boolean;
  tag?: string;
  platform?: string;
  metric?: string;
  dryRun?: boolean;
  replace?: boolean;
  assumeExact?: boolean;
  step?: string;
  encoding?: string;
}

/** Bad rows printed one per line; beyond this many only their count (a broken 2M-row file must stay readable). */
const MAX_BAD_ROWS_SHOWN = 1000;

/** Where the TTY progress line goes; tests pass their own. */
export interface ProgressWriter {
  write(s: string): unknown;
}

function firstBytes(file: string, n = 64 * 1024): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0)).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function progressLine(p: ImportProgress, elapsedMs: number): string {
  const rate = (p.done / Math.max(elapsedMs, 1)) * 1000;
  if (p.unit === 'bytes') {
    const mb = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);
    return `checking ${progressBar(p.done, p.total)} ${mb(p.done)}/${mb(p.total)} MB · ${(rate / 1e6).toFixed(1)} MB/s${etaSuffix(p.done, p.total, elapsedMs)}`;
  }
  return `importing ${progressBar(p.done, p.total)} ${formatCount(String(p.done))}/${formatCount(String(p.total))} rows · ${formatPerSecond(rate, 'rows')}${etaSuffix(p.done, p.total, elapsedMs)}`;
}

export async function runImport(opts: ImportOptions, io: Io = stdio, tty: ProgressWriter = process.stderr): Promise<number> {
  if (!existsSync(opts.file) || !statSync(opts.file).isFile()) throw new UserError(`file ${opts.file} does not exist`);
  const cfg = configFrom(opts);
  const format = opts.format ?? detectFormat(opts.file, firstBytes(opts.file));
  if (!['csv', 'tsv', 'jsonl', 'tracker-tsv'].includes(format)) throw new UserError(`unknown format ${format}: use csv, tsv, jsonl or tracker-tsv`);
  if (format === 'tracker-tsv' && !opts.tag) throw new UserError('the tracker TSV format has one file per tag: pass --tag <tag>');
  if (opts.encoding !== undefined) {
    try {
      new TextDecoder(opts.encoding);
    } catch {
      throw new UserError(`unknown encoding ${JSON.stringify(opts.encoding)}: use a name such as utf-8, latin1, windows-1252 or utf-16le`);
    }
  }
  if (opts.step !== undefined && opts.assumeExact) throw new UserError('--step and --assume-exact contradict each other: rows without precision are either rounded to a step or exact');
  const step = opts.step === undefined ? undefined : toCount(opts.step);
  if (opts.step !== undefined && (step === null || step === undefined || step === '0' || step === '1')) {
    throw new UserError(`--step ${JSON.stringify(opts.step)}: give the rounding step as a whole number above 1, e.g. --step 100000000 for one decimal of billions ("16.4B")`);
  }

  let shown = 0;
  const phaseStart = new Map<string, number>();
  let progressShown = false;
  const onProgress = io.isTTY
    ? (p: ImportProgress) => {
        if (!phaseStart.has(p.phase)) phaseStart.set(p.phase, performance.now());
        progressShown = true;
        tty.write(`\r\x1b[2K${progressLine(p, performance.now() - phaseStart.get(p.phase)!)}`);
      }
    : undefined;
  const endProgress = () => {
    if (progressShown) tty.write('\r\x1b[2K');
    progressShown = false;
  };
  const req = {
    file: opts.file,
    format,
    ctx: {
      file: basename(opts.file),
      importedAt: new Date().toISOString(),
      ...(opts.tag ? { tag: normalizeTag(opts.tag) } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.metric ? { metric: opts.metric } : {}),
      ...(step ? { defaultStep: step } : {}),
    },
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
    strict: opts.strict === true,
    dryRun: opts.dryRun === true,
    replace: opts.replace === true,
    assumeExact: opts.assumeExact === true,
    batchSize: cfg.loadBatchSize,
    // The checked rows wait between the two passes next to the store (the OS temp dir may be small).
    spoolDir: cfg.dataDir,
    onBadRow: (line: number, message: string) => {
      if (++shown > MAX_BAD_ROWS_SHOWN) return;
      endProgress();
      io.err(`${opts.file}:${line}: ${message}`);
    },
    ...(onProgress ? { onProgress } : {}),
  };

  // A dry run compares with the store only when there is one (it never creates a data dir).
  const storeExists = Boolean(cfg.clickhouseUrl) || existsSync(cfg.dataDir);
  let out: ImportOutcome;
  try {
    out = opts.dryRun && !storeExists ? await importFile(undefined, req) : await withStore(cfg, 'import', (store) => importFile(store, req));
  } finally {
    endProgress();
  }
  return report(out, opts, io, shown);
}

function report(out: ImportOutcome, opts: ImportOptions, io: Io, shown: number): number {
  if (shown > MAX_BAD_ROWS_SHOWN) io.err(`… and ${shown - MAX_BAD_ROWS_SHOWN} more bad row(s) not shown (${shown} in all); check the file with --dry-run after fixing the first ones`);
  const r = out.replacements;
  if (r.count) {
    io.err(`${r.count} row(s) ${out.refused.length || opts.dryRun ? 'would replace' : 'replaced'} a different value from an earlier import${r.count > r.examples.length ? `, e.g.` : ':'}`);
    for (const e of r.examples) {
      const what = (v: { value: string; precision: string; step: string }) => `${formatCount(v.value)}${v.precision === 'exact' ? '' : ` (${v.precision}${v.step !== '0' ? `, step ${v.step}` : ''})`}`;
      io.err(`  ${opts.file}:${e.line}: ${e.platform} #${e.tag} ${e.metric} at ${e.observedAt}: ${what(e.old)} → ${what(e.new)} (was from ${e.old.provenance || e.old.source})`);
    }
  }
  if (out.refused.length) {
    if (out.refused.length === 1) io.err(`nothing imported: ${out.refused[0]}`);
    else {
      io.err(`nothing imported from ${opts.file}:`);
      for (const reason of out.refused) io.err(`  - ${reason}`);
    }
    return EXIT.REFUSED;
  }
  if (out.assumedExact) io.err(`note: ${out.assumedExact} row(s) had no exact/step/precision column and were ${opts.dryRun ? 'taken' : 'stored'} as exact counts`);
  const parts = [
    `${opts.dryRun ? 'would import' : 'imported'} ${opts.dryRun ? out.rows - out.alreadyStored - (opts.replace ? 0 : r.count) : out.loaded} observation(s) from ${opts.file} (${out.format})`,
    ...(out.alreadyStored ? [`${out.alreadyStored} already stored by an earlier import (unchanged, not added again)`] : []),
    ...(out.duplicates?.identical ? [`${out.duplicates.identical} row(s) repeat an earlier row of the file exactly (same key and value): stored once`] : []),
    ...(r.count && opts.replace ? [`${r.count} ${opts.dryRun ? 'would replace' : 'replaced'} earlier imported value(s)`] : []),
    ...(out.badRows ? [`${out.badRows} bad row(s) skipped`] : []),
    ...(opts.dryRun && !out.comparedWithStore ? ['not compared with the store (there is none yet)'] : []),
  ];
  io.out(parts.join('; '));
  // Every row bad: nothing stored, the file is the problem (usage). Some bad: the rest was stored (partial).
  return !out.badRows ? EXIT.OK : out.rows ? EXIT.PARTIAL : EXIT.USAGE;
}

export function configureImportCommand(program: Command): void {
  program
    .command('import <file>')
    .description('import an existing series (CSV header: platform,tag,metric,observed_at,value[,exact,step,precision,source,note,provenance,time_precision])')
    .option('--format <format>', 'csv | tsv | jsonl | tracker-tsv (default: detected)')
    .option('--tag <tag>', 'tracker-tsv: the tag of this file')
    .option('--platform <platform>', 'tracker-tsv: platform (default tiktok)')
    .option('--metric <metric>', 'tracker-tsv: metric (default views)')
    .option('--encoding <encoding>', "the file's encoding when it is not UTF-8 (latin1, windows-1252, utf-16le…)")
    .option('--step <n>', 'rows without exact/step/precision are display figures rounded to this step (e.g. 100000000)')
    .option('--assume-exact', 'rows without exact/step/precision are exact counts, even if they look display-rounded')
    .option('--replace', 'replace values stored by an earlier import at the same times (they are listed)')
    .option('--strict', 'load nothing if any row is bad')
    .option('--dry-run', 'check the file (and compare it with the store) without storing anything')
    .action(async (file: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runImport({ ...(globalsOf(cmd) as ImportOptions), file }));
    });
}
