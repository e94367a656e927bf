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

export interface InsertOptions {
  /** Deterministic token: a retried insert of the same batch is dropped by ClickHouse. */
  dedupToken?: string;
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
  insertFailures(rows: CollectionFailure[], opts?: InsertOptions): Promise<number>;
  upsertTracked(rows: TrackedTag[]): Promise<void>;
  upsertEvents(rows: EventRow[]): Promise<void>;
  upsertAlertDeliveries(rows: AlertDeliveryWrite[]): Promise<void>;
  run<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<QueryRow<Q>[]>;
  runWithStats<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<{ rows: QueryRow<Q>[]; stats: QueryStats }>;
  /** Raw bytes of a named query in a ClickHouse output format (CSV, JSONEachRow, Parquet) for exports. */
  exportBytes<Q extends NamedQuery>(q: Q, params: QueryParams<Q>, format: ExportFormat): Promise<Buffer>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
