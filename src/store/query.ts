/**
 * Named, typed queries: zod in, zod out, every value bound as a {name:Type} parameter. The name goes into
 * logs and the ClickHouse log_comment, so a slow query can be traced to the code that issued it.
 */
import type { z } from 'zod';

export interface NamedQuery<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly params: P;
  readonly row: R;
  /** SQL with {name:Type} placeholders only. {table} tokens are not allowed: table names are fixed in the text. */
  readonly sql: string;
  /**
   * The answer is one row whose fields are the result's columns, each an array of its values in row order
   * (ClickHouse's JSONColumnsWithMetadata format), checked once by `row`: for reads of thousands of narrow rows, where an
   * object and a check per row cost more than the query (compare's readings, issue 15).
   */
  readonly columns?: boolean;
  /**
   * The same query for the embedded store while its dictionaries hold what their tables hold (ClickHouseStore decides,
   * per read): same parameters, same answer, cheaper. Elsewhere `sql` is run. A query with this text has a test that
   * proves the two equal.
   */
  readonly embeddedSql?: string;
}

export function defineQuery<P extends z.ZodType, R extends z.ZodType>(q: NamedQuery<P, R>): NamedQuery<P, R> {
  if (/\$\{/.test(q.sql) || /\$\{/.test(q.embeddedSql ?? '')) throw new Error(`query ${q.name}: template placeholders are not allowed; bind values as {name:Type}`);
  return Object.freeze(q);
}

export type QueryParams<Q extends NamedQuery> = z.input<Q['params']>;
export type QueryRow<Q extends NamedQuery> = z.output<Q['row']>;

export interface QueryStats {
  rowsRead: number;
  bytesRead: number;
  elapsedMs: number;
}
