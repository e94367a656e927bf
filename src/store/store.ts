/**
 * The store port. One small interface; the same ClickHouse implementation serves chDB (embedded) and a server,
 * only the connection differs. RemoteStore serves CLI commands through the process that owns an embedded dir.
 */
import type { Observation } from '../schema/observation.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import type { TrackedTag } from '../schema/tracked.ts';
import type { NamedQuery, QueryParams, QueryRow, QueryStats } from './query.ts';

export interface EventRow {
  slug: string;
  name: string;
  startAt: string;
  endAt: string;
  tags: string[];
  note: string;
  deleted?: boolean;
}

/** One alert delivery state (alert_deliveries_v1): the latest write per (rule, platform, tag, metric, windowKey) wins. */
export interface AlertDeliveryWrite {
  rule: string;
  platform: string;
  tag: string;
  metric: string;
  windowKey: string;
  firedAt: string;
  payload: string;
  delivered: boolean;
  attempts: number;
}

/**
 * One computed row of tag_summary_v1 (migration 30; columns in docs/data-model.md), keyed like the table. Times are
 * ISO; UInt64 values decimal strings; an unknowable metric is null, never 0.
 */
export interface TagSummaryWrite {
  platform: string;
  tag: string;
  metric: string;
  as_of: string;
  computed_at: string;
  window_end: string | null;
  velocity_24h: number | null; velocity_24h_low: number | null; velocity_24h_high: number | null;
  growth_24h_pct: number | null; growth_24h_pct_low: number | null; growth_24h_pct_high: number | null;
  velocity_7d: number | null; velocity_7d_low: number | null; velocity_7d_high: number | null;
  growth_7d_pct: number | null; growth_7d_pct_low: number | null; growth_7d_pct_high: number | null;
  doubling_days: number | null; doubling_days_low: number | null; doubling_days_high: number | null;
  halving_days: number | null; halving_days_low: number | null; halving_days_high: number | null;
  z_score: number | null;
  breakout: boolean | null;
  latest_value: string | null;
  latest_precision: string;
  latest_step: string;
  latest_source: string;
  latest_at: string | null;
  sample_hours: number;
  methods: string[];
  first_at: string | null;
  last_at: string | null;
  lower_bound_only: boolean;
  max_lower_bound: string | null;
  spark_start: string;
  spark_step_ms: number;
  sparkline: (number | null)[];
  bins_signature: string;
  /** Migration 31: the leaderboard entry's fields (the same computeMetrics result; columns in docs/data-model.md). */
  metrics_at: string;
  recent_bins: number;
  bins_latest_value: string | null;
  bins_latest_at: string | null;
  from_24h: string | null; to_24h: string | null; delta_24h: string | null; coverage_24h: number | null; previous_velocity_24h: number | null;
  from_7d: string | null; to_7d: string | null; delta_7d: string | null; coverage_7d: number | null; previous_velocity_7d: number | null;
  growth_rate_per_day: number | null;
  z_baseline_days: number;
}

export interface InsertOptions {
  /** Deterministic token: a retried insert of the same batch is dropped by ClickHouse. */
  dedupToken?: string;
}

/**
 * One rollup bucket to rebuild from the raw table (Store.commitImportStage's `rebuild`): the hour (ISO, its start) of
 * a (platform, tag, metric) series; the hour's day is rebuilt in the daily rollup too.
 */
export interface RollupHour {
  platform: string;
  tag: string;
  metric: string;
  hour: string;
}

export interface CommitStageOptions {
  /**
   * The hours whose raw rows this commit replaces (an import with --replace): their rollup buckets, which the views
   * folded the replaced rows into, are rebuilt from observations_v2 FINAL by the views' own SELECT, as a logged step of
   * the commit (finished by the recovery like the attaches).
   */
  rebuild?: RollupHour[];
}

/** One reading held by an import stage (Store.importStageReadings). Times ISO; UInt64 as decimal strings. */
export interface StagedReading {
  platform: string;
  tag: string;
  metric: string;
  observedAt: string;
  origin: string;
  value: string;
  step: string;
  precision: string;
  source: string;
  note: string;
  timePrecision: string;
}

