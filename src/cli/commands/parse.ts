import { readFileSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { globalsOf, runAction, stdio, type GlobalOptions, type Io } from '../common.ts';
import { parsers, detectParser } from '../../collectors/parsers.ts';
import { tryNormalizeTag } from '../../schema/tag.ts';
import { parseRawRecord } from '../../services/raw-evidence.ts';
import { parseSaved } from '../../collectors/parsers.ts';

export interface ParseOptions extends GlobalOptions {
  files: string[];
  json?: boolean;
  platform?: string;
}

/** Parse saved pages / API responses offline. One JSON line per observation or failure. Never touches the store. */
export async function runParse(opts: ParseOptions, io: Io = stdio): Promise<number> {
  let failures = 0;
  for (const file of opts.files) {
    if (!existsSync(file)) {
      io.out(JSON.stringify({ file, error: { kind: 'missing_file', message: `file ${file} does not exist` } }));
      failures++;
      continue;
    }
    const text = readFileSync(file, 'utf8');
    // A response saved by tagpulse (raw evidence, sample --save-raw) carries its platform, status and headers.
    const saved = parseRawRecord(text);
    const body = saved ? saved.body : text;
    const p = opts.platform ? parsers[opts.platform] : saved && parsers[saved.platform] ? parsers[saved.platform] : detectParser(body);
    if (!p) {
      io.out(JSON.stringify({ file, error: { kind: 'unknown_platform', message: `no parser for platform ${opts.platform}; use one of ${Object.keys(parsers).join(', ')}` } }));
      failures++;
      continue;
    }
    const r = saved ? parseSaved(p.platform, saved) : p.parse(body);
    if (!r.ok) {
      failures++;
      const line = { file, platform: p.platform, error: { kind: r.kind, message: r.message, ...(r.platformCode ? { platformCode: r.platformCode } : {}) } };
      io.out(opts.json ? JSON.stringify(line) : `${file}: ${r.kind} — ${r.message}`);
      continue;
    }
    const tag = r.title ? tryNormalizeTag(r.title) : undefined;
    for (const rd of r.readings) {
      const line = {
        file,
        platform: p.platform,
        tag: tag?.ok ? tag.tag : null,
        metric: rd.metric,
        value: rd.value,
        exact: rd.precision === 'exact',
        step: rd.step,
        precision: rd.precision,
        source: rd.source,
        format: r.format,
        ...(r.challengeId ? { challengeId: r.challengeId } : {}),
      };
      io.out(opts.json ? JSON.stringify(line) : `${file}: ${line.tag ? '#' + line.tag + ' ' : ''}${rd.metric} = ${rd.value}${line.exact ? ' (exact)' : ` (rounded, step ${rd.step})`} from ${rd.source}`);
    }
  }
  return failures ? 1 : 0;
}

export function configureParseCommand(program: Command): void {
  program
    .command('parse <files...>')
    .description('parse saved pages or API responses (from a browser or an archive) without touching the store')
    .option('--json', 'one JSON line per observation or failure')
    .option('--platform <platform>', 'force a parser (default: detected)')
    .action(async (files: string[], _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runParse({ ...(globalsOf(cmd) as ParseOptions), files }));
    });
}
