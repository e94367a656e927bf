/**
 * Issue 15, "a base error with a stable code, retryable and cause": every error class derives from TagpulseError, and
 * ClickHouse codes (ClickHouseError.code from the server's X-ClickHouse-Exception-Code, or "Code: NNN" in chDB's
 * messages) decide whether a store failure is permanent.
 */
import { describe, expect, it } from 'vitest';
import { TagpulseError, isRetryable } from '../../../src/errors.ts';
import { StoreError, StoreLockedError, StoreRejectedError, StoreUnavailableError, QueryValidationError } from '../../../src/store/errors.ts';
import { CollectRetryableError, LoadError } from '../../../src/workers/errors.ts';
import { ConfigError } from '../../../src/config/config.ts';
import { InvalidTagError } from '../../../src/schema/tag.ts';
import { HttpError } from '../../../src/api/router.ts';
import { UserError } from '../../../src/cli/common.ts';
import { clickHouseCodeOf, storeErrorFrom, PERMANENT_CLICKHOUSE_CODES, RETRYABLE_CLICKHOUSE_CODES } from '../../../src/store/clickhouse-errors.ts';

describe('TagpulseError', () => {
  it('every error class carries a stable code, retryable and cause', () => {
    const cause = new Error('root');
    const cases: [TagpulseError, string, boolean][] = [
      [new StoreError('x', { cause }), 'STORE_ERROR', true],
      [new StoreUnavailableError('x', { cause }), 'STORE_UNAVAILABLE', true],
      [new StoreLockedError('x', { cause }), 'STORE_LOCKED', false],
      [new QueryValidationError('x', { cause }), 'QUERY_INVALID', false],
      [new StoreRejectedError('x', 60, 'UNKNOWN_TABLE', { cause }), 'STORE_REJECTED', false],
      [new CollectRetryableError('network', 'x', { cause }), 'COLLECT_RETRY', true],
      [new LoadError('x', { cause }), 'LOAD_FAILED', true],
      [new ConfigError('x', { cause }), 'CONFIG_INVALID', false],
      [new UserError('x', { cause }), 'USER_ERROR', false],
    ];
    for (const [e, code, retryable] of cases) {
      expect(e).toBeInstanceOf(TagpulseError);
      expect(e).toBeInstanceOf(Error);
      expect({ name: e.name, code: e.code, retryable: e.retryable, cause: e.cause }).toEqual({ name: e.constructor.name, code, retryable, cause });
    }
    expect(new InvalidTagError('a b', 'space')).toMatchObject({ code: 'TAG_INVALID', retryable: false });
    expect(new HttpError(503, 'STORE_DOWN', 'x')).toMatchObject({ code: 'STORE_DOWN', retryable: true, status: 503 });
    expect(new HttpError(400, 'BAD_REQUEST', 'x').retryable).toBe(false);
  });

  it('an error of unknown origin counts as retryable (nothing is given up on a guess)', () => {
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable(new StoreRejectedError('x', 62, 'SYNTAX_ERROR'))).toBe(false);
  });
});

describe('ClickHouse error codes', () => {
  it('reads the code from ClickHouseError.code and from chDB messages', () => {
    expect(clickHouseCodeOf(Object.assign(new Error('Table default.nope does not exist'), { code: '60', type: 'UNKNOWN_TABLE' }))).toBe(60);
    expect(clickHouseCodeOf(new Error('Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS)'))).toBe(252);
    expect(clickHouseCodeOf(new Error('wrapped: Code: 62. DB::Exception: Syntax error'))).toBe(62);
    expect(clickHouseCodeOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });

  it('permanent: syntax, unknown table, type mismatch, unparseable or too large values; retryable: load and transport', () => {
    for (const code of [62, 60, 53, 27, 6, 131, 469]) expect(storeErrorFrom('insert into t', new Error(`Code: ${code}. DB::Exception: x`))).toMatchObject({ code: 'STORE_REJECTED', retryable: false, clickhouseCode: code });
    for (const code of [252, 159, 241, 209, 210, 999, 456]) expect(storeErrorFrom('insert into t', new Error(`Code: ${code}. DB::Exception: x`))).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    expect(storeErrorFrom('insert into t', new Error('Code: 100000. unheard of')).retryable).toBe(true);
    expect(storeErrorFrom('insert into t', new Error('Code: 252. x')).message).toContain('TOO_MANY_PARTS');
  });

  it('no code is both permanent and retryable', () => {
    for (const code of PERMANENT_CLICKHOUSE_CODES.keys()) expect(RETRYABLE_CLICKHOUSE_CODES.has(code), String(code)).toBe(false);
  });
});
