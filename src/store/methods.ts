/**
 * The store's methods as one table. RemoteStore (the client of another process's store), dispatchStoreCall (its
 * server side) and splitStore (read-only user for reads) are all built from it, so a new Store method is one entry
 * here (tsc fails until it exists) and the internal API validates what it receives with the entry's zod schema.
 * Each entry says which store of a split pair serves it, how positional arguments travel as named ones, and how
 * the receiving process calls its real store. Queries travel by name only (registry.ts), never as SQL.
 */
import * as z from 'zod';
import { Observation } from '../schema/observation.ts';
import { CollectionFailure } from '../schema/failure.ts';
import { TrackedTag } from '../schema/tracked.ts';
import type { NamedQuery } from './query.ts';
import type { AlertDeliveryWrite, CommitStageOptions, EventRow, RollupHour, ExportFormat, Store, TagSummaryWrite } from './store.ts';
import { QueryValidationError, StoreError } from './errors.ts';
import { checkObservationLines } from './rows.ts';
import { IMPORT_STAGE_ID } from './stage.ts';

const StageId = z.string().regex(IMPORT_STAGE_ID, 'an import stage id (openImportStage)');
const InsertOptions = z.object({ dedupToken: z.string().max(200).optional() }).default({});
const IsoTime = z.string().min(1).max(40);
/** Rollup hours to rebuild (rebuildRollups, or at a commit: an import with --replace), one per distinct hour of a series. */
const RollupHours = z.array(z.object({ platform: z.string().max(50), tag: z.string().max(200), metric: z.string().max(64), hour: z.iso.datetime({ offset: true }) }));
const CommitStageOptionsSchema = z
  .object({ rebuild: RollupHours.max(1_000_000).optional() })
  .default({}) satisfies z.ZodType<CommitStageOptions>;
/** Largest block of preformatted rows a remote caller may send (the owner API reads bodies up to 50 MiB). */
const MAX_LINES_BYTES = 40 * 1024 * 1024;

export const EventRowSchema = z.object({
  slug: z.string().min(1).max(200),
  name: z.string().max(500),
  startAt: IsoTime,
  endAt: IsoTime,
  tags: z.array(z.string().max(200)).max(1000),
  note: z.string().max(10_000),
  deleted: z.boolean().optional(),
}) satisfies z.ZodType<EventRow>;

export const AlertDeliveryWriteSchema = z.object({
  rule: z.string().max(200),
  platform: z.string().max(50),
  tag: z.string().max(200),
  metric: z.string().max(50),
  windowKey: z.string().max(200),
  firedAt: IsoTime,
  payload: z.string().max(100_000),
  delivered: z.boolean(),
  attempts: z.number().int().min(0),
}) satisfies z.ZodType<AlertDeliveryWrite>;

const nf = z.number().nullable();
const u64s = z.string().regex(/^\d{1,20}$/, 'a UInt64 as a decimal string');
export const TagSummaryWriteSchema = z.object({
  platform: z.string().max(50),
  tag: z.string().max(200),
  metric: z.string().max(64),
  as_of: IsoTime,
  computed_at: IsoTime,
  window_end: IsoTime.nullable(),
  velocity_24h: nf, velocity_24h_low: nf, velocity_24h_high: nf,
  growth_24h_pct: nf, growth_24h_pct_low: nf, growth_24h_pct_high: nf,
  velocity_7d: nf, velocity_7d_low: nf, velocity_7d_high: nf,
  growth_7d_pct: nf, growth_7d_pct_low: nf, growth_7d_pct_high: nf,
  doubling_days: nf, doubling_days_low: nf, doubling_days_high: nf,
  halving_days: nf, halving_days_low: nf, halving_days_high: nf,
  z_score: nf,
  breakout: z.boolean().nullable(),
  latest_value: u64s.nullable(),
  latest_precision: z.string().max(20),
  latest_step: u64s,
  latest_source: z.string().max(200),
  latest_at: IsoTime.nullable(),
  sample_hours: z.number().int().min(0),
  methods: z.array(z.string().max(50)).max(50),
  first_at: IsoTime.nullable(),
  last_at: IsoTime.nullable(),
  lower_bound_only: z.boolean(),
  max_lower_bound: u64s.nullable(),
  spark_start: IsoTime,
  spark_step_ms: z.number().int().min(1),
  sparkline: z.array(nf).max(10_000),
  bins_signature: z.string().max(200),
  metrics_at: IsoTime,
  recent_bins: z.number().int().min(0),
  bins_latest_value: u64s.nullable(),
  bins_latest_at: IsoTime.nullable(),
  from_24h: IsoTime.nullable(), to_24h: IsoTime.nullable(), delta_24h: z.string().regex(/^-?\d{1,21}$/).nullable(), coverage_24h: nf, previous_velocity_24h: nf,
  from_7d: IsoTime.nullable(), to_7d: IsoTime.nullable(), delta_7d: z.string().regex(/^-?\d{1,21}$/).nullable(), coverage_7d: nf, previous_velocity_7d: nf,
  growth_rate_per_day: nf,
  z_baseline_days: z.number().int().min(0),
}) satisfies z.ZodType<TagSummaryWrite>;

