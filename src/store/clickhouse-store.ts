/**
 * Store over @clickhouse/client. Serves both chDB (connection: createChdbConnection) and a ClickHouse server (HTTP).
 *
 * An import's commit (commitImportStage) is crash-safe: a file is stored whole (raw rows and both rollups, each row
 * once) or not at all, whatever kills the process. ClickHouse has no transaction over several ALTER … ATTACH
 * PARTITION statements, and an attach is not idempotent (a second one adds the rows again), so the commit keeps its own
 * log, a table of the stage (import_stage_<id>__commit_log): a table rather than a file, so it works the same on a
 * server and through the owner's API, lives and is dropped with the stage, and its existence is the intent (created
 * before the first attach). Each (table, partition) is logged before its attach ("attaching") and after it
 * succeeded ("done"). The recovery (next migrate or openImportStage) finishes a stage that has a log and drops one
 * that has none. The one step it cannot know about — attaching but not done when the process died: the attach may or
 * may not have happened — is attached again and its partition merged with OPTIMIZE … FINAL, which collapses a copy:
 * the raw table is a ReplacingMergeTree and the copy has the same key and ingested_at; the rollups keep only
 * argMin/argMax/min/max states, which a copy does not change and a merge folds into one row. That merge of one
 * partition is paid only after a crash during that one ATTACH; the "attaching" write (~10 ms a step) keeps it from
 * being paid after a crash anywhere else in the commit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { Observation } from '../schema/observation.ts';
import { identityOf } from '../schema/identity.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import type { TrackedTag } from '../schema/tracked.ts';
import { logger, type Logger } from '../util/log.ts';
import { renderView, viewSelectFrom, type DdlContext, type Topology } from './ddl.ts';
import { migrations, OBSERVATION_VIEWS, T } from './migrations.ts';
import type { NamedQuery, QueryParams, QueryRow, QueryStats } from './query.ts';
import type { AlertDeliveryWrite, CommitStageOptions, RollupHour, EventRow, ExportFormat, InsertOptions, StagedReading, Store, TagSummaryWrite } from './store.ts';
import { toChTime } from './time.ts';
import { IMPORT_STAGE_ID, IMPORT_STAGE_PREFIX } from './stage.ts';
import { countLines, observationInsertRow, ObservationLineWriter, OBSERVATION_COLUMNS } from './rows.ts';
import { QueryValidationError, StoreLockedError, StoreUnavailableError } from './errors.ts';
import { storeErrorFrom } from './clickhouse-errors.ts';
import { chdbLockState, describeHolder, readHolder } from './owner.ts';
import { schemaStamped, schemaStampFile, writeSchemaStamp } from './schema-stamp.ts';
import { adviceFor, EnvironmentFaultError, faultKindOf, type FaultKind } from '../util/os-errors.ts';
import { canonicalInstant } from '../util/time.ts';

/** Settings on every insert: synchronous (our batches are already large) and deduplicated by token. */
const INSERT_SETTINGS: ClickHouseSettings = {
  async_insert: 0,
  deduplicate_blocks_in_dependent_materialized_views: 1,
};

/** On a server, a stage older than this is taken as left by a killed import (no import runs that long). */
const STALE_STAGE_MS = 24 * 3_600_000;
/** On a server, a commit with no new step for this long is taken as left by a killed import (a step is one ATTACH). */
const STALE_COMMIT_MS = 10 * 60_000;

/** Where a commit of an import stage is (fault tests kill the process at one of these points). */
export type ImportCommitPoint = 'begin' | 'attached' | 'merged' | 'recorded' | 'rebuild' | 'rebuild-deleted' | 'rebuilt' | 'summaries';

/**
 * Settings of every table of an import's stage, on top of the real table's (which CREATE TABLE … AS copies; ATTACH
 * PARTITION … FROM does not compare settings). A stage merges all the time; when 100 or more merged-away parts of one
 * table wait at one cleanup (every import of about 1M rows or more, never a small one) ClickHouse removed them with
 * its parts-cleaning pool: up to 128 threads, started then and kept for the rest of the process (a 2,000,000-row
 * import went from 35 to 161 threads). The stage's tables remove their parts on the cleanup's own thread instead.
 */
const STAGE_SETTINGS = 'concurrent_part_removal_threshold = 1000000000';

/**
 * Compression blocks of at most 64 KiB (not 1 MiB) in the stage's raw table and daily rollup: a merge holds a block's
 * buffer for every column it writes (and reads), so a merge of big parts holds up to ~1 MiB a column stream, and only a
 * big file makes these two tables' stage parts big (a 200,000-row file's raw and daily merges stay small). The hourly
 * rollup keeps 1 MiB: it has one row of states per reading, so its merges fill 1 MiB blocks at 200,000 rows already,
 * and smaller blocks there lower both sizes alike. Figure 5b (2M ÷ 200k peak RSS): measured in docs/collectors.md.
 * The attached parts keep the block size they were written with; the real tables' own merges write 1 MiB blocks again.
 */
const STAGE_SMALL_BLOCKS = 'max_compress_block_size = 65536';

/** Settings on every read: UInt64 as strings (exact), ISO-like times. */
const READ_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
};
/**
 * chDB has no query log, so a read there sends no log_comment: the chDB connection runs each `clickhouse_settings`
 * entry as a `SET …;` statement of its own before the query (~0.2–0.3 ms each). The read settings themselves go with
 * every read: a SET lasts for the chDB session, but anyone holding the client can change the session, and a read must
 * not depend on that (UInt64 exact: tests/integration/store/chdb-read-settings.test.ts).
 */
const logComment = (backend: 'chdb' | 'server', name: string): ClickHouseSettings => (backend === 'chdb' ? {} : { log_comment: name });

export interface ClickHouseStoreOptions {
  client: ClickHouseClient;
  backend: 'chdb' | 'server';
  ddl: DdlContext;
  log?: Logger;
  /** Called on close (chDB: drain pending work so another dir can be opened). */
  onClose?: () => Promise<void>;
  dataDir?: string;
  /** Called at each point of an import stage's commit (fault tests: kill -9 there). */
  onImportCommitStep?: (point: ImportCommitPoint, step: string) => void;
  /**
   * chDB only: its raw insert (`connection.chdb.rawInsert`), which takes the bytes of preformatted lines as they are
   * (no copy to a string and back, settings scoped to the one INSERT). Without it, lines go through the client's exec.
   */
  rawInsert?: RawLinesInsert;
}

