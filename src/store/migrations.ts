/**
 * Numbered, append-only migrations. Two kinds of work:
 *  - `statements`: DDL, every statement idempotent (IF NOT EXISTS). They run until the migration is recorded, so a
 *    half-applied migration is completed on the next open; a recorded one is skipped (one query per open).
 *  - `data`: steps that move or rewrite rows. They run only while the migration is not yet recorded in
 *    schema_migrations_v1, and the version is recorded only after they all succeeded. Each data step must be safe to
 *    run again after an interruption (e.g. an INSERT … SELECT into a ReplacingMergeTree keyed so a repeated copy of a
 *    row collapses into the same row, feeding rollups that only use argMax/argMin/max/min).
 * Never edit a released migration: add the next number. Version ranges in use: 8–12 (time and identity; 10: the rollups' order of readings; 11: the rollups derived again from raw FINAL), 20–24
 * (collectors: raw evidence), 30–34 (read path: the per-tag summary; 33: the embedded store's cadence dictionary).
 */
import { type DdlContext, type TableDef, type ViewDef, localName, renderAddColumn, renderDropTable, renderDropView, renderTable, renderTruncate, renderView, viewSelectFrom } from './ddl.ts';
import { ORIGIN_SQL, KEY_AT_SQL, SOURCE_RANK_SQL, LIVE_METHODS_SQL, READING_ORDER_SQL } from './identity.ts';

/** One data step of a migration: a statement plus the settings it needs for a topology. */
export interface DataStep {
  sql: string;
  /** What the step does, for logs and `migrate --print`. */
  why: string;
  /** Query settings of the step (an INSERT … SELECT's block sizes apply only as query settings, not in its SETTINGS clause). */
  settings?: Record<string, string | number>;
}

export interface Migration {
  version: number;
  name: string;
  statements(ctx: DdlContext): string[];
  /** Run once (until the version is recorded); must be safe to re-run after an interruption. */
  data?(ctx: DdlContext): DataStep[];
  /**
   * The data steps are not needed when one of these migrations was applied in the same migrate() (e.g. on a new
   * store): their own data steps have just produced what these would.
   */
  dataDoneBy?: number[];
}

export const T = {
  observations: 'observations_v2',
  failures: 'collection_failures_v1',
  tracked: 'tracked_tags_v1',
  events: 'events_v1',
  hourly: 'observations_hourly_v3',
  daily: 'observations_daily_v3',
  migrations: 'schema_migrations_v1',
  alerts: 'alert_deliveries_v1',
  summary: 'tag_summary_v1',
  keys: 'observation_keys_v1',
  /** Embedded store only (migration 33): a dictionary of the tracked cadences, see trackedCadenceDictionary. */
  trackedCadence: 'tracked_cadence_v1',
} as const;

/** The rollups of migration 8, replaced by migration 10 (their views and tables are dropped there). */
export const T_V2 = {
  hourly: 'observations_hourly_v2',
  daily: 'observations_daily_v2',
  hourlyMv: 'observations_hourly_mv_v2',
  dailyMv: 'observations_daily_mv_v2',
} as const;

/** Tables of the schema before migration 8 (kept, read-only: the record as the old code stored it). */
export const T_V1 = {
  observations: 'observations_v1',
  hourly: 'observations_hourly_v1',
  daily: 'observations_daily_v1',
} as const;

const observationsV1: TableDef = {
  name: T_V1.observations,
  columns: `
    platform          LowCardinality(String),               -- a handful of values: dictionary-encoded
    tag               String CODEC(ZSTD(1)),                -- high cardinality (10k+ tags): plain String, not LowCardinality
    metric            LowCardinality(String),               -- views | posts | ...
    observed_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)), -- the slot for scheduled samples: deterministic identity
    value             UInt64 CODEC(Delta, ZSTD(1)),         -- cumulative counter, monotone within the sort key: Delta compresses it well
    exact             Bool,
    step              UInt64 CODEC(ZSTD(1)),                -- rounding step of a display figure; 0 when exact
    precision         LowCardinality(String),               -- exact | rounded | lower_bound
    source            LowCardinality(String),               -- e.g. tiktok.api.statsV2, tiktok.rehydration.stats, wayback
    method            LowCardinality(String),               -- http | browser | api | wayback | import | manual
    collector_version LowCardinality(String),
    slot              DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    fetched_at        DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    provenance        String CODEC(ZSTD(3)),                -- URL / capture URL / file name: long, repetitive, rarely read
    note              String CODEC(ZSTD(3)),
    time_precision    LowCardinality(String) DEFAULT 'instant', -- instant | day | month | year (press figures dated loosely)
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3) -- ReplacingMergeTree version: the latest write of a key wins`,
  engine: { kind: 'ReplacingMergeTree', args: 'ingested_at' },
  partitionBy: 'toYear(observed_at)',
  orderBy: '(platform, tag, metric, observed_at)',
  settings: 'non_replicated_deduplication_window = 1000, index_granularity = 128',
  shardBy: 'cityHash64(platform, tag)',
  why: `Raw observations: every value ever read, with provenance. Never expires (history is the product: no TTL).
ReplacingMergeTree on (platform, tag, metric, observed_at) is the backstop against re-delivered jobs; the first line of
defence is insert_deduplication_token, which needs non_replicated_deduplication_window > 0 on a non-replicated table.
ORDER BY starts with (platform, tag) so a one-tag series or report reads only that tag's granules. Rows are narrow
and a typical tag has hundreds of rows, so granules are small (128 rows, not 8192): a one-tag read then costs about
its own rows (bench 4a: 49x with 8192-row granules, 2.05x with 256), for a primary index that still fits in memory
(10M rows → 80k marks).
Yearly partitions: every part a tag's rows sit in costs at least one granule, and a year keeps part counts low even
for years of backfilled history.`,
};