const QueryCall = z.object({ name: z.string().min(1).max(200), params: z.record(z.string(), z.unknown()).default({}) });
const ExportFormatSchema = z.enum(['CSVWithNames', 'TSVWithNames', 'JSONEachRow', 'Parquet']) satisfies z.ZodType<ExportFormat>;

/** A block of preformatted rows, each line checked with the rules of Observation (src/store/rows.ts). */
const ObservationLines = z
  .string()
  .max(MAX_LINES_BYTES)
  .superRefine((text, c) => {
    for (const message of checkObservationLines(text)) c.addIssue({ code: 'custom', message });
  });

type Lookup = (name: string) => NamedQuery | undefined;

interface MethodSpec<A extends z.ZodType> {
  /** Which store of a split pair (read-write, read-only) serves the method. */
  side: 'write' | 'read';
  /** The named arguments on the wire, validated by the receiving process. */
  args: A;
  /** The Store method's positional arguments as named wire arguments. */
  toWire(...positional: never[]): z.input<A>;
  /** Call the real store with validated arguments. */
  call(store: Store, args: z.output<A>, lookup: Lookup): Promise<unknown>;
  /** The reply is raw bytes (exports), not JSON. */
  bytes?: true;
}

const method = <A extends z.ZodType>(m: MethodSpec<A>): MethodSpec<A> => m;

function queryNamed(lookup: Lookup, name: string): NamedQuery {
  const q = lookup(name);
  if (!q) throw new StoreError(`unknown query ${JSON.stringify(name)}`, { retryable: false });
  return q;
}

export const STORE_METHODS = {
  migrate: method({ side: 'write', args: z.object({}), toWire: () => ({}), call: (s) => s.migrate() }),
  insertObservations: method({
    side: 'write',
    args: z.object({ rows: z.array(Observation), opts: InsertOptions }),
    toWire: (rows: Observation[], opts?: z.input<typeof InsertOptions>) => ({ rows, opts }),
    call: (s, a) => s.insertObservations(a.rows, a.opts),
  }),
  insertObservationLines: method({
    side: 'write',
    // Preformatted rows are checked line by line with the rules of Observation (src/store/rows.ts).
    args: z.object({
      lines: ObservationLines,
      opts: InsertOptions,
    }),
    toWire: (lines: string | Uint8Array, opts?: z.input<typeof InsertOptions>) => ({ lines: typeof lines === 'string' ? lines : Buffer.from(lines).toString('utf8'), opts }),
    call: (s, a) => s.insertObservationLines(a.lines, a.opts),
  }),
  openImportStage: method({ side: 'write', args: z.object({}), toWire: () => ({}), call: (s) => s.openImportStage() }),
  stageObservationLines: method({
    side: 'write',
    // Staged rows are checked like insertObservationLines' rows.
    args: z.object({ stage: StageId, lines: ObservationLines, opts: InsertOptions }),
    toWire: (stage: string, lines: string | Uint8Array, opts?: z.input<typeof InsertOptions>) => ({ stage, lines: typeof lines === 'string' ? lines : Buffer.from(lines).toString('utf8'), opts }),
    call: (s, a) => s.stageObservationLines(a.stage, a.lines, a.opts),
  }),
  commitImportStage: method({
    side: 'write',
    args: z.object({ stage: StageId, opts: CommitStageOptionsSchema }),
    toWire: (stage: string, opts?: CommitStageOptions) => ({ stage, opts }),
    call: (s, a) => s.commitImportStage(a.stage, a.opts),
  }),
  importStageReadings: method({
    side: 'write',
    args: z.object({
      stage: StageId,
      keys: z.array(z.object({ platform: z.string().max(50), tag: z.string().max(200), metric: z.string().max(64), observedAt: z.iso.datetime({ offset: true }) })).max(10_000),
    }),
    toWire: (stage: string, keys: { platform: string; tag: string; metric: string; observedAt: string }[]) => ({ stage, keys }),
    call: (s, a) => s.importStageReadings(a.stage, a.keys),
  }),
  rebuildRollups: method({
    side: 'write',
    args: z.object({ hours: RollupHours.max(100_000) }),
    toWire: (hours: RollupHour[]) => ({ hours }),
    call: (s, a) => s.rebuildRollups(a.hours),
  }),
  dropImportStage: method({ side: 'write', args: z.object({ stage: StageId }), toWire: (stage: string) => ({ stage }), call: (s, a) => s.dropImportStage(a.stage) }),
  insertFailures: method({
    side: 'write',
    args: z.object({ rows: z.array(CollectionFailure), opts: InsertOptions }),
    toWire: (rows: CollectionFailure[], opts?: z.input<typeof InsertOptions>) => ({ rows, opts }),
    call: (s, a) => s.insertFailures(a.rows, a.opts),
  }),
  upsertTracked: method({ side: 'write', args: z.object({ rows: z.array(TrackedTag) }), toWire: (rows: TrackedTag[]) => ({ rows }), call: (s, a) => s.upsertTracked(a.rows) }),
  upsertEvents: method({ side: 'write', args: z.object({ rows: z.array(EventRowSchema) }), toWire: (rows: EventRow[]) => ({ rows }), call: (s, a) => s.upsertEvents(a.rows) }),
  upsertAlertDeliveries: method({
    side: 'write',
    args: z.object({ rows: z.array(AlertDeliveryWriteSchema) }),
    toWire: (rows: AlertDeliveryWrite[]) => ({ rows }),
    call: (s, a) => s.upsertAlertDeliveries(a.rows),
  }),
  upsertTagSummaries: method({
    side: 'write',
    args: z.object({ rows: z.array(TagSummaryWriteSchema) }),
    toWire: (rows: TagSummaryWrite[]) => ({ rows }),
    call: (s, a) => s.upsertTagSummaries(a.rows),
  }),
  run: method({
    side: 'read',
    args: QueryCall,
    toWire: (q: NamedQuery, params: Record<string, unknown>) => ({ name: q.name, params }),
    call: (s, a, lookup) => s.run(queryNamed(lookup, a.name), a.params as never),
  }),
  runWithStats: method({
    side: 'read',
    args: QueryCall,
    toWire: (q: NamedQuery, params: Record<string, unknown>) => ({ name: q.name, params }),
    call: (s, a, lookup) => s.runWithStats(queryNamed(lookup, a.name), a.params as never),
  }),
  exportBytes: method({
    side: 'read',
    args: QueryCall.extend({ format: ExportFormatSchema }),
    toWire: (q: NamedQuery, params: Record<string, unknown>, format: ExportFormat) => ({ name: q.name, params, format }),
    call: (s, a, lookup) => s.exportBytes(queryNamed(lookup, a.name), a.params as never, a.format),
    bytes: true,
  }),
  ping: method({ side: 'read', args: z.object({}), toWire: () => ({}), call: (s) => s.ping() }),
} as const;