/** chDB's raw passthrough insert, as used for preformatted JSONEachRow lines. */
export type RawLinesInsert = (p: { table: string; values: Buffer; format: 'JSONEachRow'; columns: readonly string[]; settings: Record<string, string | number> }) => Promise<unknown>;

export class ClickHouseStore implements Store {
  readonly backend: 'chdb' | 'server';
  readonly #client: ClickHouseClient;
  readonly #ddl: DdlContext;
  readonly #log: Logger;
  readonly #onClose?: () => Promise<void>;
  readonly #dataDir?: string;
  #closed = false;
  /** Import stages this store opened and has not committed or dropped yet. */
  readonly #stages = new Set<string>();
  /** Stages whose commit is running in this store. */
  readonly #committing = new Set<string>();
  readonly #hook?: (point: ImportCommitPoint, step: string) => void;
  readonly #rawInsert?: RawLinesInsert;
  /**
   * The embedded store's cadence dictionary (migrations.ts trackedCadenceDictionary) and whether a read may use it
   * (`#cadenceDictionaryCurrent`). Writes of the tracked table (`upsertTracked`, the only writer: one process per
   * chDB dir) bump the generation before and after; the dictionary holds the generation it was loaded at. It is read
   * only when no write is running and no write happened since its load; otherwise the query's plain SQL is run, and the
   * next read loads it again. A failed load turns it off for this store (plain SQL from then on).
   */
  #trackedGeneration = 0;
  #trackedWrites = 0;
  #cadenceDictionary: { state: 'unused' | 'on' | 'off'; generation: number } = { state: 'unused', generation: -1 };

  constructor(opts: ClickHouseStoreOptions) {
    this.backend = opts.backend;
    this.#client = opts.client;
    this.#ddl = opts.ddl;
    this.#log = opts.log ?? logger('store', { backend: opts.backend });
    this.#onClose = opts.onClose;
    this.#dataDir = opts.dataDir;
    this.#hook = opts.onImportCommitStep;
    this.#rawInsert = opts.rawInsert;
  }

  get client(): ClickHouseClient {
    return this.#client;
  }

  get topology(): Topology {
    return this.#ddl.topology;
  }

