/**
 * ClickHouse error codes → what to do. A server answers with a numeric code (the X-ClickHouse-Exception-Code header,
 * which @clickhouse/client exposes as ClickHouseError.code, a string) and chDB's messages carry "Code: NNN". Codes
 * that describe the statement or its data (unknown table, syntax, unparseable value, type mismatch, too large, no
 * permission) are permanent: the same insert will fail the same way, so the loader stops retrying its batch. Codes of
 * load or transport (TOO_MANY_PARTS, timeouts, memory, network, Keeper) and any code not listed are retryable: an
 * unknown error is treated as transient, as before, so nothing is given up on a guess.
 * Names and numbers checked against errorCodeToName() of the chDB engine in use (ClickHouse 25.8).
 */
import { StoreRejectedError, StoreUnavailableError } from './errors.ts';

/** Permanent: the statement or its data is wrong. */
export const PERMANENT_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [7, 'INCORRECT_NUMBER_OF_COLUMNS'],
  [10, 'NOT_FOUND_COLUMN_IN_BLOCK'],
  [15, 'DUPLICATE_COLUMN'],
  [16, 'NO_SUCH_COLUMN_IN_TABLE'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [36, 'BAD_ARGUMENTS'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [42, 'NUMBER_OF_ARGUMENTS_DOESNT_MATCH'],
  [43, 'ILLEGAL_TYPE_OF_ARGUMENT'],
  [44, 'ILLEGAL_COLUMN'],
  [46, 'UNKNOWN_FUNCTION'],
  [47, 'UNKNOWN_IDENTIFIER'],
  [50, 'UNKNOWN_TYPE'],
  [53, 'TYPE_MISMATCH'],
  [60, 'UNKNOWN_TABLE'],
  [62, 'SYNTAX_ERROR'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [73, 'UNKNOWN_FORMAT'],
  [80, 'INCORRECT_QUERY'],
  [81, 'UNKNOWN_DATABASE'],
  [115, 'UNKNOWN_SETTING'],
  [117, 'INCORRECT_DATA'],
  [128, 'TOO_LARGE_ARRAY_SIZE'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [164, 'READONLY'],
  [192, 'UNKNOWN_USER'],
  [194, 'REQUIRED_PASSWORD'],
  [229, 'QUERY_IS_TOO_LARGE'],
  [291, 'DATABASE_ACCESS_DENIED'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [376, 'CANNOT_PARSE_UUID'],
  [457, 'BAD_QUERY_PARAMETER'],
  [467, 'CANNOT_PARSE_BOOL'],
  [469, 'VIOLATED_CONSTRAINT'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
]);

/**
 * Retryable, listed for the record (any code not in the permanent table is retried). 456 UNKNOWN_QUERY_PARAMETER is
 * here because chDB reports clobbered parameters of concurrent queries that way (chdb-node#51): the statement is fine.
 */
export const RETRYABLE_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [159, 'TIMEOUT_EXCEEDED'],
  [173, 'CANNOT_ALLOCATE_MEMORY'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [225, 'NO_ZOOKEEPER'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [243, 'NOT_ENOUGH_SPACE'],
  [252, 'TOO_MANY_PARTS'],
  [279, 'ALL_CONNECTION_TRIES_FAILED'],
  [289, 'REPLICA_IS_NOT_IN_QUORUM'],
  [394, 'QUERY_WAS_CANCELLED'],
  [439, 'CANNOT_SCHEDULE_TASK'],
  [456, 'UNKNOWN_QUERY_PARAMETER'],
  [473, 'DEADLOCK_AVOIDED'],
  [745, 'SERVER_OVERLOADED'],
  [999, 'KEEPER_EXCEPTION'],
]);

/** The numeric ClickHouse code of an error: ClickHouseError.code ("60"), or "Code: 60" in a message (chDB, wrapped errors). */
export function clickHouseCodeOf(e: unknown): number | undefined {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (typeof err?.code === 'string' && /^\d+$/.test(err.code)) return Number(err.code);
  if (typeof err?.code === 'number' && Number.isInteger(err.code)) return err.code;
  const m = typeof err?.message === 'string' ? /\bCode:\s*(\d+)/.exec(err.message) : null;
  return m ? Number(m[1]) : undefined;
}

export function isPermanentClickHouseCode(code: number | undefined): boolean {
  return code !== undefined && PERMANENT_CLICKHOUSE_CODES.has(code);
}

/** A store error for a failed ClickHouse call: StoreRejectedError (permanent) or StoreUnavailableError (retryable). */
export function storeErrorFrom(what: string, e: unknown): StoreRejectedError | StoreUnavailableError {
  const message = (e as Error)?.message ?? String(e);
  const code = clickHouseCodeOf(e);
  if (code !== undefined && isPermanentClickHouseCode(code)) {
    const name = PERMANENT_CLICKHOUSE_CODES.get(code)!;
    return new StoreRejectedError(`${what} was rejected by ClickHouse (code ${code} ${name}), retrying cannot help: ${message}`, code, name, { cause: e });
  }
  const named = code === undefined ? '' : ` (code ${code}${RETRYABLE_CLICKHOUSE_CODES.has(code) ? ` ${RETRYABLE_CLICKHOUSE_CODES.get(code)}` : ''})`;
  return new StoreUnavailableError(`${what} failed${named}: ${message}`, { cause: e });
}