const failures: TableDef = {
  name: T.failures,
  columns: `
    platform          LowCardinality(String),
    tag               String CODEC(ZSTD(1)),
    kind              LowCardinality(String),               -- captcha | empty | hollow | not_found | restricted | throttled | blocked | no_data | malformed | ...
    status_code       UInt16,
    platform_code     LowCardinality(String),
    message           String CODEC(ZSTD(3)),
    method            LowCardinality(String),
    source            LowCardinality(String),
    slot              DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    occurred_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    attempt           UInt16,
    collector_version LowCardinality(String),
    url               String CODEC(ZSTD(3)),
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: { kind: 'ReplacingMergeTree', args: 'ingested_at' },
  partitionBy: 'toYYYYMM(occurred_at)',
  orderBy: '(platform, tag, occurred_at, kind, attempt)',
  ttl: "toDateTime(occurred_at) + INTERVAL 400 DAY",
  settings: 'non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1',
  shardBy: 'cityHash64(platform, tag)',
  why: `Collection failures, one row per failed attempt. Keyed like observations so one tag's failures are read together;
ReplacingMergeTree drops re-delivered copies. Failures are operational data: kept ~13 months (a year-over-year look at
blocking), dropped whole parts at a time (ttl_only_drop_parts) so the TTL never rewrites data.`,
};

const tracked: TableDef = {
  name: T.tracked,
  columns: `
    platform   LowCardinality(String),
    tag        String,
    every_ms   UInt64,
    added_at   DateTime64(3, 'UTC'),
    active     Bool,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: { kind: 'ReplacingMergeTree', args: 'updated_at' },
  orderBy: '(platform, tag)',
  shardBy: 'cityHash64(platform, tag)',
  why: `Tracked tags: the scheduler's source of truth. Small table; ReplacingMergeTree(updated_at) keeps the latest state per
(platform, tag): removal writes active = false rather than deleting, so the history of what was tracked survives.`,
};

