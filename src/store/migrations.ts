/**
 * Numbered, append-only migrations. Every statement is idempotent (IF NOT EXISTS), so running all of them again
 * is harmless; applied versions are also recorded in schema_migrations_v1. Never edit a released migration:
 * add the next number.
 */
import { type DdlContext, type TableDef, type ViewDef, localName, renderTable, renderView } from './ddl.ts';

export interface Migration {
  version: number;
  name: string;
  statements(ctx: DdlContext): string[];
}

export const T = {
  observations: 'observations_v1',
  failures: 'collection_failures_v1',
  tracked: 'tracked_tags_v1',
  events: 'events_v1',
  hourly: 'observations_hourly_v1',
  daily: 'observations_daily_v1',
  migrations: 'schema_migrations_v1',
  alerts: 'alert_deliveries_v1',
} as const;

const observations: TableDef = {
  name: T.observations,
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

const hourly: TableDef = {
  name: T.hourly,
  columns: rollupColumns,
  engine: { kind: 'AggregatingMergeTree' },
  partitionBy: 'toYYYYMM(bucket)',
  orderBy: '(platform, metric, tag, bucket)',
  shardBy: 'cityHash64(platform, tag)',
  why: rollupWhy('Hourly'),
};
const daily: TableDef = { ...hourly, name: T.daily, partitionBy: 'toYear(bucket)', why: rollupWhy('Daily') };

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

const hourlyMv: ViewDef = {
  name: 'observations_hourly_mv_v1',
  to: T.hourly,
  select: rollupSelect("toStartOfHour(observed_at, 'UTC')"),
  why: 'Feeds the hourly rollup from the RAW table (never cascaded from another rollup). Lower bounds are not counter readings and are left out.',
};
const dailyMv: ViewDef = {
  name: 'observations_daily_mv_v1',
  to: T.daily,
  select: rollupSelect("toStartOfDay(observed_at, 'UTC')"),
  why: 'Feeds the daily rollup, also from the RAW table, so a bug or duplicate in one rollup cannot spread into the other.',
};

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

export const migrations: Migration[] = [
  { version: 1, name: 'create_schema_migrations', statements: (ctx) => renderTable(migrationsTable, ctx) },
  { version: 2, name: 'create_observations', statements: (ctx) => renderTable(observations, ctx) },
  { version: 3, name: 'create_collection_failures', statements: (ctx) => renderTable(failures, ctx) },
  { version: 4, name: 'create_tracked_tags', statements: (ctx) => renderTable(tracked, ctx) },
  { version: 5, name: 'create_events', statements: (ctx) => renderTable(events, ctx) },
  {
    version: 6,
    name: 'create_rollups',
    statements: (ctx) => [
      ...renderTable(hourly, ctx),
      ...renderTable(daily, ctx),
      renderView(hourlyMv, localName(T.observations, ctx), ctx),
      renderView(dailyMv, localName(T.observations, ctx), ctx),
    ],
  },
  { version: 7, name: 'create_alert_deliveries', statements: (ctx) => renderTable(alerts, ctx) },
];

/** All DDL of all migrations, in order, for one topology (used by `tagpulse migrate --print`). */
export function renderAll(ctx: DdlContext): string[] {
  return migrations.flatMap((m) => m.statements(ctx));
}