export type StoreMethodName = keyof typeof STORE_METHODS;

/** Every Store method but the local ones (backend, close) has an entry: adding one to Store without it fails here. */
type Uncovered = Exclude<keyof Store, StoreMethodName | 'backend' | 'close'>;
const everyMethodCovered: [Uncovered] extends [never] ? true : Uncovered = true;
void everyMethodCovered;

export function isStoreMethod(name: string): name is StoreMethodName {
  return Object.hasOwn(STORE_METHODS, name);
}

/** The Store methods of the table, each sending its named arguments through `send`. */
export function storeCalls(send: (name: StoreMethodName, args: unknown, bytes: boolean) => Promise<unknown>): Pick<Store, StoreMethodName> {
  const calls: Record<string, (...a: never[]) => Promise<unknown>> = {};
  for (const [name, m] of Object.entries(STORE_METHODS) as [StoreMethodName, MethodSpec<z.ZodType>][]) {
    calls[name] = (...a: never[]) => send(name, m.toWire(...a), m.bytes === true);
  }
  return calls as unknown as Pick<Store, StoreMethodName>;
}

/** Server side of the RPC: validate the named arguments with the method's schema, then call the real store. */
export async function dispatchStoreCall(store: Store, name: string, args: unknown, lookup: Lookup): Promise<unknown> {
  if (!isStoreMethod(name)) throw new StoreError(`unknown store method ${JSON.stringify(name)}`, { retryable: false });
  const m = STORE_METHODS[name] as MethodSpec<z.ZodType>;
  const parsed = m.args.safeParse(args);
  if (!parsed.success) throw new QueryValidationError(`store method ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
  return m.call(store, parsed.data, lookup);
}

/** Reads through the read-only store, everything else through the read-write one (see split-store.ts). */
export function routeCalls(pick: (side: 'read' | 'write') => Store): Pick<Store, StoreMethodName> {
  const calls: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const [name, m] of Object.entries(STORE_METHODS) as [StoreMethodName, MethodSpec<z.ZodType>][]) {
    calls[name] = (...a: unknown[]) => (pick(m.side)[name] as (...x: unknown[]) => Promise<unknown>)(...a);
  }
  return calls as unknown as Pick<Store, StoreMethodName>;
}
