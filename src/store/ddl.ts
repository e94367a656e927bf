/**
 * DDL rendered per topology.
 *
 *  - embedded: chDB in-process (one node, no users, no Keeper). Plain *MergeTree engines.
 *  - single:   one ClickHouse server. Same engines as embedded.
 *  - cluster:  Replicated*MergeTree local tables created ON CLUSTER with {shard}/{replica} macros, plus a
 *              Distributed table per base name sharded by tag, so all rows of one tag live on one shard and
 *              ReplacingMergeTree dedup and the per-tag rollups stay correct without cross-shard merges.
 *
 * Every table definition carries a comment saying why its engine, key, codecs and TTL were chosen.
 */
export type Topology = 'embedded' | 'single' | 'cluster';

export interface DdlContext {
  topology: Topology;
  /** Cluster name for ON CLUSTER and Distributed (topology cluster). */
  cluster: string;
  /**
   * Database of the tables. In a cluster, ON CLUSTER DDL fills in the database only for the table being created, not
   * for tables named inside the statement (AS x_local, TO/FROM of views; ClickHouse issue #8445), so those names are
   * qualified with it. Unset: the connection's default database.
   */
  database?: string;
}

export interface TableDef {
  /** Logical name used by queries (the Distributed table in a cluster). */
  name: string;
  columns: string;
  engine: { kind: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree'; args?: string };
  partitionBy?: string;
  orderBy: string;
  ttl?: string;
  settings?: string;
  /** Sharding key for the Distributed table (cluster topology). */
  shardBy: string;
  why: string;
}

export interface ViewDef {
  name: string;
  to: string;
  select: string;
  why: string;
}

const quoteIdent = (s: string) => '`' + s.replace(/`/g, '``') + '`';

/** A table named inside another statement: qualified with the database in a cluster (see DdlContext.database). */
function inner(name: string, ctx: DdlContext): string {
  return ctx.topology === 'cluster' && ctx.database ? `${quoteIdent(ctx.database)}.${quoteIdent(name)}` : quoteIdent(name);
}

export function localName(name: string, ctx: DdlContext): string {
  return ctx.topology === 'cluster' ? `${name}_local` : name;
}

function onCluster(ctx: DdlContext): string {
  return ctx.topology === 'cluster' ? ` ON CLUSTER ${quoteCluster(ctx.cluster)}` : '';
}

function quoteCluster(c: string): string {
  return c.startsWith('{') ? `'${c}'` : quoteIdent(c);
}

function engineClause(t: TableDef, ctx: DdlContext): string {
  const args = t.engine.args ?? '';
  if (ctx.topology !== 'cluster') return `${t.engine.kind}(${args})`;
  const path = `'/clickhouse/tables/{shard}/{database}/${localName(t.name, ctx)}'`;
  return `Replicated${t.engine.kind}(${[path, "'{replica}'", args].filter(Boolean).join(', ')})`;
}

export function renderTable(t: TableDef, ctx: DdlContext): string[] {
  const local = localName(t.name, ctx);
  const lines = [
    `-- ${t.why.replace(/\n/g, '\n-- ')}`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(local)}${onCluster(ctx)}`,
    `(`,
    t.columns.trim(),
    `)`,
    `ENGINE = ${engineClause(t, ctx)}`,
  ];
  if (t.partitionBy) lines.push(`PARTITION BY ${t.partitionBy}`);
  lines.push(`ORDER BY ${t.orderBy}`);
  if (t.ttl) lines.push(`TTL ${t.ttl}`);
  if (t.settings) lines.push(`SETTINGS ${t.settings}`);
  const out = [lines.join('\n')];
  if (ctx.topology === 'cluster') {
    out.push(
      [
        `-- Distributed front of ${local}: sharded by ${t.shardBy} so every row of one tag lands on one shard.`,
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(t.name)}${onCluster(ctx)} AS ${inner(local, ctx)}`,
        `ENGINE = Distributed(${quoteCluster(ctx.cluster)}, ${ctx.database && ctx.topology === 'cluster' ? `'${ctx.database.replace(/'/g, "''")}'` : 'currentDatabase()'}, ${quoteIdent(local)}, ${t.shardBy})`,
      ].join('\n'),
    );
  }
  return out;
}

/**
 * Materialized views read the RAW local table of their own shard and write the LOCAL rollup table; in a cluster the
 * rollup's Distributed table then reads all shards. Because tags never span shards, per-tag aggregates stay exact.
 */
export function renderView(v: ViewDef, rawLocal: string, ctx: DdlContext): string {
  return [
    `-- ${v.why.replace(/\n/g, '\n-- ')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${quoteIdent(localName(v.name, ctx))}${onCluster(ctx)} TO ${inner(localName(v.to, ctx), ctx)}`,
    `AS ${viewSelectFrom(v, inner(rawLocal, ctx))}`,
  ].join('\n');
}

/** A view's SELECT reading `from` (a table name, quoted as needed, optionally with FINAL): the one text of the view. */
export function viewSelectFrom(v: ViewDef, from: string): string {
  return v.select.replace(/\{raw\}/g, from);
}

/** DROP VIEW of a view created by renderView (its local name, on every node of a cluster); idempotent. */
export function renderDropView(name: string, why: string, ctx: DdlContext): string {
  return `-- ${why.replace(/\n/g, '\n-- ')}\nDROP VIEW IF EXISTS ${quoteIdent(localName(name, ctx))}${onCluster(ctx)} SYNC`;
}

/** DROP TABLE of a table created by renderTable (in a cluster its Distributed front, then its local tables); idempotent. */
export function renderDropTable(name: string, why: string, ctx: DdlContext): string[] {
  const drop = (n: string) => `-- ${why.replace(/\n/g, '\n-- ')}\nDROP TABLE IF EXISTS ${quoteIdent(n)}${onCluster(ctx)} SYNC`;
  return ctx.topology === 'cluster' ? [drop(name), drop(localName(name, ctx))] : [drop(name)];
}

/** TRUNCATE of a table created by renderTable (in a cluster its local tables on every shard); idempotent. */
export function renderTruncate(name: string, ctx: DdlContext): string {
  return `TRUNCATE TABLE IF EXISTS ${quoteIdent(localName(name, ctx))}${onCluster(ctx)} SYNC`;
}

/**
 * ADD COLUMN IF NOT EXISTS, idempotent like every migration (they all re-run on open). In a cluster the column is
 * added to the local tables ON CLUSTER and to the Distributed table, which does not follow its local table by itself.
 */
export function renderAddColumn(table: string, column: string, type: string, why: string, ctx: DdlContext): string[] {
  const add = (name: string) => `ALTER TABLE ${quoteIdent(name)}${onCluster(ctx)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column)} ${type}`;
  const out = [`-- ${why}\n${add(localName(table, ctx))}`];
  if (ctx.topology === 'cluster') out.push(`-- The Distributed front gets the column too.\n${add(table).replace(/ CODEC\([^)]*\)\)?/, '')}`);
  return out;
}
