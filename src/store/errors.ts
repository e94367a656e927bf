/** Store errors say what the caller should do next. All derive from the base TagpulseError (src/errors.ts). */
import { TagpulseError, type TagpulseErrorOptions } from '../errors.ts';

export class StoreError extends TagpulseError {
  override readonly code: string = 'STORE_ERROR';
  /** Retryable unless said otherwise: retrying the same operation later may succeed. */
  constructor(message: string, options: TagpulseErrorOptions = {}) {
    super(message, { retryable: true, ...options });
  }
}

/** Another process holds the embedded data dir. Not retryable by this command: talk to the owner or stop it. */
export class StoreLockedError extends StoreError {
  override readonly code = 'STORE_LOCKED';
  override readonly retryable = false;
}

export class StoreUnavailableError extends StoreError {
  override readonly code = 'STORE_UNAVAILABLE';
}

export class QueryValidationError extends StoreError {
  override readonly code = 'QUERY_INVALID';
  override readonly retryable = false;
}

/**
 * ClickHouse refused the statement itself (unknown table, syntax, a value it cannot parse, a type mismatch, no
 * permission): sending the same statement again gives the same answer. `clickhouseCode` is the server's numeric code
 * (clickhouse-errors.ts maps it).
 */
export class StoreRejectedError extends StoreError {
  override readonly code = 'STORE_REJECTED';
  override readonly retryable = false;
  constructor(
    message: string,
    readonly clickhouseCode: number,
    readonly clickhouseName: string,
    options: TagpulseErrorOptions = {},
  ) {
    super(message, options);
  }
}
