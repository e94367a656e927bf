/**
 * Figure 7: the read path on a generated store (bench/lib/read-store.ts: 10,000 tracked tags, ~11M observations,
 * 30–60 days hourly). Each figure is tagpulse's answer over the real HTTP API — an in-process server on 127.0.0.1
 * (startApiServer + mountAll, exactly what `tagpulse run` serves) called with fetch — divided by one plain SQL query
 * that gives the same answer, run in the same chDB, in the same process, in the same run, interleaved with it:
 *
 *  7a GET /api/overview            ÷ one grouped query on the hourly rollup, reading only the 16 days the overview needs
 *                                    (per tag: latest value and the counters at the 24 h and 7 d window starts)
 *  7b first /api/overview page      absolute time of the first call after start (target < 0.5 s), one page when the route pages
 *  7c GET /api/tags                 ÷ latest value and time per (tag, metric) from the hourly rollup, grouped
 *  7d GET /api/compare, 5 tags      ÷ one query: the 5 tags' rows, FINAL, tag IN (…)
 *  7e/7f GET /api/leaderboard 24h/7d ÷ one grouped rollup query: per tag the counter change over the window and over
 *                                    the window before it (velocity, growth), top 20 by velocity
 *  7g GET …/series                   ÷ the same rows by the same FINAL query, plain
 *  7h GET …/report                   ÷ the same query (the report is that tag's rows plus computation), repeated with
 *                                    the data unchanged (its change points and lifecycle fit come from the report's memo)
 *  7j GET …/report, cold             ÷ the same query; the memo emptied before each call (the first report after a load)
 *
 * Medians of up to `repeats` rounds after one warm-up round (fewer once a figure's rounds took `budgetMs`); the
 * overview goes last, each call capped at `overviewCapMs`; in each round tagpulse and the baseline run back to back, so
 * load on this shared machine hits both alike. chDB holds one data dir per process and the other figures' context
 * has one open, so this figure runs in a child process (bench/lib/read-path-run.ts) that prints its results as JSON.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchResult } from './result.ts';

export interface ReadPathBenchOptions {
  tags: number;
  days: [number, number];
  /** Timed rounds per figure (after one warm-up round). */
  repeats: number;
  /** A figure stops repeating once its rounds took this long (default 120 s); at least one timed round. */
  budgetMs?: number;
  /** The overview (measured last) gives up after this long per call (default 300 s): figure 7a/7b then say so. */
  overviewCapMs?: number;
  /** An existing generated store to use (meta.json inside; never rebuilt); default TAGPULSE_BENCH_READ_STORE, else the cache under bench/.data. */
  storeDir?: string;
  /** Chromium for figure 7i; default TAGPULSE_CHROMIUM_PATH or /usr/bin/chromium. */
  chromiumPath?: string;
  /** Navigations of figure 7i (default 3). */
  pageRuns?: number;
}

export async function benchReadPath(o: ReadPathBenchOptions): Promise<BenchResult[]> {
  const root = new URL('../..', import.meta.url).pathname;
  const child = spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'bench/lib/read-path-run.ts'), JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('[')) throw new Error(`the read-path benchmark process exited with ${code}: ${out.slice(-2000)}`);
  return JSON.parse(line) as BenchResult[];
}
