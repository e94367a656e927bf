/**
 * Figure 6: how fast the CLI starts, as two ratios of wall times measured in this run (medians of alternating runs):
 *  - `tagpulse --help` ÷ `node -e 0` (target ≤ 3×): the command tree must not load the commands' dependencies;
 *  - `tagpulse report <tag> --json` ÷ a bare Node process that opens the same chDB dir and runs the same series query
 *    (bench/lib/chdb-bare.mjs) (target ≤ 1.5×).
 * Both run bin/tagpulse.js as users do: the compiled build, rebuilt first when older than src/. The data dir (one tag,
 * 30 days hourly) is written by `tagpulse import` in a child process, as chDB allows one data dir per process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distState } from '../../bin/dist-state.js';
import { T } from '../../src/store/migrations.ts';
import { fmt, median } from './context.ts';
import type { BenchResult } from './result.ts';

export interface CliStartBenchOptions {
  /** Timed runs of each command (alternating, so machine load hits both sides alike). */
  runs: number;
  /** Hourly points of the tag the report reads. */
  points: number;
}

const root = new URL('../../', import.meta.url).pathname;
const BIN = join(root, 'bin', 'tagpulse.js');

function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, TAGPULSE_LOG_LEVEL: 'error' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: \`node ${args.join(' ')}\` exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** stdout of one run (not timed). */
function output(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, TAGPULSE_LOG_LEVEL: 'error' } });
  if (r.status !== 0) throw new Error(`bench: \`node ${args.join(' ')}\` exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function ratioOfMedians(a: string[], b: string[], runs: number): { a: number; b: number } {
  timed(a);
  timed(b); // warm the file cache on both sides
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(timed(a));
    bs.push(timed(b));
  }
  return { a: median(as), b: median(bs) };
}

export async function benchCliStart(o: CliStartBenchOptions): Promise<BenchResult[]> {
  const before = distState(root);
  if (before !== 'current') {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('bench: npm run build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'tagpulse-bench-cli-'));
  try {
    const base = Date.UTC(2026, 0, 1);
    const lines = ['platform,tag,metric,observed_at,value,exact,step,precision'];
    let v = 1_000_000n;
    for (let i = 0; i < o.points; i++) {
      v += BigInt(1000 + i * 10);
      lines.push(`tiktok,benchcli,views,${new Date(base + i * 3_600_000).toISOString()},${v},true,0,exact`);
    }
    writeFileSync(join(dir, 'series.csv'), lines.join('\n') + '\n');
    timed([BIN, '--data-dir', join(dir, 'data'), 'import', join(dir, 'series.csv')]);

    const help = ratioOfMedians([BIN, '--help'], ['-e', '0'], o.runs);
    const reportArgs = [BIN, '--data-dir', join(dir, 'data'), 'report', 'benchcli', '--json'];
    const bareArgs = [join(root, 'bench', 'lib', 'chdb-bare.mjs'), join(dir, 'data', 'chdb'), T.observations, 'tiktok', 'benchcli', 'views'];
    // both sides read the same rows: the bare query's row count is the report's observation count
    const reportRows = (JSON.parse(output(reportArgs)) as { observations: number }).observations;
    const bareRows = (JSON.parse(output(bareArgs)) as { rows: number }).rows;
    if (reportRows !== o.points || bareRows !== o.points) throw new Error(`bench: the report read ${reportRows} rows and the bare query ${bareRows}; both must read the ${o.points} imported`);
    const report = ratioOfMedians(reportArgs, bareArgs, o.runs);
    const built = before === 'current' ? 'dist/ was current' : `dist/ was ${before}: rebuilt before measuring`;
    const helpRatio = help.a / help.b;
    const reportRatio = report.a / report.b;
    return [
      {
        id: '6a',
        title: 'CLI start: `tagpulse --help` vs `node -e 0`',
        measured: `tagpulse --help ${fmt(help.a)} ms; node -e 0 ${fmt(help.b)} ms (medians of ${o.runs})`,
        ratio: helpRatio,
        ratioOf: 'tagpulse --help ÷ node -e 0',
        target: '≤ 3×',
        met: helpRatio <= 3,
        notes: [`bin/tagpulse.js runs the compiled build (${built}); --help loads commander and the command table only (src/cli/commands-index.ts).`],
      },
      {
        id: '6b',
        title: 'CLI start: `tagpulse report <tag> --json` vs a bare chDB open plus the same query',
        measured: `tagpulse report --json ${fmt(report.a)} ms; bare chDB open + series query ${fmt(report.b)} ms (medians of ${o.runs}; ${o.points} hourly points)`,
        ratio: reportRatio,
        ratioOf: 'tagpulse report --json ÷ bare chDB',
        target: '≤ 1.5×',
        met: reportRatio <= 1.5,
        notes: [
          `The bare side (bench/lib/chdb-bare.mjs) imports chdb, opens the same data dir, runs the same FINAL series query on ${T.observations} and prints its row count; both sides were checked to read the same ${o.points} rows before timing.`,
          'tagpulse also loads its config (zod), the @clickhouse/client connection over chDB, reads the tag\'s rows and its cadence (tracked_tag) in one flat query answered as columns (report_input, services/series.ts loadReportInput), checks those columns and computes the report (windows, growth, change points, lifecycle); the schema check is skipped when the chDB dir carries this code\'s schema stamp (src/store/schema-stamp.ts).',
          'Both run as users run them: tagpulse with its chDB preload (bin/chdb-preload.js: the engine is dlopened on a worker thread while the command loads; TAGPULSE_CHDB_PRELOAD unset), the bare side with none.',
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
