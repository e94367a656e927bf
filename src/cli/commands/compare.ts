import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { compareTags, type CompareInput, type Comparison } from '../../services/compare.ts';
import { formatCount } from '../format.ts';
import { EXIT } from '../exit-codes.ts';

export interface CompareOptions extends GlobalOptions {
  tags: string[];
  platform?: string;
  metric?: string;
  indexAt?: string;
  scale?: string;
  from?: string;
  to?: string;
  step?: string;
  json?: boolean;
}

function formatValue(v: number | null, scale: Comparison['scale']): string {
  if (v === null) return '—';
  if (scale === 'log') return v.toFixed(4);
  if (scale === 'indexed') return v.toFixed(1);
  return formatCount(BigInt(Math.round(v)));
}

/** The comparison as an aligned table: one row per grid time, one column per tag. */
export function renderCompareText(c: Comparison): string[] {
  const head = `#${c.keys.join(' vs #')} · ${c.platform} · ${c.metric} · ${c.scale}${c.indexAt ? ` (100 = ${c.indexAt})` : ''} · every ${c.step}`;
  if (!c.rows.length) return [head, '  no data in this range', ...c.notes.map((n) => `note: ${n}`)];
  const header = ['time (UTC)', ...c.keys.map((k) => `#${k}`)];
  const body = c.rows.map((r) => [r.t.replace('T', ' ').replace(/:00\.000Z$/, ''), ...c.keys.map((k) => formatValue(r.values[k] ?? null, c.scale))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [head, line(header), ...body.map(line), ...c.notes.map((n) => `note: ${n}`), `method: tagpulse analytics ${c.method.analyticsVersion}; ${c.method.description}`];
}

export async function runCompare(opts: CompareOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const result = await withStore(cfg, 'compare', (store) =>
    compareTags(store, {
      tags: opts.tags,
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.metric ? { metric: opts.metric } : {}),
      ...(opts.scale ? { scale: opts.scale as CompareInput['scale'] } : {}),
      ...(opts.indexAt ? { indexAt: opts.indexAt } : {}),
      ...(opts.from ? { from: opts.from } : {}),
      ...(opts.to ? { to: opts.to } : {}),
      ...(opts.step ? { step: opts.step } : {}),
    }),
  );
  if (opts.json) io.out(JSON.stringify(result, null, 2));
  else for (const l of renderCompareText(result)) io.out(l);
  // A tag with no observations in the range (unknown or misspelt): the comparison is incomplete.
  const missing = result.series.filter((s) => s.observations === 0).map((s) => `#${s.tag}`);
  if (missing.length) io.err(`no data: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no observations on ${result.platform} in this range (tagpulse status lists the tags with data)`);
  return missing.length ? EXIT.NO_DATA : EXIT.OK;
}

export function configureCompareCommand(program: Command): void {
  program
    .command('compare <tags...>')
    .description('compare tags on one time grid: absolute counts, log scale, or indexed to 100 at a date')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--metric <metric>', 'views | posts | ...', 'views')
    .option('--scale <scale>', 'linear | log | indexed (default linear; indexed when --index-at is given)')
    .option('--index-at <date>', 'time at which every tag is 100 (indexed scale; default: the first time all tags have data)')
    .option('--from <date>', 'start of the range (ISO-8601)')
    .option('--to <date>', 'end of the range (ISO-8601)')
    .option('--step <step>', 'grid step, e.g. 1h or 1d (default: 1h up to 7 days of data, 1d beyond)')
    .option('--json', 'machine-readable JSON')
    .action(async (tags: string[], _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runCompare({ ...(globalsOf(cmd) as CompareOptions), tags }));
    });
}
