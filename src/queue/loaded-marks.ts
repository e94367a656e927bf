/**
 * Why: a slot delivered twice (a collect job re-run after a lost lock, a retried add) must not reach the store twice.
 * With one load job per sample a deterministic job id did that; a load job now carries many samples (load-buffer.ts),
 * so the loader remembers which rows it stored instead: one Redis sorted set per load queue, member = the row's
 * identity (the same identity the store's ReplacingMergeTree keys on, schema/identity.ts), score = when it was stored.
 * A row whose identity is already there is dropped before the insert; rows are marked after their insert succeeded and
 * before their job completes. So the first stored reading of a slot is the one kept: a re-fetch of the slot (a
 * re-delivered collect job: another value, another read time) is dropped, never inserted beside it — the raw table
 * would keep the later one (FINAL) while the rollups' views had folded in both (issue 10, truth of the record).
 * A crash between the insert and the mark would leave rows stored but unmarked; so before each insert their
 * identities are written to a second set, `<key>:loading` (write-ahead). A row found there but not in the loaded set
 * may have been stored by a process that died: the loader asks the store (workers/load.ts) before inserting it. Members older than retentionMs are trimmed on each mark
 * (one hour: what completed load jobs were kept for when their ids did this job); a slot older than that may have a
 * reading whose mark is gone, so the loader asks the store about it instead of trusting the marks. One key, so it works on Redis
 * Cluster too (it shares the queue's hash-tagged prefix).
 */
import type { Redis } from 'ioredis';
import type { Observation } from '../schema/observation.ts';
import type { CollectionFailure } from '../schema/failure.ts';
import { identityOf } from '../schema/identity.ts';

export const LOADED_RETENTION_MS = 3_600_000;

/** A stored row's identity as one string: observations by (platform, tag, metric, keyAt, origin); failures by attempt. */
export function observationMark(o: Observation): string {
  const id = identityOf(o);
  return `o|${id.platform}|${id.tag}|${id.metric}|${id.keyAt}|${id.origin}`;
}

export function failureMark(f: CollectionFailure): string {
  return `f|${f.platform}|${f.tag}|${f.slot}|${f.kind}|${f.attempt}|${f.occurredAt}`;
}

export class LoadedMarks {
  constructor(
    private readonly redis: Pick<Redis, 'zmscore' | 'multi'>,
    /** e.g. `<prefix>:<load queue>:loaded` */
    readonly key: string,
    /** How long a mark is kept: an identity stored longer ago than this is no longer known here (the loader then asks the store). */
    readonly retentionMs = LOADED_RETENTION_MS,
  ) {}

  /** The write-ahead set: identities about to be inserted (see the top of this file). */
  get loadingKey(): string {
    return `${this.key}:loading`;
  }

  /**
   * For each mark: 'stored' (marked within the retention), 'maybe' (written ahead of an insert but never marked: the
   * process may have died after storing it) or 'new'. One round trip.
   */
  async states(marks: string[], nowMs = Date.now()): Promise<('stored' | 'maybe' | 'new')[]> {
    if (!marks.length) return [];
    const res = await (this.redis as Pick<Redis, 'multi'>).multi().zmscore(this.key, ...marks).zmscore(this.loadingKey, ...marks).exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
    const since = nowMs - this.retentionMs;
    const loaded = res![0]![1] as (string | null)[];
    const loading = res![1]![1] as (string | null)[];
    return marks.map((_, i) => (loaded[i] !== null && Number(loaded[i]) >= since ? 'stored' : loading[i] !== null && Number(loading[i]) >= since ? 'maybe' : 'new'));
  }

  /** Write marks ahead of their insert (the loading set), and trim its old ones. One round trip. */
  async markLoading(marks: string[], nowMs = Date.now()): Promise<void> {
    if (!marks.length) return;
    const args: (string | number)[] = [];
    for (const m of marks) args.push(nowMs, m);
    const res = await this.redis
      .multi()
      .zadd(this.loadingKey, ...args)
      .zremrangebyscore(this.loadingKey, '-inf', nowMs - this.retentionMs)
      .exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
  }

  /** For each mark: was it stored already (within the retention)? One round trip. */
  async stored(marks: string[], nowMs = Date.now()): Promise<boolean[]> {
    if (!marks.length) return [];
    const scores = await this.redis.zmscore(this.key, ...marks);
    const since = nowMs - this.retentionMs;
    return scores.map((s) => s !== null && Number(s) >= since);
  }

  /** Record marks as stored, and trim the old ones. One round trip. */
  async mark(marks: string[], nowMs = Date.now()): Promise<void> {
    if (!marks.length) return;
    const args: (string | number)[] = [];
    for (const m of marks) args.push(nowMs, m);
    const res = await this.redis
      .multi()
      .zadd(this.key, ...args)
      .zremrangebyscore(this.key, '-inf', nowMs - this.retentionMs)
      .exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
  }
}