export type ExportFormat = 'CSVWithNames' | 'TSVWithNames' | 'JSONEachRow' | 'Parquet';

export interface Store {
  readonly backend: 'chdb' | 'server' | 'remote';
  migrate(): Promise<{ applied: number[] }>;
  insertObservations(rows: Observation[], opts?: InsertOptions): Promise<number>;
  /**
   * Rows prepared ahead of the insert: JSONEachRow lines made by observationLine (src/store/rows.ts), each ending in
   * "\n", as text or UTF-8 bytes — what a big import spools while it checks its file. Returns the rows inserted.
   * Without a dedupToken the token is a hash of the lines, so a re-sent block is dropped.
   */
  insertObservationLines(lines: string | Uint8Array, opts?: InsertOptions): Promise<number>;
  /**
   * A big import's stage: a clone of observations_v2 and of its rollups, fed by copies of the rollup views
   * (import_stage_<created ms>_<random>…). The import inserts its checked rows there while it reads the rest of the
   * file; only when the whole file is accepted are the stage's parts attached to the real tables (commitImportStage:
   * ATTACH PARTITION … FROM, no row is read or written again); a refused import drops the stage (dropImportStage), so
   * nothing of it is stored. Opening one drops stale stages: in the embedded store every stage this process did not
   * open (chDB has one process per dir: the others were left by a killed import; one whose commit began is finished,
   * not dropped); on a server, stages older than a day (begun commits: 10 minutes without a step). migrate() does the
   * same. Returns the stage's id, or null where the store cannot stage (a cluster: the
   * import then spools to a local file instead).
   */
  openImportStage(): Promise<string | null>;
  /** Lines as for insertObservationLines, into a stage; returns the rows staged. */
  stageObservationLines(stage: string, lines: string | Uint8Array, opts?: InsertOptions): Promise<number>;
  /**
   * Attach a stage's rows (and its rollups' rows) to the real tables, then drop it; returns the raw rows moved. Once it
   * has begun (its commit log exists), the file is stored whole: a commit that fails or is killed half way is finished
   * by the next migrate() or openImportStage(). `rebuild`: rollup buckets whose raw rows this commit replaces
   * (CommitStageOptions), rebuilt from the raw table after the attaches, as a step of the same commit.
   */
  commitImportStage(stage: string, opts?: CommitStageOptions): Promise<number>;
  /**
   * The readings a stage holds at the given (platform, tag, metric, observed_at) keys: what an import compares a row
   * with when its file may give that key a second time (its own earlier row, staged already).
   */
  importStageReadings(stage: string, keys: { platform: string; tag: string; metric: string; observedAt: string }[]): Promise<StagedReading[]>;
  /**
   * Rebuild the hourly and daily rollup buckets of these hours (and their days) from observations_v2 FINAL, by the
   * views' own SELECT: after a write that replaced readings of an identity (the views had folded the replaced ones in).
   * Idempotent; a reading inserted meanwhile is kept.
   */
  rebuildRollups(hours: RollupHour[]): Promise<void>;
  /**
   * Drop a stage and what it holds (a refused or failed import). Dropping a missing stage is a no-op; so is dropping
   * one whose commit has begun (it is finished, never taken back half way).
   */
  dropImportStage(stage: string): Promise<void>;
  insertFailures(rows: CollectionFailure[], opts?: InsertOptions): Promise<number>;
  upsertTracked(rows: TrackedTag[]): Promise<void>;
  upsertEvents(rows: EventRow[]): Promise<void>;
  upsertAlertDeliveries(rows: AlertDeliveryWrite[]): Promise<void>;
  /** Write computed per-tag summaries (tag_summary_v1); the latest computed_at of a series wins. */
  upsertTagSummaries(rows: TagSummaryWrite[]): Promise<void>;
  run<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<QueryRow<Q>[]>;
  runWithStats<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<{ rows: QueryRow<Q>[]; stats: QueryStats }>;
  /** Raw bytes of a named query in a ClickHouse output format (CSV, JSONEachRow, Parquet) for exports. */
  exportBytes<Q extends NamedQuery>(q: Q, params: QueryParams<Q>, format: ExportFormat): Promise<Buffer>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