  async migrate(): Promise<{ applied: number[] }> {
    const applied: number[] = [];
    let done = new Set<number>();
    try {
      const r = await this.#client.query({ query: `SELECT version FROM ${T.migrations} FINAL`, format: 'JSONEachRow', clickhouse_settings: READ_SETTINGS });
      done = new Set(((await r.json()) as { version: number | string }[]).map((x) => Number(x.version)));
    } catch {
      /* first run: table does not exist yet */
    }
    for (const m of migrations) {
      // A migration is recorded only after its statements and data steps all ran, so a recorded one is complete and
      // is skipped: a short CLI command opens the store (and migrates) each time, and this keeps that to one query. A
      // half-applied one (not recorded) runs again: its DDL is idempotent and its data steps re-runnable.
      if (done.has(m.version)) continue;
      for (const sql of m.statements(this.#ddl)) await this.#exec(sql, `migration_${m.version}`);
      // Data steps run only until the version is recorded, and the version is recorded only after all of them
      // succeeded: an interrupted migration runs its (re-runnable) data steps again on the next open.
      const dataDone = m.dataDoneBy?.some((v) => applied.includes(v)) ?? false;
      for (const [i, step] of (dataDone ? [] : (m.data?.(this.#ddl) ?? [])).entries()) {
        const started = performance.now();
        await this.#exec(step.sql, `migration_${m.version}_data_${i + 1}`, {
          // '' = no token: chDB keeps per-query settings for its session, so the step must not inherit an earlier one.
          insert_deduplication_token: '',
          ...(this.#ddl.topology === 'cluster' ? { insert_distributed_sync: 1, parallel_distributed_insert_select: '2' } : {}),
        }, step.settings);
        this.#log.info({ migration: m.version, step: step.why, ms: Math.round(performance.now() - started) }, 'migration data step done');
      }
      await this.#client.insert({
        table: T.migrations,
        values: [{ version: m.version, name: m.name, applied_at: toChTime(new Date()) }],
        format: 'JSONEachRow',
        clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: '' },
      });
      applied.push(m.version);
    }
    if (applied.length) this.#log.info({ applied }, 'migrations applied');
    if (this.backend === 'chdb' && this.#dataDir) {
      try {
        writeSchemaStamp(this.#dataDir);
      } catch (e) {
        // without a stamp the next command checks the table again: slower, never wrong
        this.#log.debug({ err: (e as Error).message }, 'schema stamp not written');
      }
    }
    await this.#recoverImportStages();
    return { applied };
  }

  /**
   * Run one statement. `scoped`: settings for this statement only. chDB keeps a query's settings for the rest of its
   * session, so on chDB their earlier values are read first and set again afterwards (a migration step's single thread
   * must not become the process's).
   */
  async #exec(sql: string, name: string, settings: ClickHouseSettings = {}, scoped: Record<string, string | number> = {}, params: Record<string, unknown> = {}): Promise<void> {
    const keys = Object.keys(scoped).filter((k) => /^\w+$/.test(k));
    let previous: Record<string, string> | undefined;
    if (this.backend === 'chdb' && keys.length) {
      const r = await this.#client.query({ query: `SELECT ${keys.map((k) => `toString(getSetting('${k}')) AS ${k}`).join(', ')}`, format: 'JSONEachRow', clickhouse_settings: READ_SETTINGS });
      previous = ((await r.json()) as Record<string, string>[])[0];
    }
    try {
      await this.#client.command({
        query: sql,
        ...(Object.keys(params).length ? { query_params: params } : {}),
        clickhouse_settings: { log_comment: name, ...(this.#ddl.topology === 'cluster' ? { wait_end_of_query: 1 } : {}), ...settings, ...scoped },
      });
    } finally {
      if (previous) await this.#client.command({ query: 'SELECT 1', clickhouse_settings: previous as ClickHouseSettings });
    }
  }

  async insertObservations(rows: Observation[], opts: InsertOptions = {}): Promise<number> {
    if (!rows.length) return 0;
    const token = opts.dedupToken ?? contentToken('obs2', rows.map(obsKey));
    if (this.#rawInsert) {
      // chDB: the same JSONEachRow bytes the client would build (one line per row, proven equal to
      // JSON.stringify(observationInsertRow(o)): tests/unit/core/store-rows.test.ts), the same settings and token, but
      // handed to the engine as bytes instead of being pasted into the SQL text. In figure 1 of `npm run bench` that
      // cut chDB's own CPU per inserted row by about a third (issue 15, notes/issue15-pipe4.md).
      await this.#insertLines(T.observations, new ObservationLineWriter().block(rows), { dedupToken: token });
      return rows.length;
    }
    await this.#insert(T.observations, rows.map(observationInsertRow), token);
    return rows.length;
  }

  async insertObservationLines(lines: string | Uint8Array, opts: InsertOptions = {}): Promise<number> {
    return this.#insertLines(T.observations, lines, opts);
  }

  async #insertLines(table: string, lines: string | Uint8Array, opts: InsertOptions): Promise<number> {
    const body = typeof lines === 'string' ? Buffer.from(lines) : Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength);
    const rows = countLines(body);
    if (!rows) return 0;
    const token = opts.dedupToken ?? `obsl-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
    try {
      if (this.#rawInsert) {
        // chDB: the bytes go to the engine as they are, and the settings apply to this INSERT only (a client SET
        // would stay for the rest of the session, token included).
        await this.#rawInsert({
          table,
          values: body,
          format: 'JSONEachRow',
          columns: OBSERVATION_COLUMNS,
          settings: { async_insert: 0, deduplicate_blocks_in_dependent_materialized_views: 1, insert_deduplication_token: token },
        });
        return rows;
      }
      // The lines are already JSONEachRow text: exec sends them as the body, unlike insert, which would encode
      // column objects again.
      const r = await this.#client.exec({
        query: `INSERT INTO ${table} (${OBSERVATION_COLUMNS.join(', ')}) FORMAT JSONEachRow`,
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: token },
      });
      r.stream.resume();
    } catch (e) {
      throw storeErrorFrom(`insert into ${table}`, e);
    }
    return rows;
  }

  async openImportStage(): Promise<string | null> {
    // A cluster would need the stage on every shard (ON CLUSTER, Distributed fronts, synchronous inserts): not done.
    if (this.#ddl.topology === 'cluster') return null;
    await this.#recoverImportStages();
    const id = `${Date.now()}_${randomBytes(6).toString('hex')}`;
    this.#stages.add(id);
    try {
      // Clones of observations_v2 and of its rollups (columns, engine, key, partitions, settings: what ATTACH
      // PARTITION … FROM needs), fed by copies of the rollup views, so a staged row costs what a direct insert costs
      // and the move is a metadata operation.
      await this.#exec(`CREATE TABLE ${stageTable(id)} AS ${T.observations}`, 'import_stage_open');
      await this.#exec(`ALTER TABLE ${stageTable(id)} MODIFY SETTING ${STAGE_SETTINGS}, ${STAGE_SMALL_BLOCKS}`, 'import_stage_open');
      for (const v of OBSERVATION_VIEWS) {
        await this.#exec(`CREATE TABLE ${stageTable(id, v.to)} AS ${v.to}`, 'import_stage_open');
        await this.#exec(`ALTER TABLE ${stageTable(id, v.to)} MODIFY SETTING ${STAGE_SETTINGS}${v.to === T.daily ? `, ${STAGE_SMALL_BLOCKS}` : ''}`, 'import_stage_open');
        await this.#exec(renderView({ ...v, name: stageView(id, v.to), to: stageTable(id, v.to) }, stageTable(id), this.#ddl), 'import_stage_open');
      }
    } catch (e) {
      await this.dropImportStage(id).catch(() => undefined);
      throw storeErrorFrom('open an import stage', e);
    }
    return id;
  }

  async stageObservationLines(stage: string, lines: string | Uint8Array, opts: InsertOptions = {}): Promise<number> {
    return this.#insertLines(stageTable(stage), lines, opts);
  }

  async importStageReadings(stage: string, keys: { platform: string; tag: string; metric: string; observedAt: string }[]): Promise<StagedReading[]> {
    if (!keys.length) return [];
    const r = await this.#client.query({
      query: `SELECT platform, tag, metric, toString(observed_at) AS at, toString(origin) AS origin, toString(value) AS value, toString(step) AS step,
  toString(precision) AS precision, toString(source) AS source, note, toString(time_precision) AS tp
FROM ${stageTable(stage)}
WHERE (platform, tag, metric, key_at) IN (
  SELECT arrayJoin(arrayZip({p:Array(String)}, {t:Array(String)}, {m:Array(String)}, {at:Array(DateTime64(3, 'UTC'))})))`,
      query_params: { p: keys.map((k) => k.platform), t: keys.map((k) => k.tag), m: keys.map((k) => k.metric), at: keys.map((k) => toChTime(k.observedAt)) },
      format: 'JSONEachRow',
      clickhouse_settings: READ_SETTINGS,
    });
    return ((await r.json()) as Record<string, string>[]).map((x) => ({
      platform: x.platform!,
      tag: x.tag!,
      metric: x.metric!,
      observedAt: new Date(`${x.at!.replace(' ', 'T')}Z`).toISOString(),
      origin: x.origin!,
      value: x.value!,
      step: x.step!,
      precision: x.precision!,
      source: x.source!,
      note: x.note!,
      timePrecision: x.tp!,
    }));
  }

  async commitImportStage(stage: string, opts: CommitStageOptions = {}): Promise<number> {
    const raw = stageTable(stage);
    this.#committing.add(stage);
    try {
      const r = await this.#client.query({ query: `SELECT count() AS n FROM ${raw}`, format: 'JSONEachRow', clickhouse_settings: READ_SETTINGS });
      const rows = Number(((await r.json()) as { n: string }[])[0]?.n ?? 0);
      // The rollup hours this commit replaces rows in, written before the intent: a stage with a commit log has its
      // whole list (one killed before the log is dropped with it).
      if (opts.rebuild?.length) {
        await this.#exec(`CREATE TABLE IF NOT EXISTS ${rebuildTable(stage)} (platform String, tag String, metric String, hour DateTime('UTC')) ENGINE = MergeTree ORDER BY tuple()`, 'import_stage_commit');
        for (let i = 0; i < opts.rebuild.length; i += 100_000) {
          await this.#client.insert({
            table: rebuildTable(stage),
            values: opts.rebuild.slice(i, i + 100_000).map((h) => ({ platform: h.platform, tag: h.tag, metric: h.metric, hour: Math.floor(Date.parse(h.hour) / 1000) })),
            format: 'JSONEachRow',
            clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: '' },
          });
        }
      }
      // Embedded: a short command skips migrate() while the schema stamp is current; without it the next open runs
      // migrate(), which finishes this commit if the process dies before it ends.
      const stamped = this.#dataDir !== undefined && schemaStamped(this.#dataDir);
      if (this.#dataDir) rmSync(schemaStampFile(this.#dataDir), { force: true });
      this.#hook?.('begin', stage);
      // The commit's intent: from here on the file is stored whole, by this call or by the recovery.
      await this.#exec(`CREATE TABLE IF NOT EXISTS ${commitLog(stage)} (step String, at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY tuple()`, 'import_stage_commit');
      await this.#finishCommit(stage, new Set(), false);
      if (stamped && this.#dataDir) writeSchemaStamp(this.#dataDir);
      return rows;
    } catch (e) {
      // Whatever was attached stays; the recovery (next migrate or openImportStage, in this process too) finishes it.
      this.#stages.delete(stage);
      throw storeErrorFrom(`move ${raw} into ${T.observations} (an interrupted move is finished at the next open)`, e);
    } finally {
      this.#committing.delete(stage);
    }
  }

  /**
   * Attach every (table, partition) of the stage that the commit log does not record as done, then drop the stage.
   * Each step is logged twice: `attaching:<step>` before its ATTACH and `<step>` after it. A step logged as attaching
   * but not done (the process died during that ATTACH, or before recording it) may or may not have been attached: it
   * is attached again and its partition merged (OPTIMIZE … FINAL): a raw copy has the same key and ingested_at
   * (ReplacingMergeTree keeps one), a rollup copy the same argMin/argMax/min/max states (AggregatingMergeTree merges
   * them into the same state). `recovering` (the process that began the commit died): the summaries of the stage's
   * tags are cleared too.
   */
  async #finishCommit(stage: string, done: Set<string>, recovering: boolean): Promise<void> {
    const tables = await this.#stageTableNames(stage);
    const log = async (step: string) =>
      this.#client.insert({
        table: commitLog(stage),
        values: [{ step }],
        format: 'JSONEachRow',
        clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: '' },
      });
    for (const table of [T.observations, ...OBSERVATION_VIEWS.map((v) => v.to)]) {
      const from = table === T.observations ? stageTable(stage) : stageTable(stage, table);
      // A stage table is dropped only after every step of the commit was recorded.
      if (!tables.has(from)) continue;
      const p = await this.#client.query({
        query: 'SELECT DISTINCT partition_id AS id FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active ORDER BY id',
        query_params: { t: from },
        format: 'JSONEachRow',
        clickhouse_settings: READ_SETTINGS,
      });
      for (const { id } of (await p.json()) as { id: string }[]) {
        if (!/^[0-9A-Za-z_-]+$/.test(id)) throw new QueryValidationError(`unexpected partition id ${JSON.stringify(id)} in ${from}`);
        const step = `${table}:${id}`;
        if (done.has(step)) continue;
        const uncertain = done.has(`attaching:${step}`);
        if (!uncertain) await log(`attaching:${step}`);
        await this.#exec(`ALTER TABLE ${table} ATTACH PARTITION ID '${id}' FROM ${from}`, 'import_stage_commit');
        this.#hook?.('attached', step);
        if (uncertain) {
          await this.#exec(`OPTIMIZE TABLE ${table} PARTITION ID '${id}' FINAL`, 'import_stage_recover', { optimize_throw_if_noop: 1 });
          this.#log.info({ stage, step }, 'import commit step re-attached and merged (it may have run before the process died)');
          this.#hook?.('merged', step);
        }
        await log(step);
        this.#hook?.('recorded', step);
      }
    }
    // A stage opened before migration 10 has clones of the v2 rollups (another state type) and none of the current
    // ones: its current rollup rows come from its raw rows (still here: the stage is dropped only below), by the view's
    // own SELECT, straight into the real rollup (the v2 clones are dropped with the stage). Re-running it after an
    // interruption adds the same states again, which changes no argMax/argMin/max/min. The same holds for a stage
    // whose clone was dropped by an interrupted #dropStage: its rows are all attached already, and this adds nothing new.
    if (tables.has(stageTable(stage))) {
      for (const v of OBSERVATION_VIEWS) {
        if (v.to === T.keys || tables.has(stageTable(stage, v.to))) continue;
        await this.#exec(`INSERT INTO ${v.to} ${viewSelectFrom(v, stageTable(stage))}`, 'import_stage_commit', {}, { optimize_aggregation_in_order: 1 });
      }
    }
    // A stage opened before migration 32 has no keys table (the view that fills observation_keys_v1 did not exist
    // then): its keys come from its raw rows, which are still here (the stage is dropped only below). The keys table
    // must hold every key of observations_v2 (the on-read summary refresh looks for tags there). Re-running it adds
    // the same keys again (read with DISTINCT).
    if (tables.has(stageTable(stage)) && !tables.has(stageTable(stage, T.keys))) {
      await this.#exec(`INSERT INTO ${T.keys} (platform, tag) SELECT DISTINCT platform, tag FROM ${stageTable(stage)}`, 'import_stage_commit');
    }
    // The rollup buckets whose raw rows this commit replaced (an import with --replace). The views folded the replaced
    // rows' readings into them when those were stored, and only raw FINAL drops a replaced row: rebuilt from
    // observations_v2 FINAL by the views' own SELECT, after every attach, so they give what raw gives. Idempotent
    // (delete the buckets, derive them again): a kill anywhere in it is finished by the recovery, which runs it again.
    if (tables.has(rebuildTable(stage)) && !done.has('rebuild')) {
      this.#hook?.('rebuild', stage);
      await this.#rebuildBuckets(`SELECT platform, tag, metric, hour FROM ${rebuildTable(stage)}`);
      await log('rebuild');
      this.#hook?.('rebuilt', stage);
    }
    // Recovery only (a live import refreshes its tags' summaries itself once committed): the overview's per-tag
    // summaries of these tags were computed without the file; remove them, so the next read computes them again
    // (missing, never stale). Re-running this after an interruption changes nothing.
    if (recovering && tables.has(stageTable(stage))) {
      await this.#exec(
        `ALTER TABLE ${T.summary} DELETE WHERE (platform, tag) IN (SELECT DISTINCT platform, tag FROM ${stageTable(stage)})`,
        'import_stage_commit',
        { mutations_sync: '1' },
      );
    }
    this.#hook?.('summaries', stage);
    await this.#dropStage(stage);
  }

  async rebuildRollups(hours: RollupHour[]): Promise<void> {
    if (!hours.length) return;
    // A cluster would need the mutation ON CLUSTER on the local rollups and the re-insert through the Distributed
    // fronts: not done (as the import stage). Its rollups keep a replaced reading folded in, as before.
    if (this.#ddl.topology === 'cluster') {
      this.#log.warn({ hours: hours.length }, 'rollup buckets not rebuilt: a cluster store cannot rebuild them yet (a replaced reading stays folded into them)');
      return;
    }
    await this.#rebuildBuckets(
      `SELECT arrayJoin(arrayZip({rp:Array(String)}, {rt:Array(String)}, {rm:Array(String)}, {rh:Array(DateTime('UTC'))})) AS x, x.1 AS platform, x.2 AS tag, x.3 AS metric, x.4 AS hour`,
      { rp: hours.map((h) => h.platform), rt: hours.map((h) => h.tag), rm: hours.map((h) => h.metric), rh: hours.map((h) => new Date(Math.floor(Date.parse(h.hour) / 3_600_000) * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')) },
    );
  }

  /**
   * Rebuild the hourly and daily rollup buckets of the hours `hours` selects (columns platform, tag, metric, hour; its
   * values bound in `params`) from observations_v2 FINAL: delete their rows (a synchronous mutation), then insert what
   * the view's own SELECT gives over the raw rows of their days. Rows the views add meanwhile (a collect) are in raw
   * too, and a reading folded in twice changes no argMax/argMin/max/min, so a concurrent insert leaves the buckets right.
   */
  async #rebuildBuckets(hoursSql: string, params: Record<string, unknown> = {}): Promise<void> {
    const hours = `(${hoursSql})`;
    const days = `SELECT DISTINCT platform, tag, metric, toStartOfDay(hour, 'UTC') FROM ${hours}`;
    // Every raw row of the listed series on the listed days: a superset of both rollups' buckets.
    const raw = `(SELECT * FROM ${T.observations} FINAL WHERE (platform, tag, metric, toStartOfDay(observed_at, 'UTC')) IN (${days}))`;
    for (const v of OBSERVATION_VIEWS) {
      if (v.to === T.keys) continue;
      const buckets = v.to === T.daily ? days : `SELECT DISTINCT platform, tag, metric, hour FROM ${hours}`;
      await this.#exec(`ALTER TABLE ${v.to} DELETE WHERE (platform, tag, metric, bucket) IN (${buckets})`, 'rollup_rebuild', {}, { mutations_sync: 1 }, params);
      this.#hook?.('rebuild-deleted', v.to);
      await this.#exec(
        `INSERT INTO ${v.to} SELECT * FROM (${viewSelectFrom(v, raw)}) WHERE (platform, tag, metric, bucket) IN (${buckets})`,
        'rollup_rebuild',
        { insert_deduplication_token: '' },
        {},
        params,
      );
    }
  }

  async #stageTableNames(stage: string): Promise<Set<string>> {
    const r = await this.#client.query({
      query: 'SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, {p:String})',
      query_params: { p: stageTable(stage) },
      format: 'JSONEachRow',
      clickhouse_settings: READ_SETTINGS,
    });
    return new Set(((await r.json()) as { name: string }[]).map((x) => x.name));
  }

  async dropImportStage(stage: string): Promise<void> {
    // A stage whose commit began is never dropped here: its file is stored whole, by the commit or by the recovery
    // (a remote caller that gave up on its commit must not take half of it back).
    if (this.#committing.has(stage) || (await this.#stageTableNames(stage)).has(commitLog(stage))) {
      this.#log.warn({ stage }, 'not dropping an import stage whose commit began: it is finished at the next open');
      return;
    }
    await this.#dropStage(stage);
  }

  async #dropStage(stage: string): Promise<void> {
    // Every table of the stage, whatever version of tagpulse made it (a stage opened before migration 10 has clones of
    // the v2 rollups). Views first: nothing feeds a dropped table. Then the rollup clones, then the raw clone. The commit
    // log last: while it exists, the stage is a commit to finish.
    const r = await this.#client.query({
      query: 'SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND startsWith(name, {p:String})',
      query_params: { p: `${stageTable(stage)}__` },
      format: 'JSONEachRow',
      clickhouse_settings: READ_SETTINGS,
    });
    const parts = (await r.json()) as { name: string; engine: string }[];
    const own = (name: string) => name.startsWith(`${stageTable(stage)}__`) && /^[\w]+$/.test(name);
    for (const t of parts) if (own(t.name) && t.engine === 'MaterializedView') await this.#exec(`DROP VIEW IF EXISTS ${t.name} SYNC`, 'import_stage_drop');
    for (const t of parts) if (own(t.name) && t.engine !== 'MaterializedView' && t.name !== commitLog(stage)) await this.#exec(`DROP TABLE IF EXISTS ${t.name} SYNC`, 'import_stage_drop');
    await this.#exec(`DROP TABLE IF EXISTS ${stageTable(stage)} SYNC`, 'import_stage_drop');
    await this.#exec(`DROP TABLE IF EXISTS ${commitLog(stage)} SYNC`, 'import_stage_drop');
    this.#stages.delete(stage);
  }

  /**
   * Stages left by imports that were killed. One without a commit log was never accepted: it is dropped. One with a
   * commit log was accepted: its commit is finished (#finishCommit), so the file is stored whole. Embedded: chDB has
   * one process per data dir, so every stage this store did not open is one. On a server another process may be
   * importing: an uncommitted stage is taken as left after STALE_STAGE_MS, a commit after STALE_COMMIT_MS without a
   * new step.
   */
  async #recoverImportStages(): Promise<void> {
    const r = await this.#client.query({
      query: `SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, '${IMPORT_STAGE_PREFIX}')`,
      format: 'JSONEachRow',
      clickhouse_settings: READ_SETTINGS,
    });
    const ids = new Map<string, boolean>();
    for (const { name } of (await r.json()) as { name: string }[]) {
      const id = name.slice(IMPORT_STAGE_PREFIX.length).split('__')[0]!;
      if (IMPORT_STAGE_ID.test(id)) ids.set(id, ids.get(id) === true || name === commitLog(id));
    }
    for (const [id, committing] of ids) {
      if (this.#stages.has(id) || this.#committing.has(id)) continue;
      const created = Number(IMPORT_STAGE_ID.exec(id)![1]);
      if (!committing) {
        if (this.backend === 'server' && Date.now() - created < STALE_STAGE_MS) continue;
        await this.#dropStage(id);
        this.#log.info({ stage: id }, 'dropped the stage of an import that did not finish');
        continue;
      }
      const l = await this.#client.query({
        query: `SELECT step, toUnixTimestamp64Milli(at) AS at FROM ${commitLog(id)}`,
        format: 'JSONEachRow',
        clickhouse_settings: READ_SETTINGS,
      });
      const log = (await l.json()) as { step: string; at: string }[];
      const lastMs = Math.max(created, ...log.map((x) => Number(x.at)));
      if (this.backend === 'server' && Date.now() - lastMs < STALE_COMMIT_MS) continue;
      await this.#finishCommit(id, new Set(log.map((x) => x.step)), true);
      this.#log.warn({ stage: id, stepsDone: log.length }, 'finished the commit of an import that was killed while it committed');
    }
  }

  async insertFailures(rows: CollectionFailure[], opts: InsertOptions = {}): Promise<number> {
    if (!rows.length) return 0;
    const values = rows.map((f) => ({
      platform: f.platform,
      tag: f.tag,
      kind: f.kind,
      status_code: f.statusCode,
      platform_code: f.platformCode,
      message: f.message,
      method: f.method,
      source: f.source,
      slot: toChTime(f.slot),
      occurred_at: toChTime(f.occurredAt),
      attempt: f.attempt,
      collector_version: f.collectorVersion,
      url: f.url,
      raw_ref: f.rawRef ?? '',
    }));
    await this.#insert(T.failures, values, opts.dedupToken ?? contentToken('fail', values.map((v) => `${v.platform}|${v.tag}|${v.occurred_at}|${v.kind}|${v.attempt}`)));
    return rows.length;
  }

  async upsertTracked(rows: TrackedTag[]): Promise<void> {
    if (!rows.length) return;
    const now = Date.now();
    // the cadence dictionary is not read from here until it is loaded again (#cadenceDictionaryCurrent)
    this.#trackedGeneration++;
    this.#trackedWrites++;
    try {
      await this.#insert(
      T.tracked,
      // updated_at increases within the batch so the last write of a key in one call wins deterministically.
        rows.map((t, i) => ({ platform: t.platform, tag: t.tag, every_ms: t.everyMs, added_at: toChTime(t.addedAt), active: t.active, updated_at: toChTime(now + i) })),
        undefined,
      );
    } finally {
      this.#trackedWrites--;
      this.#trackedGeneration++;
    }
  }

  async upsertEvents(rows: EventRow[]): Promise<void> {
    if (!rows.length) return;
    const now = Date.now();
    await this.#insert(
      T.events,
      rows.map((e, i) => ({ slug: e.slug, name: e.name, start_at: toChTime(e.startAt), end_at: toChTime(e.endAt), tags: e.tags, note: e.note, deleted: e.deleted ?? false, updated_at: toChTime(now + i) })),
      undefined,
    );
  }

  async upsertAlertDeliveries(rows: AlertDeliveryWrite[]): Promise<void> {
    if (!rows.length) return;
    const now = Date.now();
    await this.#insert(
      T.alerts,
      rows.map((a, i) => ({ rule: a.rule, platform: a.platform, tag: a.tag, metric: a.metric, window_key: a.windowKey, fired_at: toChTime(a.firedAt), payload: a.payload, delivered: a.delivered, attempts: a.attempts, updated_at: toChTime(now + i) })),
      undefined,
    );
  }

  async upsertTagSummaries(rows: TagSummaryWrite[]): Promise<void> {
    if (!rows.length) return;
    const t = (x: string | null) => (x === null ? null : toChTime(x));
    await this.#insert(
      T.summary,
      rows.map((r) => ({ ...r, as_of: toChTime(r.as_of).slice(0, 19), computed_at: toChTime(r.computed_at), window_end: r.window_end === null ? null : toChTime(r.window_end).slice(0, 19), latest_at: t(r.latest_at), first_at: t(r.first_at), last_at: t(r.last_at), spark_start: toChTime(r.spark_start), metrics_at: toChTime(r.metrics_at), bins_latest_at: t(r.bins_latest_at), from_24h: t(r.from_24h), to_24h: t(r.to_24h), from_7d: t(r.from_7d), to_7d: t(r.to_7d) })),
      undefined,
    );
  }

  async #insert(table: string, values: Record<string, unknown>[], token: string | undefined): Promise<void> {
    try {
      await this.#client.insert({
        table,
        values,
        format: 'JSONEachRow',
        // Always set the token, '' meaning none: chDB keeps per-query settings for the rest of its session, so an insert
        // without its own token would otherwise inherit the previous one and be dropped as a duplicate.
        clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: token ?? '' },
      });
    } catch (e) {
      throw storeErrorFrom(`insert into ${table}`, e);
    }
  }

  async run<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<QueryRow<Q>[]> {
    return (await this.runWithStats(q, params)).rows;
  }

  async runWithStats<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<{ rows: QueryRow<Q>[]; stats: QueryStats }> {
    const p = q.params.safeParse(params);
    if (!p.success) throw new QueryValidationError(`query ${q.name}: invalid parameters — ${p.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
    const started = performance.now();
    const sql = q.embeddedSql !== undefined && (await this.#cadenceDictionaryCurrent()) ? q.embeddedSql : q.sql;
    const rs = await this.#client.query({
      query: sql,
      query_params: p.data as Record<string, unknown>,
      // JSONCompact: the column names once in `meta`, each row an array (the JSON format repeats every name in every
      // row: a 5,000-row read decoded and parsed twice the bytes). Each row becomes the object JSON gave, key for key.
      // A `columns` query: JSONColumnsWithMetadata, one array per column, checked once as one row.
      format: q.columns ? 'JSONColumnsWithMetadata' : 'JSONCompact',
      clickhouse_settings: { ...READ_SETTINGS, ...logComment(this.backend, q.name), ...(q.columns ? { output_format_json_pretty_print: 0 } : {}) },
    });
    const body = (await rs.json()) as { meta: { name: string }[]; data: unknown[][] | Record<string, unknown[]>; rows: number; statistics?: { rows_read: number; bytes_read: number; elapsed: number } };
    const rows: QueryRow<Q>[] = [];
    if (q.columns) {
      // no rows: ClickHouse writes `"data": {}`, without the (empty) columns
      const r = q.row.safeParse(body.rows === 0 ? Object.fromEntries(body.meta.map((m) => [m.name, []])) : body.data);
      if (!r.success) throw new QueryValidationError(`query ${q.name}: its columns do not match their schema — ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      rows.push(r.data as QueryRow<Q>);
    } else {
      const names = body.meta.map((m) => m.name);
      for (const [i, values] of (body.data as unknown[][]).entries()) {
        const raw: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) raw[names[c]!] = values[c];
        const r = q.row.safeParse(raw);
        if (!r.success) throw new QueryValidationError(`query ${q.name}: row ${i} does not match its schema — ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
        rows.push(r.data as QueryRow<Q>);
      }
    }
    const stats: QueryStats = {
      rowsRead: Number(body.statistics?.rows_read ?? 0),
      bytesRead: Number(body.statistics?.bytes_read ?? 0),
      elapsedMs: body.statistics ? body.statistics.elapsed * 1000 : performance.now() - started,
    };
    this.#log.debug({ query: q.name, rows: rows.length, rowsRead: stats.rowsRead }, 'query');
    return { rows, stats };
  }

  /**
   * Whether a query's `embeddedSql` may be run now: the embedded store, its cadence dictionary loaded since the last
   * write of the tracked table, no write running. Its first use in a store runs the plain SQL and only marks it wanted:
   * a one-shot command (`tagpulse report`) reads one tag once, and loading every tracked tag's cadence would cost it
   * more than the subquery. From the second on, the dictionary is loaded (SYSTEM RELOAD DICTIONARY: a FINAL read of
   * the tracked table) whenever it is behind, then read. No migration 33 (an older dir opened without migrate) or any
   * failed load: off for this store, the plain SQL from then on.
   */
  async #cadenceDictionaryCurrent(): Promise<boolean> {
    const d = this.#cadenceDictionary;
    if (this.backend !== 'chdb' || d.state === 'off') return false;
    if (d.state === 'unused') {
      d.state = 'on';
      return false;
    }
    if (this.#trackedWrites > 0) return false;
    if (d.generation === this.#trackedGeneration) return true;
    const generation = this.#trackedGeneration;
    try {
      await this.#client.command({ query: `SYSTEM RELOAD DICTIONARY ${T.trackedCadence}`, clickhouse_settings: { log_comment: 'tracked_cadence_reload' } });
    } catch (e) {
      d.state = 'off';
      this.#log.warn({ err: (e as Error).message }, 'the tracked cadence dictionary could not be loaded; reports read the cadence by a subquery');
      return false;
    }
    // a write that began or ended during the load may be missing from it: not current (loaded again next time)
    if (this.#trackedWrites > 0 || this.#trackedGeneration !== generation) return false;
    d.generation = generation;
    return true;
  }

  async exportBytes<Q extends NamedQuery>(q: Q, params: QueryParams<Q>, format: ExportFormat): Promise<Buffer> {
    const p = q.params.safeParse(params);
    if (!p.success) throw new QueryValidationError(`query ${q.name}: invalid parameters — ${p.error.issues.map((i) => i.message).join('; ')}`);
    const rs = await this.#client.exec({
      query: `${q.sql}\nFORMAT ${format}`,
      query_params: p.data as Record<string, unknown>,
      clickhouse_settings: { ...READ_SETTINGS, ...logComment(this.backend, `${q.name}:export`), output_format_parquet_string_as_string: 1 },
    });
    const chunks: Buffer[] = [];
    for await (const c of rs.stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.#client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
      await r.json();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
    await this.#onClose?.();
  }
}

