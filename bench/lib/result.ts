/** One benchmark figure: a ratio measured within one run, against its target, with what it was measured from. */
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BenchResult {
  id: string;
  title: string;
  /** What was measured, e.g. "pipeline 812 samples/s; raw BullMQ 1,630 jobs/s". */
  measured: string;
  ratio: number;
  /** How the ratio reads, e.g. "pipeline ÷ raw". */
  ratioOf: string;
  target: string;
  met: boolean;
  notes: string[];
}

export function environment(): Record<string, string> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
    } catch {
      return 'unknown';
    }
  };
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'} (shared with other work)`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    redis: version('redis-server', ['--version']).replace(/^Redis server /, ''),
    packages: ['bullmq', 'ioredis', 'chdb', '@clickhouse/client', 'playwright-core'].map((p) => `${p} ${pkg(p)}`).join(', '),
  };
}

/** The results file: environment, the table of ratios, then each figure's notes. */
export function markdownReport(title: string, results: BenchResult[], env: Record<string, string>, preface: string[] = []): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `# ${title}`,
    '',
    ...preface,
    ...(preface.length ? [''] : []),
    ...Object.entries(env).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '| # | Figure | Measured | Ratio | Target | Met |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.id} | ${cell(r.title)} | ${cell(r.measured)} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : 'n/a'} (${cell(r.ratioOf)}) | ${cell(r.target)} | ${r.met ? 'yes' : '**no**'} |`),
    '',
    ...results.flatMap((r) => (r.notes.length ? [`**${r.id}. ${r.title}**`, '', ...r.notes.map((n) => `- ${n}`), ''] : [])),
  ].join('\n');
}
