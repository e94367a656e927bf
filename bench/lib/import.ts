/**
 * Figure 5: big imports stream.
 *
 *  5a. import rate: the streamed import (importFile: one pass reads, validates and checks every row — rounding,
 *      earlier imports — and inserts each checked block into the import's stage while the next is checked; an
 *      accepted file's stage is then attached to the real tables)
 *      against a raw @clickhouse/client insert of the same rows. Like with like: the same rows (the same generator and
 *      count, tags of their own), the same table (observations_v2 with its rollup views), the same process and
 *      embedded chDB store, the same wire format (JSONEachRow) and batch size; the raw side gets its column objects
 *      ready-made, outside the timing. Rounds alternate which side goes first; medians are compared. Target ≥ 0.8.
 *  5b. peak RSS of `tagpulse import` (the real CLI, a child process on a fresh data dir) of a large file against the
 *      same command on a file a tenth of its size. Bounded memory means the two are close. Target ≤ 1.15.
 *  5c. the same large import against a bare child process that opens chDB in a fresh data dir and inserts the same
 *      rows in batches (lines split by hand, no validation) — what any import must pay. Target ≤ 1.5.
 * Peak RSS is the child's own `process.resourceUsage().maxRSS`, written when it exits (bench/lib/rss-probe.mjs).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { importFile } from '../../src/services/import.ts';
import { T } from '../../src/store/migrations.ts';
import { toChTime } from '../../src/store/time.ts';
import { median, fmt, type BenchContext } from './context.ts';
import type { BenchResult } from './result.ts';
import { NO_TOKEN } from './loader.ts';

export interface ImportBenchOptions {
  /** Rows per round of the rate comparison (5a). */
  rateRows: number;
  rounds: number;
  /** Rows of the large and the small file of the memory comparison (5b, 5c). */
  bigRows: number;
  smallRows: number;
  batchSize: number;
}

const ROOT = new URL('../..', import.meta.url).pathname;
const HEADER = 'platform,tag,metric,observed_at,value,exact';

/** One CSV row: 1,000 tags, views and posts, hourly, exact values (about 55 bytes). */
function row(i: number, prefix: string): string {
  const at = toChTime(Date.UTC(2029, 0, 1) + Math.floor(i / 2000) * 3_600_000).slice(0, 19);
  return `tiktok,${prefix}${Math.floor(i / 2) % 1000},${i % 2 ? 'posts' : 'views'},${at},${1_000_003 + i * 7},true`;
}

/** Write an import file of `rows` rows, streamed (the generator never holds the file). */
export async function writeImportFile(file: string, rows: number, prefix: string): Promise<number> {
  const out = createWriteStream(file);
  out.write(HEADER + '\n');
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    buf.push(row(i, prefix));
    if (buf.length === 10_000 || i === rows - 1) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
    }
  }
  out.end();
  await once(out, 'finish');
  return statSync(file).size;
}

/** The same rows as ClickHouse columns (built before timing: the raw side gets its rows for free). */
function columns(rows: number, prefix: string): Record<string, unknown>[] {
  const at0 = toChTime(new Date()).slice(0, 23);
  return Array.from({ length: rows }, (_, i) => {
    const [platform, tag, metric, observedAt, value] = row(i, prefix).split(',');
    const at = `${observedAt}.000`;
    return { platform, tag, metric, observed_at: at, value, exact: true, step: '0', precision: 'exact', source: 'import', method: 'import', collector_version: 'bench', slot: at, fetched_at: at0, provenance: 'bench.csv', note: '', time_precision: 'instant' };
  });
}

async function importRowsPerSecond(ctx: BenchContext, file: string, rows: number, batchSize: number): Promise<number> {
  const t0 = performance.now();
  const out = await importFile(ctx.store, { file, format: 'csv', ctx: { file: 'bench.csv', importedAt: new Date().toISOString() }, batchSize });
  const s = (performance.now() - t0) / 1000;
  if (out.loaded !== rows || out.refused.length) throw new Error(`benchmark import stored ${out.loaded} of ${rows} rows (${out.refused.join('; ')})`);
  return rows / s;
}

/**
 * The raw side's settings, stated rather than inherited: chDB keeps a query's settings for the rest of its session, so
 * until the import's inserts scoped theirs (raw insert with a SETTINGS clause), every raw round after the first import
 * ran with the import's `deduplicate_blocks_in_dependent_materialized_views = 1` left in the session. That is the
 * setting every store insert uses (the loader's too), so the raw side keeps it explicitly: without it the views skip
 * their block-dedup work, and the baseline would be an insert the store never makes.
 */