/**
 * A table of an import stage: its clone of observations_v2, or (`of`) of a rollup; the id is checked, so the name is
 * a safe identifier (the rollups' names are ours).
 */
function stageTable(id: string, of?: string): string {
  if (!IMPORT_STAGE_ID.test(id)) throw new QueryValidationError(`not an import stage: ${JSON.stringify(id)}`);
  return `${IMPORT_STAGE_PREFIX}${id}${of ? `__${of}` : ''}`;
}

/** The stage's commit log: created when its commit begins (the intent), one row per (table, partition) attached. */
function commitLog(id: string): string {
  return stageTable(id, 'commit_log');
}

/** The rollup hours a stage's commit replaces rows in (CommitStageOptions.rebuild), written before its commit log. */
function rebuildTable(id: string): string {
  return stageTable(id, 'rebuild');
}

/** The stage's copy of the view that feeds rollup `of`. */
function stageView(id: string, of: string): string {
  return `${stageTable(id, of)}_mv`;
}

/**
 * What makes two rows the same insert: the identity (platform, tag, metric, key_at, origin — see src/schema/identity.ts)
 * plus what was read (observed_at, value, precision, step, source, method). A re-sent batch gives the same token and is
 * dropped; a re-fetch of the same slot (another value, another read time) or the same value from another origin (an
 * import equal to a collected reading) is a different insert, and the table key decides what it replaces.
 */
