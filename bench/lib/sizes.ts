/** Benchmark sizes: full (npm run bench) and quick (CI smoke test, --quick). Every loop is bounded by these. */
import type { PipelineBenchOptions } from './pipeline.ts';
import type { LoaderBenchOptions } from './loader.ts';
import type { CollectorBenchOptions } from './collectors.ts';
import type { QueryBenchOptions } from './query-cost.ts';
import type { ImportBenchOptions } from './import.ts';
import type { CliStartBenchOptions } from './cli-start.ts';
import type { ReadPathBenchOptions } from './read-path.ts';

export interface BenchSizes {
  pipeline: PipelineBenchOptions;
  loader: LoaderBenchOptions;
  collectors: Omit<CollectorBenchOptions, 'chromiumPath'>;
  query: QueryBenchOptions;
  import: ImportBenchOptions;
  cli: CliStartBenchOptions;
  reads: ReadPathBenchOptions;
}

export const BENCH_SIZES: { full: BenchSizes; quick: BenchSizes } = {
  full: {
    // Figure 1: rounds of several seconds, so the loader's flush wait after a round's last sample (up to loadFlushMs) stays a
    // small share of a throughput figure (it was 7–33 % of 3,000-sample rounds of about 1 s); a warm-up of 3,000 on both
    // sides, because with 300 the first measured round was the slowest on both sides in most runs (quiet machine: round
    // ratios 0.29, 0.39, 0.39 and 0.32, 0.39, 0.40).
    pipeline: { samples: 15_000, warmup: 3000, concurrency: 16, timeoutMs: 300_000, rounds: 3 },
    loader: { rows: 200_000, batchSize: 5000, rounds: 3 },
    collectors: { httpPages: 500, browserPages: 60, pagesPerContext: 20 },
    query: { rows: 10_000_000, tags: 10_000, heavyRows: 200_000 },
    import: { rateRows: 200_000, rounds: 5, bigRows: 2_000_000, smallRows: 200_000, batchSize: 5000 },
    cli: { runs: 9, points: 720 },
    reads: { tags: 10_000, days: [30, 60], repeats: 9, budgetMs: 60_000, overviewCapMs: 180_000 },
  },
  quick: {
    pipeline: { samples: 100, warmup: 20, concurrency: 8, timeoutMs: 60_000 },
    loader: { rows: 4000, batchSize: 1000, rounds: 1 },
    collectors: { httpPages: 20, browserPages: 4, pagesPerContext: 2 },
    query: { rows: 100_000, tags: 100, heavyRows: 20_000 },
    import: { rateRows: 4000, rounds: 1, bigRows: 20_000, smallRows: 2000, batchSize: 1000 },
    cli: { runs: 3, points: 168 },
    reads: { tags: 200, days: [30, 60], repeats: 3 },
  },
};
