/**
 * Importing a series file into the store, streamed so that memory stays bounded whatever the file's size, and nothing
 * is stored unless the whole file may be:
 *
 *  - check: read every record (importItemBatches), count and report bad rows, keep per-series numbers for the
 *    display-rounding rule, and look up earlier imported values at the file's keys to tell rows already stored
 *    identically (a re-import: skipped, so it adds nothing) from rows that would replace a different value an
 *    earlier import — of this file or another: every import has the origin 'import', so the identity is the key —
 *    stored there (refused unless `replace`, then named with the file it came from). Keys are looked up
 *    (importedAtKeysQuery, in chunks) only within the time range an earlier import of their series covers
 *    (importedSeriesQuery, once per new series).
 *  - stage, while checking: every `batchSize` valid rows, once their lookups are settled, the rows not already stored
 *    are formatted once, as the JSONEachRow lines the store writes (src/store/rows.ts), and inserted into the
 *    import's stage (Store.openImportStage: clones of observations_v2 and its rollups, which nobody reads), one block
 *    in flight while the next is checked — so the insert runs beside the check pass instead of after it;
 *  - load: an accepted file's stage is attached to the real tables (commitImportStage: no row is read or written
 *    again). A file that cannot be read to its end, bad rows with `strict`, display-rounded series without
 *    `assumeExact`/`step`, or unannounced replacements refuse the import as a whole: the stage is dropped and nothing is
 *    stored. Where the store cannot stage (a cluster), the checked rows go to a spool file instead and are streamed
 *    into the store once the file is accepted (SpoolSink); the spool is removed at the end, whatever happened.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { RollupHour, StagedReading, Store } from '../store/store.ts';
import { originOf } from '../schema/identity.ts';
import { KeyFilter } from '../util/key-filter.ts';
import { refreshAfterWrite, type TagKey } from './tag-summaries.ts';
import { importedAtKeysQuery, importedSeriesQuery } from '../store/queries.ts';
import { ObservationLineWriter } from '../store/rows.ts';
import type { Observation } from '../schema/observation.ts';
import { ImportFileError, importItemBatches, RoundingCheck, type ImportContext, type ImportFormat, type ImportItem, type RoundedSeries } from '../importers/series-import.ts';

/** Keys looked up per store query (query parameters stay well under ClickHouse's URL limits). */
const CHECK_CHUNK = 1000;
/** Rows held while the import history of their series is looked up (one query per this many rows at most). */
const SERIES_CHUNK = 5000;
/** Examples of replaced values named in the report. */
const EXAMPLES = 5;
const NL = 0x0a;
/** Spool bytes gathered before one write (bounded memory; few, large writes). */
const SPOOL_WRITE_BYTES = 1 << 20;

export interface ImportRequest {
  file: string;
  format: ImportFormat;
  ctx: ImportContext;
  encoding?: string;
  strict?: boolean;
  dryRun?: boolean;
  replace?: boolean;
  assumeExact?: boolean;
  batchSize: number;
  /** Where the spool of checked rows is written between the passes (the data dir; default: the OS temp dir). */
  spoolDir?: string;
  /** Each bad row as it is found (line, message). */
  onBadRow?: (line: number, message: string) => void;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  phase: 'check' | 'load';
  done: number;
  total: number;
  unit: 'bytes' | 'rows';
}

export interface Replacement {
  platform: string;
  tag: string;
  metric: string;
  observedAt: string;
  line: number;
  old: { value: string; precision: string; step: string; source: string; provenance: string };
  new: { value: string; precision: string; step: string; source: string };
}