function obsKey(o: Observation): string {
  const id = identityOf(o);
  return [id.platform, id.tag, id.metric, id.keyAt, id.origin, canonicalInstant(o.observedAt), o.value, o.precision, o.step, o.source, o.method].join('|');
}

/** A deterministic dedup token from the batch content: the same rows re-sent give the same token. */
export function contentToken(prefix: string, keys: string[]): string {
  const h = createHash('sha256');
  for (const k of [...keys].sort()) h.update(k).update('\n');
  return `${prefix}-${h.digest('hex').slice(0, 32)}`;
}

/** The database named in a ClickHouse URL's path (http://host:8123/tagpulse), as @clickhouse/client reads it. */
export function databaseOf(url: string): string | undefined {
  try {
    const p = decodeURIComponent(new URL(url).pathname.replace(/^\/+|\/+$/g, ''));
    return p || undefined;
  } catch {
    return undefined;
  }
}

function lockedError(dataDir: string, cause: unknown, lockPid?: number): StoreLockedError {
  const holder = readHolder(dataDir);
  const who = holder ? describeHolder(holder) : lockPid !== undefined ? `process ${lockPid} (it holds chDB's lock; no holder.json names it)` : describeHolder(undefined);
  return new StoreLockedError(
    `the data dir ${dataDir} is in use by ${who}. ` +
      'Run this command while that process serves its API (tagpulse run), stop it first, or use another --data-dir.',
    { cause },
  );
}

