/**
 * `npm run bench`: the benchmark figures of docs/reliability.md, each a ratio measured within this one run (so the
 * machine's speed cancels out), written to bench/results/<YYYY-MM-DD>.md and printed.
 *
 *   node bin/run-ts.js bench/run.ts [--quick] [--only 1,2,3,4,5,6,7] [--import-rows N] [--pipeline-samples N] [--pipeline-warmup N] [--read-store-dir DIR]
 *
 * --only 5 runs the import figures alone (--only 6 the CLI start, --only 7 the read path: its 10,000-tag store is
 * generated once and cached under bench/.data, see bench/lib/read-store.ts; --read-store-dir DIR or TAGPULSE_BENCH_READ_STORE
 * uses an existing generated store instead, never rebuilt); --import-rows N sets the large import file to N rows (the small one and the
 * rate rounds to N/10), for a busy machine where 2 million rows take too long. --pipeline-samples N and --pipeline-warmup N set
 * figure 1's samples per round and warm-up samples (e.g. 3,000 and 300, its sizes before, to compare).
 *
 * --quick uses the small sizes of the CI smoke test. Every loop is bounded in count and time. The 30-minute soak is a
 * separate script: bench/soak.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config/config.ts';
import { openBenchContext } from './lib/context.ts';
import { benchPipeline } from './lib/pipeline.ts';
import { benchLoader } from './lib/loader.ts';
import { benchCollectors } from './lib/collectors.ts';
import { benchQueryCost } from './lib/query-cost.ts';
import { benchImport } from './lib/import.ts';
import { benchCliStart } from './lib/cli-start.ts';
import { benchReadPath } from './lib/read-path.ts';
import { environment, markdownReport, type BenchResult } from './lib/result.ts';
import { BENCH_SIZES } from './lib/sizes.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? new Set((args[args.indexOf('--only') + 1] ?? '').split(',')) : undefined;
const base = quick ? BENCH_SIZES.quick : BENCH_SIZES.full;
const importRows = args.includes('--import-rows') ? Number(args[args.indexOf('--import-rows') + 1]) : undefined;
if (importRows !== undefined && !(Number.isInteger(importRows) && importRows >= 1000)) throw new Error('--import-rows takes a whole number ≥ 1000');
const countArg = (name: string, min: number): number | undefined => {
  if (!args.includes(name)) return undefined;
  const n = Number(args[args.indexOf(name) + 1]);
  if (!(Number.isInteger(n) && n >= min)) throw new Error(`${name} takes a whole number ≥ ${min}`);
  return n;
};
const pipelineSamples = countArg('--pipeline-samples', 100);
const pipelineWarmup = countArg('--pipeline-warmup', 10);
const withImport = importRows ? { ...base, import: { ...base.import, bigRows: importRows, smallRows: Math.round(importRows / 10), rateRows: Math.min(base.import.rateRows, Math.round(importRows / 10)) } } : base;
const sizes = { ...withImport, pipeline: { ...withImport.pipeline, ...(pipelineSamples ? { samples: pipelineSamples } : {}), ...(pipelineWarmup ? { warmup: pipelineWarmup } : {}) } };
const chromiumPath = loadConfig({ configFile: undefined }).chromiumPath;
/** --read-store-dir DIR (or TAGPULSE_BENCH_READ_STORE): figure 7 uses this existing generated store instead of its cache. */
const readStoreDir = args.includes('--read-store-dir') ? args[args.indexOf('--read-store-dir') + 1] : process.env.TAGPULSE_BENCH_READ_STORE;
if (args.includes('--read-store-dir') && !readStoreDir) throw new Error('--read-store-dir takes a directory (a store built by bench/lib/read-store.ts, with its meta.json)');

const ctx = await openBenchContext();
const results: BenchResult[] = [];
const started = Date.now();
try {
  const step = async (id: string, what: string, run: () => Promise<BenchResult | BenchResult[]>) => {
    if (only && !only.has(id)) return;
    process.stderr.write(`bench ${id}: ${what}…\n`);
    const t0 = performance.now();
    const r = await run();
    results.push(...(Array.isArray(r) ? r : [r]));
    process.stderr.write(`bench ${id}: done in ${Math.round((performance.now() - t0) / 1000)} s\n`);
  };
  await step('1', 'pipeline vs raw BullMQ', () => benchPipeline(ctx, sizes.pipeline));
  await step('2', 'loader vs raw insert', () => benchLoader(ctx, sizes.loader));
  await step('3', 'HTTP vs browser collector', () => benchCollectors({ ...sizes.collectors, chromiumPath }));
  await step('4', 'query cost on a generated dataset', () => benchQueryCost(ctx, sizes.query));
  await step('5', 'import: rate vs raw insert, peak RSS big vs small vs bare chDB', () => benchImport(ctx, sizes.import));
  await step('6', 'CLI start', () => benchCliStart(sizes.cli));
  await step('7', 'read path on a generated store vs plain SQL', () => benchReadPath({ ...sizes.reads, chromiumPath, ...(readStoreDir ? { storeDir: readStoreDir } : {}) }));
} finally {
  await ctx.close();
}

const date = new Date(started).toISOString().slice(0, 10);
const report = markdownReport(`tagpulse benchmarks, ${date}${quick ? ' (quick sizes)' : ''}`, results, environment(), [
  `Run with \`npm run bench\`${quick ? ' -- --quick' : ''} in ${Math.round((Date.now() - started) / 1000)} s. Every figure is a ratio of two measurements taken in this run on this machine.`,
  'The soak test (bench/soak.ts) is reported separately: see docs/reliability.md.',
]);
const dir = new URL('./results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const file = `${dir}${date}${quick ? '-quick' : ''}.md`;
writeFileSync(file, report + '\n');
process.stdout.write(`${report}\nwritten to ${file}\n`);