export interface ImportOutcome {
  format: ImportFormat;
  /** Valid rows in the file. */
  rows: number;
  badRows: number;
  fileError?: { line: number; message: string };
  /** Rows without precision information, taken as exact. */
  assumedExact: number;
  rounded: RoundedSeries[];
  /** Rows already stored with the same value by an earlier import (not inserted again). */
  alreadyStored: number;
  /** Rows whose identity (key and origin 'import') holds a different value from an earlier import, of any file. */
  replacements: { count: number; examples: Replacement[] };
  /**
   * Rows that give a key (platform, tag, metric, observed_at) an earlier row of the same file gave already (not on
   * the adjacent line: those are bad rows, series-import.ts). `identical`: the same reading again, stored once.
   * `conflicting`: another reading — the file is refused (which one is right is the user's to say), with examples,
   * their values and all their lines. Checked where the rows are staged (not in a dry run, nor a cluster's spool).
   */
  duplicates: { identical: number; conflicting: number; examples: { platform: string; tag: string; metric: string; observedAt: string; values: string[]; lines: number[] }[] };
  /** Whether the store was compared at all (a dry run without a store cannot). */
  comparedWithStore: boolean;
  /** Rows inserted (0 when refused or dry-run). */
  loaded: number;
  /** Why nothing was stored, one reason per line; empty when the import went ahead. */
  refused: string[];
}

type Flag = 0 | 1 | 2; // 0 new, 1 already stored identically, 2 replaces a different imported value

function sameStored(o: Observation, s: { value: string; step: string; precision: string; source: string; note: string; time_precision: string }): boolean {
  return s.value === o.value && s.step === o.step && s.precision === o.precision && s.source === o.source && s.note === o.note && s.time_precision === (o.timePrecision ?? 'instant');
}

const keyOf = (platform: string, tag: string, metric: string, at: string) => `${platform}\u0000${tag}\u0000${metric}\u0000${at}`;

function byteCounter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

function readFile(file: string, onBytes?: (n: number) => void): AsyncIterable<Uint8Array> {
  const s = createReadStream(file, { highWaterMark: 1 << 20 });
  return onBytes ? s.pipe(byteCounter(onBytes)) : s;
}

/**
 * Where the checked rows go while the file is read, and how they are stored once it is accepted. Blocks arrive with
 * their rows' final decision (rows already stored identically are left out), in file order.
 */
interface RowSink {
  /** A block of JSONEachRow lines (each ending in a line break) as UTF-8 bytes; the sink may keep it. */
  add(lines: Buffer, rows: number): Promise<void>;
  /** The readings added at these keys (undefined where the sink cannot tell: the spool). */
  readings(keys: { platform: string; tag: string; metric: string; observedAt: string }[]): Promise<StagedReading[] | undefined>;
  /** Store everything added; returns the rows stored. `rebuild`: the rollup hours whose rows it replaces. */
  commit(onLoaded: (rows: number) => void, rebuild: RollupHour[]): Promise<number>;
  /** Nothing added is stored; whatever holds it is removed. */
  discard(): Promise<void>;
}

/** Stage inserts in flight at once (two blocks of lines held besides the one being checked). */
const STAGE_INSERTS_IN_FLIGHT = 2;

/**
 * The store's import stage (Store.openImportStage): each block is inserted into the stage (a clone of observations_v2
 * and its rollups) while the next is checked, up to two inserts in flight (one kept the check waiting on chDB: a paired
 * 1M-row run gave 21.3k rows/s with one, 24.1k with two); an accepted file's parts are then attached to the
 * real tables.
 */