/**
 * Why the embedded store could not be opened, from codes and probes, never from words of the message: the errno of
 * writing the data dir (permission, read-only, full disk), then chDB's flock on chdb/status (held by a live process).
 */
function openFailure(dataDir: string, chdbDir: string, cause: unknown): Error {
  const kind = faultKindOf(cause);
  const direct = kind === 'permission_denied' || kind === 'read_only_fs' || kind === 'disk_full' ? kind : probeWritable(chdbDir);
  if (direct) return new EnvironmentFaultError(direct, `cannot open the embedded store in ${chdbDir}: ${adviceFor(direct, dataDir)}`, { cause });
  const lock = chdbLockState(chdbDir);
  if (lock?.held) return lockedError(dataDir, cause, lock.pid);
  const msg = (cause as Error)?.message ?? String(cause);
  return new StoreUnavailableError(`cannot open the embedded store in ${chdbDir}: ${msg}`, { cause });
}

/** The fault kind of writing into dir (EACCES/EPERM/EROFS/ENOSPC), or undefined when it is writable. */
function probeWritable(dir: string): FaultKind | undefined {
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'x');
    rmSync(probe, { force: true });
    return undefined;
  } catch (e) {
    const kind = faultKindOf(e);
    return kind === 'permission_denied' || kind === 'read_only_fs' || kind === 'disk_full' ? kind : undefined;
  }
}