const RAW_SETTINGS = { async_insert: 0, insert_deduplication_token: NO_TOKEN, deduplicate_blocks_in_dependent_materialized_views: 1 } as const;

async function rawRowsPerSecond(ctx: BenchContext, values: Record<string, unknown>[], batchSize: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < values.length; i += batchSize) {
    await ctx.store.client.insert({ table: T.observations, values: values.slice(i, i + batchSize), format: 'JSONEachRow', clickhouse_settings: RAW_SETTINGS });
  }
  return values.length / ((performance.now() - t0) / 1000);
}

/** Run a child process with the RSS probe; its peak RSS in bytes and its wall time. */
export async function peakRss(args: string[], dir: string, timeoutMs: number): Promise<{ rssBytes: number; seconds: number; stdout: string }> {
  const probeFile = join(dir, `rss-${Math.random().toString(36).slice(2)}.txt`);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${join(ROOT, 'bench/lib/rss-probe.mjs')}`.trim(), TAGPULSE_RSS_PROBE: probeFile, TAGPULSE_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`benchmark child ${args.slice(1).join(' ')} exited ${code}: ${stderr.trim().slice(-1000)}`);
  return { rssBytes: Number(readFileSync(probeFile, 'utf8')) * 1024, seconds: (performance.now() - t0) / 1000, stdout };
}

export const cliImport = (file: string, dataDir: string) => [join(ROOT, 'bin/tagpulse.js'), 'import', file, '--data-dir', dataDir, '--log-level', 'silent'];
export const bareInsert = (file: string, dataDir: string, batchSize: number) => [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/bare-insert.ts'), file, dataDir, String(batchSize)];

export async function benchImport(ctx: BenchContext, o: ImportBenchOptions): Promise<BenchResult[]> {
  return [await benchImportRate(ctx, o), ...(await benchImportMemory(ctx, o))];
}

/** 5a: rate, in this process, on the context's store. */
export async function benchImportRate(ctx: BenchContext, o: ImportBenchOptions): Promise<BenchResult> {
  const work = mkdtempSync(join(ctx.dir, 'import-rate-'));
  try {
    const viaImport: number[] = [];
    const viaRaw: number[] = [];
    const cpuImport: number[] = [];
    const cpuRaw: number[] = [];
    /** Process CPU (main thread and chDB's threads) in µs. */
    const cpu = () => {
      const c = process.cpuUsage();
      return c.user + c.system;
    };
    const timed = async (f: () => Promise<number>, cpus: number[]) => {
      const c0 = cpu();
      const rate = await f();
      cpus.push((cpu() - c0) / o.rateRows);
      return rate;
    };
    for (let round = 0; round < o.rounds; round++) {
      const file = join(work, `rate-${round}.csv`);
      await writeImportFile(file, o.rateRows, `im${round}_`);
      const raw = columns(o.rateRows, `rw${round}_`);
      if (round % 2) viaRaw.push(await timed(() => rawRowsPerSecond(ctx, raw, o.batchSize), cpuRaw));
      viaImport.push(await timed(() => importRowsPerSecond(ctx, file, o.rateRows, o.batchSize), cpuImport));
      if (!(round % 2)) viaRaw.push(await timed(() => rawRowsPerSecond(ctx, raw, o.batchSize), cpuRaw));
      rmSync(file);
    }
    // Each round pairs an import with a raw insert run right before or after it, so a load change on the shared
    // machine between rounds affects both sides of a pair; the figure is the median of the paired ratios.
    const paired = viaImport.map((x, i) => x / viaRaw[i]!);
    const rateRatio = median(paired);
    return {
      id: '5a',
      title: 'Import rate (tagpulse import: check pass with the staging inserts beside it, then the stage attached) vs raw client.insert of the same rows',
      measured: `import ${fmt(median(viaImport))} rows/s; raw ${fmt(median(viaRaw))} rows/s (medians)`,
      ratio: rateRatio,
      ratioOf: 'import ÷ raw, median of rounds',
      target: '≥ 0.8',
      met: rateRatio >= 0.8,
      notes: [
        `${fmt(o.rateRows)} rows per path and round, ${o.rounds} rounds (the order alternates; the ratio is the median of each round's import ÷ raw), batches of ${fmt(o.batchSize)} rows, JSONEachRow into ${T.observations} (with its rollup views), embedded chDB.`,
        `Import rounds: ${viaImport.map((x) => fmt(x)).join(', ')} rows/s; raw rounds: ${viaRaw.map((x) => fmt(x)).join(', ')} rows/s; ratios ${paired.map((x) => fmt(x, 2)).join(', ')}.`,
        `Process CPU per row (this process's threads, chDB's included; less sensitive to other work on the machine than wall time): import ${fmt(median(cpuImport), 1)} µs, raw ${fmt(median(cpuRaw), 1)} µs, raw ÷ import ${fmt(median(cpuRaw) / median(cpuImport), 2)} (medians).`,
        'Like with like: both sides insert the same rows, as JSONEachRow, in batches of the same size, into the same table in the same process and embedded chDB store, with the settings every store insert uses (deduplicate_blocks_in_dependent_materialized_views = 1; stated on the raw side since the import no longer leaves it in chDB\'s session); the raw side starts from ready-made column objects (built outside the timing), the import from the CSV file.',
        'The import reads the file once: it validates every row, runs the rounding and earlier-import checks (one history query per new series batch), and inserts each checked block, as the JSONEachRow lines the store writes (written once into one buffer per block, handed to chDB\'s raw insert as those bytes, where the raw side goes through client.insert), into its stage (clones of the table and its rollups, fed by copies of the rollup views: the same engine work as the raw side), up to two blocks in flight while the next is checked; the accepted file\'s stage is then attached to the real tables (ATTACH PARTITION … FROM) and the written tags\' summaries refreshed (the raw side does neither).',
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** 5b, 5c: peak RSS of child processes, each on a fresh data dir. */
export async function benchImportMemory(ctx: BenchContext, o: ImportBenchOptions): Promise<BenchResult[]> {
  const work = mkdtempSync(join(ctx.dir, 'import-rss-'));
  try {
    const big = join(work, 'big.csv');
    const small = join(work, 'small.csv');
    const bigBytes = await writeImportFile(big, o.bigRows, 'big_');
    const smallBytes = await writeImportFile(small, o.smallRows, 'small_');
    // Bounded, but generous: a 2M-row import on a busy shared machine takes many minutes.
    const timeoutMs = Math.max(10 * 60_000, (o.bigRows / 1000) * 1500);
    const smallRun = await peakRss(cliImport(small, mkdtempSync(join(work, 'small-'))), work, timeoutMs);
    const bigRun = await peakRss(cliImport(big, mkdtempSync(join(work, 'big-'))), work, timeoutMs);
    const bareRun = await peakRss(bareInsert(big, mkdtempSync(join(work, 'bare-')), o.batchSize), work, timeoutMs);
    const mb = (b: number) => `${fmt(b / 2 ** 20)} MiB`;
    const sizeRatio = bigRun.rssBytes / smallRun.rssBytes;
    const bareRatio = bigRun.rssBytes / bareRun.rssBytes;
    const rowsOf = (s: string) => /imported ([\d,]+) observation/.exec(s)?.[1] ?? '?';
    return [
      {
        id: '5b',
        title: `Peak RSS of tagpulse import, ${fmt(o.bigRows)} rows vs ${fmt(o.smallRows)} rows`,
        measured: `${mb(bigRun.rssBytes)} (${fmt(bigBytes / 1e6)} MB file, ${fmt(bigRun.seconds)} s) vs ${mb(smallRun.rssBytes)} (${fmt(smallBytes / 1e6)} MB file, ${fmt(smallRun.seconds, 1)} s)`,
        ratio: sizeRatio,
        ratioOf: 'big ÷ small',
        target: '≤ 1.15',
        met: sizeRatio <= 1.15,
        notes: [
          `The real CLI (bin/tagpulse.js import) in a child process on a fresh data dir; peak RSS is the child's maxRSS at exit. Imported: ${rowsOf(bigRun.stdout)} and ${rowsOf(smallRun.stdout)} rows.`,
          `Big import rate end to end (process start, migrations, both passes): ${fmt(o.bigRows / bigRun.seconds)} rows/s.`,
        ],
      },
      {
        id: '5c',
        title: `Peak RSS of tagpulse import vs a bare chDB insert of the same ${fmt(o.bigRows)} rows`,
        measured: `import ${mb(bigRun.rssBytes)}; bare ${mb(bareRun.rssBytes)} (${fmt(bareRun.seconds)} s)`,
        ratio: bareRatio,
        ratioOf: 'import ÷ bare',
        target: '≤ 1.5',
        met: bareRatio <= 1.5,
        notes: ['The bare process (bench/bare-insert.ts) opens chDB in a fresh data dir, creates the schema, reads the same file line by line and inserts the rows with client.insert in batches of the same size, without validation.'],
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