const events: TableDef = {
  name: T.events,
  columns: `
    slug       String,
    name       String,
    start_at   DateTime64(3, 'UTC'),
    end_at     DateTime64(3, 'UTC'),
    tags       Array(String),
    note       String,
    deleted    Bool,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: { kind: 'ReplacingMergeTree', args: 'updated_at' },
  orderBy: 'slug',
  shardBy: 'cityHash64(slug)',
  why: `User events (campaign launches, news events) used as annotations and for event reports. Latest write per slug wins;
removal is a tombstone (deleted = true).`,
};

const rollupColumns = `
    platform    LowCardinality(String),
    metric      LowCardinality(String),
    tag         String CODEC(ZSTD(1)),
    bucket      DateTime('UTC') CODEC(Delta, ZSTD(1)),
    last_value  AggregateFunction(argMax, UInt64, DateTime64(3, 'UTC')),  -- counter at the end of the bucket
    first_value AggregateFunction(argMin, UInt64, DateTime64(3, 'UTC')),  -- counter at the start of the bucket
    last_at     SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first_at    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    max_value   SimpleAggregateFunction(max, UInt64),
    min_value   SimpleAggregateFunction(min, UInt64)`;

const rollupWhy = (grain: string) => `${grain} rollup for the overview and the leaderboard across all tags.
AggregatingMergeTree with argMax/argMin/max/min only: a duplicated raw row (a re-delivered job that escaped the dedup
window) cannot skew them, unlike sum() or count(). ORDER BY (platform, metric, tag, bucket): a leaderboard reads one
metric's buckets for all tags without touching raw rows. Kept forever, like the raw table.`;

const hourlyV1: TableDef = {
  name: T_V1.hourly,
  columns: rollupColumns,
  engine: { kind: 'AggregatingMergeTree' },
  partitionBy: 'toYYYYMM(bucket)',
  orderBy: '(platform, metric, tag, bucket)',
  shardBy: 'cityHash64(platform, tag)',
  why: rollupWhy('Hourly'),
};
const dailyV1: TableDef = { ...hourlyV1, name: T_V1.daily, partitionBy: 'toYear(bucket)', why: rollupWhy('Daily') };

const rollupSelect = (bucketExpr: string) => `SELECT
    platform, metric, tag, ${bucketExpr} AS bucket,
    argMaxState(value, observed_at) AS last_value,
    argMinState(value, observed_at) AS first_value,
    max(observed_at) AS last_at,
    min(observed_at) AS first_at,
    max(value) AS max_value,
    min(value) AS min_value
FROM {raw}
WHERE precision != 'lower_bound' AND value > 0
GROUP BY platform, metric, tag, bucket`;

const hourlyMvV1: ViewDef = {
  name: 'observations_hourly_mv_v1',
  to: T_V1.hourly,
  select: rollupSelect("toStartOfHour(observed_at, 'UTC')"),
  why: 'Feeds the hourly rollup from the RAW table (never cascaded from another rollup). Lower bounds are not counter readings and are left out.',
};
const dailyMvV1: ViewDef = {
  name: 'observations_daily_mv_v1',
  to: T_V1.daily,
  select: rollupSelect("toStartOfDay(observed_at, 'UTC')"),
  why: 'Feeds the daily rollup, also from the RAW table, so a bug or duplicate in one rollup cannot spread into the other.',
};

const observations: TableDef = {
  name: T.observations,
  columns: `
    platform          LowCardinality(String),               -- a handful of values: dictionary-encoded
    tag               String CODEC(ZSTD(1)),                -- high cardinality (10k+ tags): plain String, not LowCardinality
    metric            LowCardinality(String),               -- views | posts | ...
    observed_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)), -- when the value was read (fetch time), or the source's own time (Research day, Wayback capture, import)
    value             UInt64 CODEC(Delta, ZSTD(1)),         -- cumulative counter, monotone within the sort key: Delta compresses it well
    exact             Bool,
    step              UInt64 CODEC(ZSTD(1)),                -- rounding step of a display figure; 0 when exact
    precision         LowCardinality(String),               -- exact | rounded | lower_bound
    source            LowCardinality(String),               -- e.g. tiktok.api.statsV2, tiktok.rehydration.stats, wayback:…, import
    method            LowCardinality(String),               -- http | browser | api | wayback | import | manual
    collector_version LowCardinality(String),
    slot              DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)), -- the scheduled slot (imports, captures: observed_at)
    fetched_at        DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    provenance        String CODEC(ZSTD(3)),                -- URL / capture URL / file name: long, repetitive, rarely read
    note              String CODEC(ZSTD(3)),
    time_precision    LowCardinality(String) DEFAULT 'instant', -- instant | day | month | year (press figures dated loosely)
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3), -- ReplacingMergeTree version: the latest write of a key wins
    origin            LowCardinality(String) DEFAULT ${ORIGIN_SQL}, -- identity: where it came from (collect | wayback | import | manual)
    key_at            DateTime64(3, 'UTC') DEFAULT ${KEY_AT_SQL} CODEC(Delta, ZSTD(1)), -- identity: the slot of a scheduled live sample, else observed_at
    INDEX observed_at_minmax observed_at TYPE minmax GRANULARITY 1`,
  engine: { kind: 'ReplacingMergeTree', args: 'ingested_at' },
  partitionBy: 'toYear(key_at)',
  orderBy: '(platform, tag, metric, key_at, origin)',
  settings: 'non_replicated_deduplication_window = 1000, index_granularity = 128',
  shardBy: 'cityHash64(platform, tag)',
  why: `Raw observations: every value ever read, with provenance. Never expires (history is the product: no TTL).
Time and identity are two columns. observed_at is when the value held; the row's identity is (platform, tag, metric,
key_at, origin): key_at is the scheduled slot of a live sample (a re-delivered or re-fetched job of one slot rewrites
its one row, whenever it ran) and observed_at otherwise (an import, a capture or a Research API day row is identified by
its own time); origin says where the row came from, so a source never replaces another one (an import never replaces a
collected reading: both stay, and the reports show the conflict). origin and key_at are DEFAULT expressions of the
other columns, so every writer gets the same identity. ReplacingMergeTree on that key is the backstop against
re-delivered jobs; the first line of defence is insert_deduplication_token, which needs
non_replicated_deduplication_window > 0 on a non-replicated table.
ORDER BY starts with (platform, tag) so a one-tag series or report reads only that tag's granules; within a tag rows sort
by key_at, which is observed_at or a slot just before it, so the minmax index on observed_at prunes time ranges. Rows
are narrow and a typical tag has hundreds of rows, so granules are small (128 rows, not 8192): a one-tag read then costs
about its own rows, for a primary index that still fits in memory (10M rows → 80k marks).
Yearly partitions by key_at: all versions of one key land in one partition (ReplacingMergeTree merges only within a
partition), and a year keeps part counts low even for years of backfilled history.`,
};

const rollupColumnsV2 = `
    platform    LowCardinality(String),
    metric      LowCardinality(String),
    tag         String CODEC(ZSTD(1)),
    bucket      DateTime('UTC') CODEC(Delta, ZSTD(1)),
    last_value  AggregateFunction(argMax, UInt64, Tuple(DateTime64(3, 'UTC'), UInt8, UInt64)),  -- counter at the end of the bucket
    first_value AggregateFunction(argMin, UInt64, Tuple(DateTime64(3, 'UTC'), UInt8, UInt64)),  -- counter at the start of the bucket
    last_step   AggregateFunction(argMax, UInt64, Tuple(DateTime64(3, 'UTC'), UInt8, UInt64)),  -- rounding step of last_value's reading (0 = exact)
    first_step  AggregateFunction(argMin, UInt64, Tuple(DateTime64(3, 'UTC'), UInt8, UInt64)),  -- rounding step of first_value's reading (0 = exact)
    last_at     SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first_at    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    max_value   SimpleAggregateFunction(max, UInt64),
    min_value   SimpleAggregateFunction(min, UInt64)`;

const rollupWhyV2 = (grain: string) => `${rollupWhy(grain)}
Fed from ${T.observations} (corrected times). When two sources give a value for the same instant, the bucket's first and
last value is chosen deterministically: by time, then the source preference (exact collected, exact import, rounded
collected, rounded import), then the value — the same rule the services apply to series (src/store/identity.ts).
first_step/last_step are the rounding steps of those same readings (argMin/argMax over the same tuple), so a bin of a
rounded display figure keeps its step and the metrics widen for it exactly as they do on raw rows.`;

const hourlyV2: TableDef = { ...hourlyV1, name: T_V2.hourly, columns: rollupColumnsV2, why: rollupWhyV2('Hourly') };
const dailyV2: TableDef = { ...hourlyV2, name: T_V2.daily, partitionBy: 'toYear(bucket)', why: rollupWhyV2('Daily') };

const rollupSelectV2 = (bucketExpr: string) => `SELECT
    platform, metric, tag, ${bucketExpr} AS bucket,
    argMaxState(value, (observed_at, ${SOURCE_RANK_SQL}, value)) AS last_value,
    argMinState(value, (observed_at, toUInt8(255 - ${SOURCE_RANK_SQL}), value)) AS first_value,
    argMaxState(step, (observed_at, ${SOURCE_RANK_SQL}, value)) AS last_step,
    argMinState(step, (observed_at, toUInt8(255 - ${SOURCE_RANK_SQL}), value)) AS first_step,
    max(observed_at) AS last_at,
    min(observed_at) AS first_at,
    max(value) AS max_value,
    min(value) AS min_value
FROM {raw}
WHERE precision != 'lower_bound' AND value > 0
GROUP BY platform, metric, tag, bucket`;

const hourlyMvV2: ViewDef = {
  name: T_V2.hourlyMv,
  to: T_V2.hourly,
  select: rollupSelectV2("toStartOfHour(observed_at, 'UTC')"),
  why: 'Feeds the hourly rollup from the RAW table (never cascaded from another rollup), at observed_at (when the value was read). Lower bounds are not counter readings and are left out.',
};
const dailyMvV2: ViewDef = {
  name: T_V2.dailyMv,
  to: T_V2.daily,
  select: rollupSelectV2("toStartOfDay(observed_at, 'UTC')"),
  why: 'Feeds the daily rollup, also from the RAW table, so a bug or duplicate in one rollup cannot spread into the other.',
};

/**
 * Migration 10 (issue 10, big imports): the same rollups, with the order of readings as one Int128 instead of a
 * Tuple(DateTime64, UInt8, UInt64). argMin/argMax over a tuple keep each state's comparison value as a generic
 * ClickHouse Field (a heap-allocated tuple of three Fields): about 3× the memory and 3–5× the time of a fixed-size key,
 * in every insert, every merge and every read of the rollups (measured: 400,000 groups of four such states, 268 MiB and
 * 5 s against 93 MiB and 0.8 s with Int128; a 2,000,000-row import's merges of the hourly rollup 245 → 91 MiB). The
 * packed key (READING_ORDER_SQL, src/store/identity.ts) orders readings exactly as the tuple did, so every value, step
 * and tie is the one the v2 rollups gave; the result types (UInt64) do not change, so no reader changes.
 */
const rollupColumnsV3 = `
    platform    LowCardinality(String),
    metric      LowCardinality(String),
    tag         String CODEC(ZSTD(1)),
    bucket      DateTime('UTC') CODEC(Delta, ZSTD(1)),
    last_value  AggregateFunction(argMax, UInt64, Int128),  -- counter at the end of the bucket (Int128: the reading's order, READING_ORDER_SQL)
    first_value AggregateFunction(argMin, UInt64, Int128),  -- counter at the start of the bucket
    last_step   AggregateFunction(argMax, UInt64, Int128),  -- rounding step of last_value's reading (0 = exact)
    first_step  AggregateFunction(argMin, UInt64, Int128),  -- rounding step of first_value's reading (0 = exact)
    last_at     SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first_at    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    max_value   SimpleAggregateFunction(max, UInt64),
    min_value   SimpleAggregateFunction(min, UInt64)`;

const rollupWhyV3 = (grain: string) => `${rollupWhyV2(grain)}
The order of readings is one Int128 (READING_ORDER_SQL: observed_at in ms, then the rank, then the value, packed so
that integer order is the tuple's order): fixed-size argMin/argMax states, a third of the memory of a tuple's in every
insert and merge (migration 10).`;

const hourly: TableDef = { ...hourlyV1, name: T.hourly, columns: rollupColumnsV3, why: rollupWhyV3('Hourly') };
const daily: TableDef = { ...hourly, name: T.daily, partitionBy: 'toYear(bucket)', why: rollupWhyV3('Daily') };

const LAST_ORDER = READING_ORDER_SQL(SOURCE_RANK_SQL);
const FIRST_ORDER = READING_ORDER_SQL(`toUInt8(255 - ${SOURCE_RANK_SQL})`);
const rollupSelectV3 = (bucketExpr: string) => `SELECT
    platform, metric, tag, ${bucketExpr} AS bucket,
    argMaxState(value, ${LAST_ORDER}) AS last_value,
    argMinState(value, ${FIRST_ORDER}) AS first_value,
    argMaxState(step, ${LAST_ORDER}) AS last_step,
    argMinState(step, ${FIRST_ORDER}) AS first_step,
    max(observed_at) AS last_at,
    min(observed_at) AS first_at,
    max(value) AS max_value,
    min(value) AS min_value
FROM {raw}
WHERE precision != 'lower_bound' AND value > 0
GROUP BY platform, metric, tag, bucket`;

const hourlyMv: ViewDef = {
  name: 'observations_hourly_mv_v3',
  to: T.hourly,
  select: rollupSelectV3("toStartOfHour(observed_at, 'UTC')"),
  why: 'Feeds the hourly rollup from the RAW table (never cascaded from another rollup), at observed_at (when the value was read). Lower bounds are not counter readings and are left out.',
};
const dailyMv: ViewDef = {
  name: 'observations_daily_mv_v3',
  to: T.daily,
  select: rollupSelectV3("toStartOfDay(observed_at, 'UTC')"),
  why: 'Feeds the daily rollup, also from the RAW table, so a bug or duplicate in one rollup cannot spread into the other.',
};

/**
 * Every (platform, tag) with at least one stored observation (migration 32): what the on-read summary refresh asks
 * for (services/tag-summaries.ts refreshOnRead). The raw table answers it only by reading its two leading columns in
 * every row (0.2–0.9 s at 11M rows); the rollups leave lower bounds and zeros out, so a tag known only as "more than
 * X" would be missing there. Fed by a view from every raw row, no filter.
 */
const observationKeys: TableDef = {
  name: T.keys,
  columns: `
    platform LowCardinality(String),
    tag      String CODEC(ZSTD(1))`,
  engine: { kind: 'ReplacingMergeTree' },
  orderBy: '(platform, tag)',
  shardBy: 'cityHash64(platform, tag)',
  why: `Every (platform, tag) that has observations in ${T.observations}, one row each once merged (read with DISTINCT or
GROUP BY: parts not merged yet may repeat a key). Filled by observation_keys_mv_v1 from every raw row (lower bounds
and zeros included), and by an import's stage like the rollups. Rows are never deleted from ${T.observations}, so a key
never leaves.`,
};

const observationKeysMv: ViewDef = {
  name: 'observation_keys_mv_v1',
  to: T.keys,
  select: `SELECT DISTINCT platform, tag FROM {raw}`,
  why: `Feeds ${T.keys} from every raw row (no filter): the keys the summary refresh looks for.`,
};

/**
 * The views that feed a rollup from observations_v2, as the schema has them now. An import's stage
 * (ClickHouseStore.openImportStage) makes its own copy of each, so staged rows fill staged rollups the same way.
 */
export const OBSERVATION_VIEWS: readonly ViewDef[] = [hourlyMv, dailyMv, observationKeysMv];

const migrationsTable: TableDef = {
  name: T.migrations,
  columns: `
    version    UInt32,
    name       String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: { kind: 'ReplacingMergeTree', args: 'applied_at' },
  orderBy: 'version',
  shardBy: 'version',
  why: 'Applied migrations. Re-running a migration re-inserts its row; ReplacingMergeTree keeps one per version.',
};

const alerts: TableDef = {
  name: T.alerts,
  columns: `
    rule        String,
    platform    LowCardinality(String),
    tag         String,
    metric      LowCardinality(String),
    window_key  String,                                  -- dedup key: one delivery per rule, tag and episode
    fired_at    DateTime64(3, 'UTC'),
    payload     String CODEC(ZSTD(3)),
    delivered   Bool,
    attempts    UInt16,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: { kind: 'ReplacingMergeTree', args: 'updated_at' },
  orderBy: '(rule, platform, tag, metric, window_key)',
  ttl: "toDateTime(fired_at) + INTERVAL 400 DAY",
  settings: 'ttl_only_drop_parts = 1',
  shardBy: 'cityHash64(platform, tag)',
  why: 'Alert deliveries, deduplicated per rule, tag and episode (window_key). Latest delivery state wins.',
};

const nf = 'Nullable(Float64)';
const tagSummary: TableDef = {
  name: T.summary,
  columns: `
    platform            LowCardinality(String),
    tag                 String CODEC(ZSTD(1)),
    metric              LowCardinality(String),
    as_of               DateTime('UTC'),                      -- hour the row was computed in: stale once toStartOfHour(now()) passes it
    computed_at         DateTime64(3, 'UTC'),                 -- version: the latest computation wins
    window_end          Nullable(DateTime('UTC')),            -- the metrics' asOf: hour boundary every window ends at
    velocity_24h ${nf}, velocity_24h_low ${nf}, velocity_24h_high ${nf},
    growth_24h_pct ${nf}, growth_24h_pct_low ${nf}, growth_24h_pct_high ${nf},
    velocity_7d ${nf}, velocity_7d_low ${nf}, velocity_7d_high ${nf},
    growth_7d_pct ${nf}, growth_7d_pct_low ${nf}, growth_7d_pct_high ${nf},
    doubling_days ${nf}, doubling_days_low ${nf}, doubling_days_high ${nf},
    halving_days ${nf}, halving_days_low ${nf}, halving_days_high ${nf},
    z_score ${nf},
    breakout            Nullable(Bool),
    latest_value        Nullable(UInt64),                     -- exact; never a float
    latest_precision    LowCardinality(String),               -- exact | rounded | lower_bound | '' (none)
    latest_step         UInt64,
    latest_source       LowCardinality(String),
    latest_at           Nullable(DateTime64(3, 'UTC')),
    sample_hours        UInt32,                               -- hours with >= 1 usable reading (hourly rollup buckets), not raw rows
    methods             Array(LowCardinality(String)),
    first_at            Nullable(DateTime64(3, 'UTC')),
    last_at             Nullable(DateTime64(3, 'UTC')),
    lower_bound_only    Bool,
    max_lower_bound     Nullable(UInt64),
    spark_start         DateTime64(3, 'UTC'),
    spark_step_ms       UInt32,
    sparkline           Array(Nullable(Float64)),
    bins_signature      String`,
  engine: { kind: 'ReplacingMergeTree', args: 'computed_at' },
  orderBy: '(platform, tag, metric)',
  shardBy: 'cityHash64(platform, tag)',
  why: `Per-tag summary: the overview's metrics of each (platform, tag, metric), computed by the analytics' one definition
(computeMetrics on the hourly rollup's bins, src/services/tag-summaries.ts) and stored, so the overview reads one row
per tag instead of 16 days of bins per tag. ReplacingMergeTree(computed_at): the latest computation wins; read with
FINAL. Small (one row per series), no partitions, kept as long as the series. Column meanings: docs/data-model.md.`,
};

/** Migration 31: the leaderboard entry's fields, per window (24h, 7d) and per series; meanings in docs/data-model.md. */
const SUMMARY_LEADERBOARD_COLUMNS: [string, string, string][] = [
  ['metrics_at', "Nullable(DateTime64(3, 'UTC'))", 'The exact as-of time the metrics were computed for (NULL: a row from before migration 31).'],
  ['recent_bins', 'UInt32 DEFAULT 0', 'Hourly bins the metrics were computed from (16 days + 1 h before metrics_at): 0 = no data in range.'],
  ['bins_latest_value', 'Nullable(UInt64)', 'The latest reading of those bins (the leaderboard entry latestValue; lower bounds are not in bins).'],
  ['bins_latest_at', "Nullable(DateTime64(3, 'UTC'))", 'Its time.'],
  ...(['24h', '7d'] as const).flatMap((w): [string, string, string][] => [
    [`from_${w}`, "Nullable(DateTime64(3, 'UTC'))", `Start of the ${w} window (earlier when widened).`],
    [`to_${w}`, "Nullable(DateTime64(3, 'UTC'))", `End of the ${w} window (= window_end).`],
    [`delta_${w}`, 'Nullable(String)', `Counter change over the ${w} window, a signed decimal (exact).`],
    [`coverage_${w}`, 'Nullable(Float64)', `Share of the ${w} window covered by sampling.`],
    [`previous_velocity_${w}`, 'Nullable(Float64)', `Velocity per hour over the ${w} before the window.`],
  ]),
  ['growth_rate_per_day', 'Nullable(Float64)', 'Counter growth rate per day (7-day Theil–Sen fit).'],
  ['z_baseline_days', 'UInt16 DEFAULT 0', 'Daily velocities in the robust z baseline.'],
];

export const migrations: Migration[] = [
  { version: 1, name: 'create_schema_migrations', statements: (ctx) => renderTable(migrationsTable, ctx) },
  { version: 2, name: 'create_observations', statements: (ctx) => renderTable(observationsV1, ctx) },
  { version: 3, name: 'create_collection_failures', statements: (ctx) => renderTable(failures, ctx) },
  { version: 4, name: 'create_tracked_tags', statements: (ctx) => renderTable(tracked, ctx) },
  { version: 5, name: 'create_events', statements: (ctx) => renderTable(events, ctx) },
  {
    version: 6,
    name: 'create_rollups',
    statements: (ctx) => [
      ...renderTable(hourlyV1, ctx),
      ...renderTable(dailyV1, ctx),
      renderView(hourlyMvV1, localName(T_V1.observations, ctx), ctx),
      renderView(dailyMvV1, localName(T_V1.observations, ctx), ctx),
    ],
  },
  { version: 7, name: 'create_alert_deliveries', statements: (ctx) => renderTable(alerts, ctx) },
  {
    version: 8,
    name: 'observations_v2_time_and_identity',
    statements: (ctx) => [
      ...renderTable(observations, ctx),
      ...renderTable(hourlyV2, ctx),
      ...renderTable(dailyV2, ctx),
      renderView(hourlyMvV2, localName(T.observations, ctx), ctx),
      renderView(dailyMvV2, localName(T.observations, ctx), ctx),
    ],
    data: (ctx) => [copyV1(ctx)],
  },
  // Issue 10, big imports: the rollups with a fixed-size order of readings (see rollupColumnsV3). The new views first,
  // then the v2 views and tables dropped (derived data: the data steps derive the v3 rows from the raw table), then
  // the copy. A row written between the new view and the copy is in both: the rollups keep only argMax/argMin/max/min,
  // so a second copy of a row changes nothing, and re-running the copy after an interruption changes nothing either.
  {
    version: 10,
    name: 'rollups_int128_reading_order',
    statements: (ctx) => [
      ...renderTable(hourly, ctx),
      ...renderTable(daily, ctx),
      renderView(hourlyMv, localName(T.observations, ctx), ctx),
      renderView(dailyMv, localName(T.observations, ctx), ctx),
      renderDropView(T_V2.hourlyMv, 'The v2 view stops: the v3 view above feeds the hourly rollup now.', ctx),
      renderDropView(T_V2.dailyMv, 'The v2 view stops: the v3 view above feeds the daily rollup now.', ctx),
      ...renderDropTable(T_V2.hourly, `Derived data, replaced by ${T.hourly} (derived again from the raw table by the data step).`, ctx),
      ...renderDropTable(T_V2.daily, `Derived data, replaced by ${T.daily} (derived again from the raw table by the data step).`, ctx),
    ],
    data: (ctx) => [rollupFromRaw(hourlyMv, ctx), rollupFromRaw(dailyMv, ctx)],
  },
  // Issue 10, truth of the record: until the loader kept a slot's first stored reading (and `import --replace` rebuilt
  // the hours it replaced), a re-fetched slot or a replaced import row reached the raw table beside the reading it
  // duplicated: raw FINAL kept one, but the rollups' views had folded in both, so a bucket's max, first value or first
  // time could be a reading the raw table no longer holds. The rollups are derived data: emptied and derived again
  // from raw FINAL, as migration 10 did; the per-tag summary (computed from them) is emptied and refilled on read. Re-running after an interruption empties and derives them again. While it
  // runs (about 86 s for 11M rows, measured 2026-12-05), readers of the rollups see fewer buckets: it runs at the
  // first open after the upgrade, before the workers and the API start.
  {
    version: 11,
    name: 'rollups_rederived_from_raw_final',
    statements: () => [],
    dataDoneBy: [10],
    data: (ctx) => [
      { why: `empty ${T.hourly} (derived again from ${T.observations} FINAL by the next step)`, sql: renderTruncate(T.hourly, ctx) },
      rollupFromRaw(hourlyMv, ctx),
      { why: `empty ${T.daily} (derived again from ${T.observations} FINAL by the next step)`, sql: renderTruncate(T.daily, ctx) },
      rollupFromRaw(dailyMv, ctx),
      { why: `empty ${T.summary}, computed from the rollups before they were derived again (the overview's first read refills it)`, sql: renderTruncate(T.summary, ctx) },
    ],
  },
  {
    version: 20,
    name: 'failures_raw_ref',
    statements: (ctx) =>
      renderAddColumn(T.failures, 'raw_ref', "String DEFAULT '' CODEC(ZSTD(1))", 'Id of the saved raw response of a failed sample (<dataDir>/raw, services/raw-evidence.ts); empty when none was kept.', ctx),
  },
  // No data step: the rows are computed in TypeScript (computeMetrics), not by SQL. A store migrated with existing data
  // has no rows yet; the first overview read finds them missing and fills them (services/tag-summaries.ts).
  { version: 30, name: 'create_tag_summary', statements: (ctx) => renderTable(tagSummary, ctx) },
  // The leaderboard's fields the summary lacked (issue 15): the summary serves the current leaderboard (24h and 7d)
  // from the same computeMetrics result. No data step: rows written before have metrics_at NULL, which the on-read
  // refresh treats as stale (services/tag-summaries.ts), so they are recomputed with these columns.
  {
    version: 31,
    name: 'tag_summary_leaderboard',
    statements: (ctx) => SUMMARY_LEADERBOARD_COLUMNS.flatMap(([column, type, why]) => renderAddColumn(T.summary, column, type, why, ctx)),
  },
  // The keys of stored observations (issue 15, the overview's first request): the view first, then the copy of the keys
  // already stored, so a row written in between is in one or both (the read takes DISTINCT). Re-running the copy
  // adds the same keys again.
  {
    version: 32,
    name: 'create_observation_keys',
    statements: (ctx) => [...renderTable(observationKeys, ctx), renderView(observationKeysMv, localName(T.observations, ctx), ctx)],
    data: (ctx) => [
      {
        why: `copy the (platform, tag) keys of ${T.observations} into ${T.keys}`,
        sql: `INSERT INTO ${ctx.topology === 'cluster' ? T.keys : localName(T.keys, ctx)} (platform, tag)
SELECT DISTINCT platform, tag FROM ${ctx.topology === 'cluster' ? T.observations : localName(T.observations, ctx)}`,
      },
    ],
  },
  // Issue 15, figure 7h: the embedded store's dictionary of tracked cadences (trackedCadenceDictionary). A server or a
  // cluster gets none (no statement): its readers keep the scalar subquery (queries.ts report_input).
  { version: 33, name: 'create_tracked_cadence_dictionary', statements: (ctx) => (ctx.topology === 'embedded' ? [trackedCadenceDictionary()] : []) },
];

/**
 * Migration 8, data: every row of observations_v1 — raw, without FINAL, so a collected reading an import had replaced
 * but that ClickHouse had not merged away yet comes back as its own row — copied into observations_v2, the rollup
 * views of v2 filling the v2 rollups on the way. One change: a scheduled live sample (method http, browser or api,
 * time_precision instant) stored at its slot whose fetch lagged it gets observed_at = fetched_at. Everything else
 * keeps its observed_at: imports, Wayback captures, Research API rows (day rows; query-time sums, whose observed_at is
 * not their slot). key_at is the row's old observed_at, so v1's identity carries over one to one (nothing collapses
 * that v1 kept apart). Re-running it after an interruption copies the same rows with the same key and ingested_at
 * again: the ReplacingMergeTree collapses them and the rollups (argMax/argMin/max/min) do not change.
 * observations_v1 is left as it was.
 */
function copyV1(ctx: DdlContext): DataStep {
  const target = ctx.topology === 'cluster' ? T.observations : localName(T.observations, ctx);
  const source = ctx.topology === 'cluster' ? T_V1.observations : localName(T_V1.observations, ctx);
  return {
    why: `copy ${T_V1.observations} into ${T.observations}; late scheduled live samples get observed_at = fetched_at`,
    sql: `INSERT INTO ${target}
  (platform, tag, metric, observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at,
   provenance, note, time_precision, ingested_at, key_at)
SELECT platform, tag, metric,
  if(${LATE_LIVE_SAMPLE_SQL}, fetched_at, observed_at) AS corrected_observed_at,
  value, exact, step, precision, source, method, collector_version, slot, fetched_at,
  provenance, note, time_precision, ingested_at,
  observed_at AS v1_key_at
FROM ${source}`,
  };
}

/**
 * Migration 10, data: a rollup derived from the raw table by its view's own SELECT, over the raw table FINAL (each key
 * once, as every reader of raw rows sees it: a value an import replaced is not brought back). Aggregated in the raw
 * table's order (platform, tag, metric first), so the aggregation holds one series' buckets at a time, on one thread,
 * and written in blocks of 65,536 rollup rows. With ClickHouse's defaults (one insert block of up to 1M rows, several
 * threads) a 1,000,000-row store's copy took 1.27 GB of RSS; with these, about 0.7 GB (measured 2026-12-05).
 */
function rollupFromRaw(v: ViewDef, ctx: DdlContext): DataStep {
  const target = ctx.topology === 'cluster' ? v.to : localName(v.to, ctx);
  const source = ctx.topology === 'cluster' ? T.observations : localName(T.observations, ctx);
  return {
    why: `derive ${v.to} from ${T.observations} with the view's SELECT`,
    sql: `INSERT INTO ${target}\n${viewSelectFrom(v, `${source} FINAL`)}`,
    settings: { optimize_aggregation_in_order: 1, max_threads: 1, max_block_size: 65536, min_insert_block_size_rows: 65536, min_insert_block_size_bytes: 0 },
  };
}

/**
 * Migration 33 (embedded store only): every tracked tag's cadence, `every_ms` of its tracked row as a FINAL read gives
 * it (active or not: what `tracked_tag` reads), as a ClickHouse dictionary held in memory, so the report's one query
 * (queries.ts report_input) looks the cadence up by key instead of planning and running a second pipeline for it
 * (~2.5 ms of a ~14 ms read, issue 15). LIFETIME(0): never reloaded on a timer; ClickHouseStore loads it itself and
 * loads it again before the first read after any write of the tracked table (`#cadenceDictionaryCurrent`), and reads
 * through it only while it holds what the table holds. The source is a local query (no host, no credentials): on a
 * server it would need a user of its own, so only the embedded store (one process per data dir, which makes every
 * write of the table itself) has it.
 */
function trackedCadenceDictionary(): string {
  return `-- The tracked cadences, by (platform, tag), for the report's single read (loaded and reloaded by the store).
CREATE DICTIONARY IF NOT EXISTS ${T.trackedCadence} (platform String, tag String, every_ms UInt64)
PRIMARY KEY platform, tag
SOURCE(CLICKHOUSE(QUERY 'SELECT platform, tag, every_ms FROM ${T.tracked} FINAL'))
LAYOUT(COMPLEX_KEY_HASHED())
LIFETIME(0)`;
}

/** The rows migration 8 corrects (same condition in the test that proves it). */
export const LATE_LIVE_SAMPLE_SQL = `method IN ${LIVE_METHODS_SQL} AND time_precision = 'instant' AND observed_at = slot AND fetched_at > observed_at`;

/** All DDL of all migrations, in order, for one topology (used by `tagpulse migrate --print`). */
export function renderAll(ctx: DdlContext): string[] {
  return migrations.flatMap((m) => m.statements(ctx));
}

/** The data steps, in order, as `migrate --print` shows them (they run once, when their migration is not recorded). */
export function renderData(ctx: DdlContext): string[] {
  return migrations.flatMap((m) =>
    (m.data?.(ctx) ?? []).map((d) => {
      const settings = d.settings ? ` with settings ${Object.entries(d.settings).map(([k, v]) => `${k} = ${v}`).join(', ')}` : '';
      return `-- migration ${m.version} (runs once${settings}): ${d.why}\n${d.sql}`;
    }),
  );
}