export interface OpenClickHouseOptions {
  dataDir: string;
  clickhouseUrl?: string;
  topology?: Topology;
  cluster?: string;
  log?: Logger;
  onImportCommitStep?: ClickHouseStoreOptions['onImportCommitStep'];
}

/** Open the embedded chDB store in dataDir, or a server when clickhouseUrl is set. */
export async function openClickHouseStore(opts: OpenClickHouseOptions): Promise<ClickHouseStore> {
  const log = opts.log ?? logger('store');
  if (opts.clickhouseUrl) {
    const client = createClient({ url: opts.clickhouseUrl, request_timeout: 60_000, clickhouse_settings: {} });
    const topology = opts.topology ?? 'single';
    const database = databaseOf(opts.clickhouseUrl);
    return new ClickHouseStore({ client, backend: 'server', ddl: { topology, cluster: opts.cluster ?? '{cluster}', ...(database ? { database } : {}) }, log });
  }
  if (opts.topology && opts.topology !== 'embedded') {
    throw new QueryValidationError(`topology ${opts.topology} needs a ClickHouse server: set --clickhouse-url (the embedded store is a single node)`);
  }
  const chdbDir = `${opts.dataDir}/chdb`;
  const holder = readHolder(opts.dataDir);
  if (holder && holder.pid !== process.pid) throw lockedError(opts.dataDir, undefined);
  try {
    mkdirSync(chdbDir, { recursive: true });
  } catch (e) {
    const kind = faultKindOf(e);
    if (kind === 'permission_denied' || kind === 'read_only_fs' || kind === 'disk_full') throw new EnvironmentFaultError(kind, `cannot create the embedded store in ${chdbDir}: ${adviceFor(kind, opts.dataDir)}`, { cause: e });
    throw e;
  }
  const { createChdbConnection } = await import('chdb/connection');
  const chdb = await import('chdb');
  let client: ClickHouseClient;
  let rawInsert: RawLinesInsert;
  try {
    const connection = createChdbConnection({ path: chdbDir });
    rawInsert = (p) => connection.chdb.rawInsert({ ...p, columns: [...p.columns] });
    client = createClient({ connection } as Parameters<typeof createClient>[0]);
    // No probe query: chDB's open is synchronous (createChdbConnection constructs the native Session) and throws when
    // the dir cannot be opened (locked by another process, unwritable), which the catch below maps. A `SELECT 1` here
    // proved nothing more and cost every cold command its CPU (issue 15, figure 6b; tests/integration/store/chdb-open.test.ts).
  } catch (e) {
    await chdb.drainPending().catch(() => undefined);
    // libchdb reports every open failure alike ("Failed to create connection"); the probes tell them apart.
    throw openFailure(opts.dataDir, chdbDir, e);
  }
  return new ClickHouseStore({
    client,
    backend: 'chdb',
    ddl: { topology: 'embedded', cluster: '{cluster}' },
    log,
    dataDir: opts.dataDir,
    rawInsert,
    ...(opts.onImportCommitStep ? { onImportCommitStep: opts.onImportCommitStep } : {}),
    onClose: async () => {
      await chdb.drainPending();
    },
  });
}
