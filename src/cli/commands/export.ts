import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { secretValues } from '../../config/config.ts';
import { exportObservations, type ExportInput } from '../../services/export.ts';
import { formatCount } from '../format.ts';
import { EXIT } from '../exit-codes.ts';
import { parseSensitiveTopics } from '../../services/care.ts';

export interface ExportOptions extends GlobalOptions {
  tags?: string;
  platform?: string;
  metric?: string;
  from?: string;
  to?: string;
  format?: string;
  cleaned?: boolean;
  out?: string;
  cite?: boolean;
  snapshot?: string;
}

/** Export to a file and always write the citation next to it (<file>.citation.json). */
export async function runExport(opts: ExportOptions, io: Io = stdio, cwd = process.cwd()): Promise<number> {
  const cfg = configFrom(opts);
  const r = await withStore(cfg, 'export', (store) =>
    exportObservations(
      store,
      {
        ...(opts.tags ? { tags: opts.tags } : {}),
        ...(opts.platform ? { platform: opts.platform } : {}),
        ...(opts.metric ? { metric: opts.metric } : {}),
        ...(opts.from ? { from: opts.from } : {}),
        ...(opts.to ? { to: opts.to } : {}),
        ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
        ...(opts.format ? { format: opts.format as ExportInput['format'] } : {}),
        cleaned: Boolean(opts.cleaned),
      },
      { instance: cfg.publicUrl, secrets: secretValues(cfg), sensitiveTopics: parseSensitiveTopics(cfg.sensitiveTopics), ...(opts.out ? { file: basename(opts.out) } : {}) },
    ),
  );
  if (r.rows === 0) {
    io.err(`no data: no observations match${opts.tags ? ` #${opts.tags.split(',').join(', #')}` : ''} on ${opts.platform ?? 'tiktok'}${opts.from || opts.to ? ` between ${opts.from ?? 'the start'} and ${opts.to ?? 'now'}` : ''}; nothing written (tagpulse status lists the tags with data)`);
    return EXIT.NO_DATA;
  }
  const out = resolve(cwd, opts.out ?? r.fileName);
  writeFileSync(out, r.bytes);
  writeFileSync(`${out}.citation.json`, JSON.stringify(r.citation, null, 2) + '\n');
  io.err(`wrote ${formatCount(String(r.rows))} row(s) to ${out} (${r.citation.format}, ${formatCount(String(r.bytes.length))} bytes, sha256 ${r.citation.sha256})`);
  io.err(`citation: ${out}.citation.json`);
  if (r.citation.care) io.err(`note: ${r.citation.care.resources} ${r.citation.care.reporting}`);
  if (opts.cite) io.out(r.citation.text);
  return 0;
}

export function configureExportCommand(program: Command): void {
  program
    .command('export')
    .description('export observations with provenance (CSV, JSON lines or Parquet) and a citation')
    .option('--tags <tags>', 'comma-separated tags (default: all tags)')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--metric <metrics>', 'comma-separated metrics (default: all metrics)')
    .option('--from <date>', 'first observation time (ISO-8601)')
    .option('--to <date>', 'last observation time (ISO-8601)')
    .option('--format <format>', 'csv | jsonl | parquet', 'csv')
    .option('--cleaned', 'export the cleaned (adjusted) series of the analytics instead of the raw observations')
    .option('--out <file>', 'output file (default: tagpulse-<tags>-<metric>-<date>.<ext> here)')
    .option('--snapshot <time>', 'reproduce an earlier export: only rows stored at or before this time')
    .option('--cite', 'print a ready-to-paste citation')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runExport(globalsOf(cmd) as ExportOptions));
    });
}