class StageSink implements RowSink {
  #blocks = 0;
  #inflight = new Set<Promise<void>>();
  #failed: { error: unknown } | undefined;
  constructor(
    private readonly store: Store,
    private readonly stage: string,
    private readonly token: string,
  ) {}
  /** Wait until fewer than `below` inserts are in flight; throw the first failure. */
  async #settle(below = 1): Promise<void> {
    while (this.#inflight.size >= below) await Promise.race(this.#inflight);
    if (this.#failed) throw this.#failed.error;
  }
  async add(lines: Buffer): Promise<void> {
    await this.#settle(STAGE_INSERTS_IN_FLIGHT);
    const p: Promise<void> = this.store
      .stageObservationLines(this.stage, lines, { dedupToken: `${this.token}-${++this.#blocks}` })
      .then(
        () => undefined,
        (error: unknown) => {
          this.#failed ??= { error };
        },
      )
      .finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
  }
  async readings(keys: { platform: string; tag: string; metric: string; observedAt: string }[]): Promise<StagedReading[]> {
    await this.#settle();
    return this.store.importStageReadings(this.stage, keys);
  }
  async commit(onLoaded: (rows: number) => void, rebuild: RollupHour[]): Promise<number> {
    await this.#settle();
    const rows = await this.store.commitImportStage(this.stage, rebuild.length ? { rebuild } : {});
    onLoaded(rows);
    return rows;
  }
  async discard(): Promise<void> {
    await Promise.all(this.#inflight);
    await this.store.dropImportStage(this.stage);
  }
}

/**
 * Where the store cannot stage (a cluster): the checked rows go to a private spool file (mode 0600) in the data dir,
 * written in ~1 MiB pieces with backpressure, and an accepted file is streamed from it into the store in blocks of
 * `batchSize` lines (insertObservationLines, one block in flight while the next is read).
 */
class SpoolSink implements RowSink {
  readonly file: string;
  readonly #out: WriteStream;
  #pieces: Buffer[] = [];
  #held = 0;
  #error: unknown;
  constructor(
    dir: string,
    private readonly store: Store,
    private readonly batchSize: number,
    private readonly token: string,
  ) {
    mkdirSync(dir, { recursive: true });
    removeStaleSpools(dir);
    this.file = join(dir, `.import-spool-${process.pid}-${randomBytes(6).toString('hex')}.jsonl`);
    this.#out = createWriteStream(this.file, { flags: 'wx', mode: 0o600 });
    this.#out.on('error', (e) => (this.#error ??= e));
  }
  async add(lines: Buffer): Promise<void> {
    this.#pieces.push(lines);
    this.#held += lines.length;
    if (this.#held >= SPOOL_WRITE_BYTES) await this.#flush();
  }
  async #flush(): Promise<void> {
    if (this.#error) throw this.#error;
    const bytes = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces);
    this.#pieces = [];
    this.#held = 0;
    if (bytes.length && !this.#out.write(bytes)) await once(this.#out, 'drain');
  }
  async readings(): Promise<undefined> {
    return undefined;
  }
  async commit(onLoaded: (rows: number) => void): Promise<number> {
    await this.#flush();
    await finished(this.#out.end());
    if (this.#error) throw this.#error;
    let loaded = 0;
    let pieces: Buffer[] = [];
    let inBlock = 0;
    let blocks = 0;
    let inflight: Promise<void> | undefined;
    let failed: { error: unknown } | undefined;
    const settle = async () => {
      await inflight;
      inflight = undefined;
      if (failed) throw failed.error;
    };
    const flush = async () => {
      const lines = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      const n = inBlock;
      pieces = [];
      inBlock = 0;
      await settle();
      if (!n) return;
      inflight = this.store.insertObservationLines(lines, { dedupToken: `${this.token}-${++blocks}` }).then(
        (inserted) => onLoaded((loaded += inserted)),
        (error: unknown) => {
          failed = { error };
        },
      );
    };
    // Blocks go as bytes, cut from the spool's chunks at line breaks: never a string per line.
    let carry: Buffer | undefined;
    for await (const chunk of createReadStream(this.file, { highWaterMark: 1 << 20 })) {
      const buf = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      let start = 0; // the current line
      let kept = 0; // the current block's first byte in this chunk
      for (let end = buf.indexOf(NL); end !== -1; end = buf.indexOf(NL, start)) {
        start = end + 1;
        if (++inBlock >= this.batchSize) {
          pieces.push(buf.subarray(kept, start));
          kept = start;
          await flush();
        }
      }
      if (kept < start) pieces.push(buf.subarray(kept, start));
      carry = start < buf.length ? buf.subarray(start) : undefined;
    }
    await flush();
    await settle();
    if (carry) throw new Error(`import spool ${this.file} ends without a line break`);
    return loaded;
  }
  async discard(): Promise<void> {
    this.remove();
  }
  remove(): void {
    this.#out.destroy();
    rmSync(this.file, { force: true });
  }
}

/** Spools left by imports that were killed (their process is gone): they hold nothing anyone will load. */
function removeStaleSpools(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = /^\.import-spool-(\d+)-[0-9a-f]+\.jsonl$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(dir, name), { force: true });
    }
  }
}

export async function importFile(store: Store | undefined, req: ImportRequest): Promise<ImportOutcome> {
  // Only an import that may store anything needs somewhere to put its checked rows.
  const sink = store && !req.dryRun ? await openSink(store, req) : undefined;
  try {
    return await checkAndLoad(store, req, sink);
  } finally {
    // After a commit there is nothing left to remove; after a refusal or a failure this removes the staged rows. A
    // stage that cannot be dropped now is dropped by the next import or migrate (clickhouse-store.ts).
    await sink?.discard().catch(() => undefined);
  }
}

async function openSink(store: Store, req: ImportRequest): Promise<RowSink> {
  // One token per run; the stage's blocks (or the spool's) carry it with their number, so a re-sent block is dropped.
  const token = `import-${randomBytes(8).toString('hex')}`;
  const stage = await store.openImportStage();
  return stage ? new StageSink(store, stage, token) : new SpoolSink(req.spoolDir ?? tmpdir(), store, req.batchSize, token);
}

async function checkAndLoad(store: Store | undefined, req: ImportRequest, sink: RowSink | undefined): Promise<ImportOutcome> {
  const out: ImportOutcome = {
    format: req.format,
    rows: 0,
    badRows: 0,
    assumedExact: 0,
    rounded: [],
    alreadyStored: 0,
    replacements: { count: 0, examples: [] },
    duplicates: { identical: 0, conflicting: 0, examples: [] },
    comparedWithStore: Boolean(store),
    loaded: 0,
    refused: [],
  };
  const ctx: ImportContext = req.ctx;
  const rounding = new RoundingCheck();
  /**
   * The hours (per series) of the rows that replace an earlier import's value: the commit rebuilds their rollup
   * buckets from the raw table (the views folded the replaced readings in). One entry per distinct hour, not per row.
   */
  const replacedHours = new Map<string, RollupHour>();
  /**
   * Tags of the valid rows, per platform (no key text built per row): their per-tag summaries are refreshed once, after
   * the load (services/tag-summaries.ts).
   */
  const written = new Map<string, Map<string, TagKey>>();
  /** Formats the staged rows: one buffer of JSONEachRow lines per block (src/store/rows.ts). */
  const lines = new ObservationLineWriter();
  const totalBytes = statSync(req.file).size;
  let bytes = 0;
  let lastTick = 0;
  const tick = (p: ImportProgress, force = false) => {
    if (!req.onProgress) return;
    const now = performance.now();
    if (force || now - lastTick > 200) {
      lastTick = now;
      req.onProgress(p);
    }
  };

  // Pass 1: check.
  /** A valid row and what the lookups decided for it. */
  type Pending = { item: Extract<ImportItem, { ok: true }>; flag: Flag; maybeRepeat?: boolean };
  /**
   * Keys seen so far, as a Bloom filter (2 bytes a row, sized from the file at ~40 bytes a row: memory stays bounded):
   * a row whose key it may have seen is held aside (`held`, at most CHECK_CHUNK rows) and checked exactly, in one
   * lookup of the stage per CHECK_CHUNK held rows, before it is staged or left out.
   */
  const seenKeys = new KeyFilter(Math.max(1024, Math.ceil(totalBytes / 40)));
  let held: Pending[] = [];
  const rowKey = (o: Observation) => `${keyOf(o.platform, o.tag, o.metric, String(Date.parse(o.observedAt)))}\u0000${originOf(o)}`;
  const seriesKey = (o: Observation) => `${o.platform}\u0000${o.tag}\u0000${o.metric}`;
  /** Per series: the time range of its earlier imported rows, or null when it has none. */
  const history = new Map<string, { firstMs: number; lastMs: number } | null>();
  let unknown: Pending[] = [];
  let pending: Pending[] = [];
  const compare = async () => {
    if (!store || !pending.length) return (pending = []);
    const batch = pending;
    pending = [];
    const stored = await store.run(importedAtKeysQuery, {
      platforms: batch.map((p) => p.item.obs.platform),
      tags: batch.map((p) => p.item.obs.tag),
      metrics: batch.map((p) => p.item.obs.metric),
      times: batch.map((p) => p.item.obs.observedAt),
    });
    if (!stored.length) return;
    const byKey = new Map<string, (typeof stored)[number]>();
    for (const r of stored) byKey.set(keyOf(r.platform, r.tag, r.metric, r.observed_at), r);
    for (const p of batch) {
      const { item } = p;
      const o = item.obs;
      const own = byKey.get(keyOf(o.platform, o.tag, o.metric, o.observedAt));
      if (!own) continue;
      // Every import shares the origin 'import' (src/schema/identity.ts): whichever file wrote the value this key
      // holds, the same value again is a re-import and another value replaces it.
      if (sameStored(o, own)) {
        p.flag = 1;
        out.alreadyStored++;
      } else {
        p.flag = 2;
        out.replacements.count++;
        const hour = new Date(Math.floor(Date.parse(o.observedAt) / 3_600_000) * 3_600_000).toISOString();
        replacedHours.set(keyOf(o.platform, o.tag, o.metric, hour), { platform: o.platform, tag: o.tag, metric: o.metric, hour });
        if (out.replacements.examples.length < EXAMPLES) {
          out.replacements.examples.push({
            platform: o.platform,
            tag: o.tag,
            metric: o.metric,
            observedAt: o.observedAt,
            line: item.line,
            old: { value: own.value, precision: own.precision, step: own.step, source: own.source, provenance: own.provenance },
            new: { value: o.value, precision: o.precision, step: o.step, source: o.source },
          });
        }
      }
    }
  };
  const route = async (p: Pending) => {
    const h = history.get(seriesKey(p.item.obs));
    if (!h) return;
    const ms = Date.parse(p.item.obs.observedAt);
    if (ms < h.firstMs || ms > h.lastMs) return;
    pending.push(p);
    if (pending.length >= CHECK_CHUNK) await compare();
  };
  const resolveSeries = async () => {
    if (!store || !unknown.length) return (unknown = []);
    const rows = unknown;
    unknown = [];
    const series = new Map<string, Observation>();
    for (const { item } of rows) if (!history.has(seriesKey(item.obs))) series.set(seriesKey(item.obs), item.obs);
    if (series.size) {
      const list = [...series.values()];
      for (const k of series.keys()) history.set(k, null);
      const found = await store.run(importedSeriesQuery, { platforms: list.map((o) => o.platform), tags: list.map((o) => o.tag), metrics: list.map((o) => o.metric) });
      for (const f of found) history.set(`${f.platform}\u0000${f.tag}\u0000${f.metric}`, { firstMs: Date.parse(f.first_at), lastMs: Date.parse(f.last_at) });
    }
    for (const p of rows) await route(p);
  };
  /**
   * The held rows (their key may have been seen), in file order, compared with the earlier row of their key: an
   * earlier held row, or a row in the stage (every block before is staged: the sink settles its inserts first). The
   * same reading is left out (stored once); another reading is a conflict, which refuses the file. A key found in
   * neither place was a false alarm of the filter: the row is staged now.
   */
  const resolveHeld = async (to: RowSink) => {
    const rows = held;
    held = [];
    if (!rows.length) return;
    type Reading = { value: string; step: string; precision: string; source: string; note: string; time_precision: string };
    const firstHeld = new Map<string, Pending>();
    const ask: Pending[] = [];
    const earlier = new Map<Pending, Reading>();
    for (const p of rows) {
      const k = rowKey(p.item.obs);
      const e = firstHeld.get(k);
      if (e) earlier.set(p, { ...e.item.obs, time_precision: e.item.obs.timePrecision ?? 'instant' });
      else {
        firstHeld.set(k, p);
        ask.push(p);
      }
    }
    for (let i = 0; i < ask.length; i += CHECK_CHUNK) {
      const chunk = ask.slice(i, i + CHECK_CHUNK);
      const found = await to.readings(chunk.map((p) => ({ platform: p.item.obs.platform, tag: p.item.obs.tag, metric: p.item.obs.metric, observedAt: p.item.obs.observedAt })));
      if (!found) break; // a spool cannot tell (a cluster): the rows go in as they are, left to the table key
      const byKey = new Map(found.map((r) => [`${keyOf(r.platform, r.tag, r.metric, String(Date.parse(r.observedAt)))}\u0000${r.origin}`, r]));
      for (const p of chunk) {
        const r = byKey.get(rowKey(p.item.obs));
        if (r) earlier.set(p, { value: r.value, step: r.step, precision: r.precision, source: r.source, note: r.note, time_precision: r.timePrecision });
      }
    }
    const toStage: Observation[] = [];
    for (const p of rows) {
      const e = earlier.get(p);
      const o = p.item.obs;
      if (e && p.flag !== 1) {
        if (sameStored(o, e)) {
          p.flag = 1; // left out: the file's earlier row holds it
          out.duplicates.identical++;
        } else {
          out.duplicates.conflicting++;
          p.flag = 1; // never staged: the file is refused
          if (out.duplicates.examples.length < EXAMPLES) out.duplicates.examples.push({ platform: o.platform, tag: o.tag, metric: o.metric, observedAt: o.observedAt, values: [e.value, o.value], lines: [] });
        }
      }
      if (p.flag === 1) continue;
      toStage.push(o);
    }
    if (toStage.length) await to.add(lines.block(toStage), toStage.length);
  };
  /** The rows since the last block went to the sink, in file order. */
  let block: Pending[] = [];
  /**
   * A block of `batchSize` valid rows is complete: settle the lookups of its rows, then hand the rows not already
   * stored identically to the sink (the stage's insert runs while the next block is read and checked).
   */
  const flushBlock = async () => {
    if (!block.length) return;
    await resolveSeries();
    await compare();
    const rows = block;
    block = [];
    if (!sink) return;
    const toStage: Observation[] = [];
    for (const p of rows) {
      if (p.maybeRepeat) {
        held.push(p);
        continue;
      }
      if (p.flag !== 1) toStage.push(p.item.obs);
    }
    if (toStage.length) await sink.add(lines.block(toStage), toStage.length);
    if (held.length >= CHECK_CHUNK) await resolveHeld(sink);
  };
  try {
    const source = readFile(req.file, (n) => {
      bytes += n;
      tick({ phase: 'check', done: bytes, total: totalBytes, unit: 'bytes' });
    });
    for await (const items of importItemBatches(source, req.format, ctx, req.encoding ? { encoding: req.encoding } : {})) {
      for (const item of items) {
        rounding.add(item);
        if (!item.ok) {
          out.badRows++;
          req.onBadRow?.(item.line, item.message);
          continue;
        }
        const o = item.obs;
        let tags = written.get(o.platform);
        if (!tags) written.set(o.platform, (tags = new Map()));
        if (!tags.has(o.tag)) tags.set(o.tag, { platform: o.platform, tag: o.tag });
        if (item.assumedExact) out.assumedExact++;
        out.rows++;
        const p: Pending = { item, flag: 0 };
        if (seenKeys.addAndCheck(rowKey(o))) p.maybeRepeat = true;
        block.push(p);
        if (store) {
          const h = history.get(seriesKey(o));
          if (h === undefined) {
            unknown.push(p);
            if (unknown.length >= SERIES_CHUNK) await resolveSeries();
          } else if (h) await route(p); // the series has import history: look the row up if it falls in its range
        }
        if (block.length >= req.batchSize) await flushBlock();
      }
    }
    await flushBlock();
    if (sink) await resolveHeld(sink);
  } catch (e) {
    if (!(e instanceof ImportFileError)) throw e;
    out.fileError = { line: e.line, message: e.message };
  }
  tick({ phase: 'check', done: totalBytes, total: totalBytes, unit: 'bytes' }, true);
  out.rounded = rounding.findings();

  if (out.fileError) out.refused.push(`line ${out.fileError.line}: ${out.fileError.message}`);
  if (req.strict && out.badRows) out.refused.push(`${out.badRows} bad row(s) and --strict is set: fix them, or drop --strict to load the ${out.rows} good one(s)`);
  if (out.rounded.length && !req.assumeExact) out.refused.push(roundedAdvice(out.rounded));
  if (out.replacements.count && !req.replace) {
    out.refused.push(
      `${out.replacements.count} row(s) would replace a different value stored by an earlier import (of this file or another) at the same platform, tag, metric and observed_at. ` +
        'Re-run with --replace to replace them (they are listed), or fix the file.',
    );
  }
  if (out.duplicates.conflicting) {
    const d = out.duplicates;
    const lines = await linesOf(req, d.examples);
    for (const e of d.examples) e.lines = lines.get(keyOf(e.platform, e.tag, e.metric, String(Date.parse(e.observedAt)))) ?? [];
    const shown = d.examples.map((e) => `${e.platform} #${e.tag} ${e.metric} at ${e.observedAt}: ${e.values.join(' and ')} (lines ${e.lines.join(', ')})`);
    out.refused.push(
      `${d.conflicting} row(s) give a key an earlier row of the file gave already, with another value (same platform, tag, metric and observed_at): ${shown.join('; ')}${d.conflicting > shown.length ? '; …' : ''}. ` +
        'A series has one value per time: keep the right row of each and import again.',
    );
  }
  if (out.refused.length || req.dryRun || !store) return out;

  // Pass 2: the file is accepted. Pass 1 refused it if a replacement was found without `replace`, and left out the
  // rows already stored identically: store everything the sink holds.
  if (!sink) throw new Error('importFile: nowhere to load the checked rows from');
  const toStore = out.rows - out.alreadyStored - out.duplicates.identical;
  tick({ phase: 'load', done: 0, total: toStore, unit: 'rows' }, true);
  out.loaded = await sink.commit((loaded) => tick({ phase: 'load', done: loaded, total: toStore, unit: 'rows' }), [...replacedHours.values()]);
  if (out.loaded !== toStore) throw new Error(`import stored ${out.loaded} row(s), the check pass accepted ${toStore}`);
  if (out.loaded > 0) await refreshAfterWrite(store, [...written.values()].flatMap((tags) => [...tags.values()]));
  tick({ phase: 'load', done: out.loaded, total: toStore, unit: 'rows' }, true);
  return out;
}

/** The lines of the file that give each of `keys` (a second read, only for a refused file's few examples). */
async function linesOf(req: ImportRequest, keys: { platform: string; tag: string; metric: string; observedAt: string }[]): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>(keys.map((k) => [keyOf(k.platform, k.tag, k.metric, String(Date.parse(k.observedAt))), []]));
  try {
    for await (const items of importItemBatches(readFile(req.file), req.format, req.ctx, req.encoding ? { encoding: req.encoding } : {})) {
      for (const item of items) {
        if (!item.ok) continue;
        const lines = found.get(keyOf(item.obs.platform, item.obs.tag, item.obs.metric, String(Date.parse(item.obs.observedAt))));
        if (lines && lines.length < 10) lines.push(item.line);
      }
    }
  } catch (e) {
    if (!(e instanceof ImportFileError)) throw e;
  }
  return found;
}

/** What to do about series that look display-rounded. */
function roundedAdvice(series: RoundedSeries[]): string {
  const shown = series.slice(0, 5).map(
    (s) =>
      `${s.platform} #${s.tag} ${s.metric} (from line ${s.firstLine}: ${s.rows} row(s), ${s.distinct} distinct value(s), all multiples of ${'1' + '0'.repeat(s.zeros)}${s.longestRun > 1 ? `, the same value up to ${s.longestRun} rows in a row` : ''})`,
  );
  return (
    `${series.length} series look display-rounded (e.g. "16.4B" written out) but no row says so: ${shown.join('; ')}${series.length > 5 ? `; and ${series.length - 5} more` : ''}. ` +
    'Stored as exact counts, their velocities would be wrong. Give the rounding step with --step N (e.g. --step 100000000 for one decimal of billions) or a step column, ' +
    'or pass --assume-exact if these really are exact counts.'
  );
}
