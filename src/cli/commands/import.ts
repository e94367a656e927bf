import { readFileSync, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { detectFormat, parseImport, type ImportFormat } from '../../importers/series-import.ts';
import { normalizeTag } from '../../schema/tag.ts';

export interface ImportOptions extends GlobalOptions {
  file: string;
  format?: ImportFormat;
  strict?: boolean;
  tag?: string;
  platform?: string;
  metric?: string;
  dryRun?: boolean;
}

export interface ImportSummary {
  loaded: number;
  rejected: { line: number; message: string }[];
  assumedExact: number;
}

export async function runImport(opts: ImportOptions, io: Io = stdio): Promise<number> {
  if (!existsSync(opts.file) || !statSync(opts.file).isFile()) throw new UserError(`file ${opts.file} does not exist`);
  const cfg = configFrom(opts);
  const text = readFileSync(opts.file, 'utf8');
  const format = opts.format ?? detectFormat(opts.file, text);
  if (!['csv', 'tsv', 'jsonl', 'tracker-tsv'].includes(format)) throw new UserError(`unknown format ${format}: use csv, tsv, jsonl or tracker-tsv`);
  const parsed = parseImport(text, format, {
    file: basename(opts.file),
    importedAt: new Date().toISOString(),
    ...(opts.tag ? { tag: normalizeTag(opts.tag) } : {}),
    ...(opts.platform ? { platform: opts.platform } : {}),
    ...(opts.metric ? { metric: opts.metric } : {}),
  });
  for (const e of parsed.errors) io.err(`${opts.file}:${e.line}: ${e.message}`);
  if (opts.strict && parsed.errors.length) {
    io.err(`nothing imported: ${parsed.errors.length} bad row(s) and --strict is set. Fix the rows above, or drop --strict to load the ${parsed.observations.length} good one(s).`);
    return 2;
  }
  if (!opts.dryRun && parsed.observations.length) {
    await withStore(cfg, 'import', async (store) => {
      for (let i = 0; i < parsed.observations.length; i += cfg.loadBatchSize) await store.insertObservations(parsed.observations.slice(i, i + cfg.loadBatchSize));
    });
  }
  if (parsed.assumedExact) io.err(`note: ${parsed.assumedExact} row(s) had no exact/step/precision column and were stored as exact counts`);
  io.out(`${opts.dryRun ? 'would import' : 'imported'} ${parsed.observations.length} observation(s) from ${opts.file} (${format})${parsed.errors.length ? `; ${parsed.errors.length} bad row(s) skipped` : ''}`);
  return parsed.errors.length ? 1 : 0;
}

export function configureImportCommand(program: Command): void {
  program
    .command('import <file>')
    .description('import an existing series (CSV header: platform,tag,metric,observed_at,value[,exact,step,precision,source,note,provenance,time_precision])')
    .option('--format <format>', 'csv | tsv | jsonl | tracker-tsv (default: detected)')
    .option('--tag <tag>', 'tracker-tsv: the tag of this file')
    .option('--platform <platform>', 'tracker-tsv: platform (default tiktok)')
    .option('--metric <metric>', 'tracker-tsv: metric (default views)')
    .option('--strict', 'load nothing if any row is bad')
    .option('--dry-run', 'check the file without storing anything')
    .action(async (file: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runImport({ ...(globalsOf(cmd) as ImportOptions), file }));
    });
}
