/**
 * What kind of fault an error is, decided from codes — Node's errno codes (`EACCES`, `ENOSPC`…), the `errno: N` and
 * `Code: N.` numbers ClickHouse/chDB put in their exceptions, and the error code Redis puts first in every error reply
 * (`MISCONF`, `OOM`, `NOPERM`, `READONLY`) — never from words of a message (a path such as `…/chdb/status` once
 * made a permission error read as "in use by another process"). Kept apart from the store's error types so that
 * its errors derive from the base error (src/errors.ts). Each kind carries what the user should do next.
 */
import { TagpulseError } from '../errors.ts';
export type FaultKind =
  /** The process may not write (or read) the data: permissions or ownership. Needs a change by the user. */
  | 'permission_denied'
  /** The filesystem is mounted read-only. Needs a change by the user. */
  | 'read_only_fs'
  /** No space left (or quota exceeded). Needs a change by the user. */
  | 'disk_full'
  /** Redis refuses writes because it cannot persist (MISCONF: its last AOF/RDB write failed — usually a full disk). */
  | 'redis_misconf'
  /** Redis reached maxmemory with noeviction (OOM reply). */
  | 'redis_oom'
  /** Redis is not reachable (refused, reset, closed). Transient: it may come back. */
  | 'redis_unreachable'
  | 'other';

/** errno numbers (Linux) that ClickHouse prints as `errno: N`. */
const ERRNO_NUMBERS: Readonly<Record<number, string>> = { 1: 'EPERM', 13: 'EACCES', 28: 'ENOSPC', 30: 'EROFS', 122: 'EDQUOT' };
/** ClickHouse error codes (src/Common/ErrorCodes.cpp). */
const CH_NOT_ENOUGH_SPACE = 243;
const CH_CANNOT_WRITE_TO_FILE_DESCRIPTOR = 75;
const CH_CANNOT_OPEN_FILE = 76;
const CH_CANNOT_FSYNC = 95;
const CH_ACCESS_DENIED = 497;

interface ErrLike {
  code?: unknown;
  errno?: unknown;
  clickhouseCode?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** errno code name of an error: Node's `code`, or the `errno: N` number of a ClickHouse exception. */
export function errnoOf(e: unknown): string | undefined {
  for (const err of chain(e)) {
    if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) return err.code;
    const m = typeof err.message === 'string' ? /\berrno: (\d+)\b/.exec(err.message) : null;
    if (m) return ERRNO_NUMBERS[Number(m[1])] ?? `errno ${m[1]}`;
  }
  return undefined;
}

/** ClickHouse numeric error code (`Code: 243.` / `clickhouseCode` / ClickHouseError.code). */
export function clickhouseCodeOf(e: unknown): number | undefined {
  for (const err of chain(e)) {
    if (typeof err.clickhouseCode === 'number') return err.clickhouseCode;
    if (typeof err.code === 'string' && /^\d+$/.test(err.code)) return Number(err.code);
    const m = typeof err.message === 'string' ? /\bCode: (\d+)\./.exec(err.message) : null;
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The error code of a Redis error reply: its first word, by protocol (e.g. `MISCONF`, `OOM`, `NOPERM`). */
export function redisReplyCodeOf(e: unknown): string | undefined {
  for (const err of chain(e)) {
    if ((err as { name?: unknown }).name !== 'ReplyError' || typeof err.message !== 'string') continue;
    return /^([A-Z]+)\b/.exec(err.message)?.[1];
  }
  return undefined;
}

export function faultKindOf(e: unknown): FaultKind {
  const reply = redisReplyCodeOf(e);
  if (reply === 'MISCONF') return 'redis_misconf';
  if (reply === 'OOM') return 'redis_oom';
  if (reply === 'NOPERM') return 'permission_denied';
  const errno = errnoOf(e);
  if (errno === 'EACCES' || errno === 'EPERM') return 'permission_denied';
  if (errno === 'EROFS') return 'read_only_fs';
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return 'disk_full';
  if (errno === 'ECONNREFUSED' || errno === 'ECONNRESET' || errno === 'ENOENT' || errno === 'EPIPE') return 'redis_unreachable';
  const ch = clickhouseCodeOf(e);
  if (ch === CH_NOT_ENOUGH_SPACE) return 'disk_full';
  if (ch === CH_ACCESS_DENIED) return 'permission_denied';
  if ((ch === CH_CANNOT_OPEN_FILE || ch === CH_CANNOT_WRITE_TO_FILE_DESCRIPTOR || ch === CH_CANNOT_FSYNC) && errno) return faultKindOf({ code: errno });
  for (const err of chain(e)) if ((err as { message?: unknown }).message === 'Connection is closed.') return 'redis_unreachable';
  return 'other';
}

/** Faults that cannot clear without a change by the user: retrying at once only spins. */
export function needsUserChange(kind: FaultKind): boolean {
  return kind === 'permission_denied' || kind === 'read_only_fs' || kind === 'disk_full' || kind === 'redis_misconf' || kind === 'redis_oom';
}

/** What to do next, per kind (`where` names the directory or service concerned). */
export function adviceFor(kind: FaultKind, where: string): string {
  switch (kind) {
    case 'permission_denied':
      return `permission denied on ${where}: run tagpulse as the user that owns it (ls -ld ${where}), fix its ownership/permissions (chown/chmod), or use another --data-dir`;
    case 'read_only_fs':
      return `${where} is on a read-only filesystem: remount it read-write or use another --data-dir`;
    case 'disk_full':
      return `no space left on the disk of ${where}: free space (df -h ${where}) or move the data dir; tagpulse resumes by itself once there is room`;
    case 'redis_misconf':
      return `Redis refuses writes because it cannot persist its data (MISCONF; usually a full disk under ${where}): free space; collection resumes by itself once Redis can write again`;
    case 'redis_oom':
      return `Redis reached its maxmemory (OOM): raise maxmemory or drain the queues; collection resumes by itself`;
    case 'redis_unreachable':
      return `Redis at ${where} is not reachable: tagpulse keeps retrying; check that redis-server runs`;
    default:
      return '';
  }
}

/** An environment fault a command cannot work around (permission, read-only, full disk); retryable only when the disk is full. */
export class EnvironmentFaultError extends TagpulseError {
  override readonly code: string;
  constructor(
    readonly kind: FaultKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { ...(options && 'cause' in options ? { cause: options.cause } : {}), retryable: kind === 'disk_full' });
    this.code = kind === 'permission_denied' ? 'PERMISSION_DENIED' : kind === 'read_only_fs' ? 'READ_ONLY_FS' : kind === 'disk_full' ? 'DISK_FULL' : 'ENVIRONMENT';
  }
}

function* chain(e: unknown): Generator<ErrLike> {
  let cur: unknown = e;
  for (let i = 0; i < 8 && cur && typeof cur === 'object'; i++) {
    yield cur as ErrLike;
    cur = (cur as ErrLike).cause;
  }
}
