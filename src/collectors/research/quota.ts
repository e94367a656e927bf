/**
 * The TikTok Research API's daily quota (1,000 requests and 100,000 records per UTC day, reset at 00:00 UTC), kept in
 * a small JSON file in the data dir so that a restart, or a second worker process on the same machine, cannot spend it
 * twice. A request is written down *before* it is sent (and its worst-case record count checked), so a crash between
 * send and bookkeeping errs on the side of spending less.
 *
 * Read-modify-write happens under an exclusive lock file (O_EXCL); a lock older than STALE_LOCK_MS is from a process
 * that died and is broken. Workers on other machines keep their own ledger: give each its share of the quota
 * (researchDailyRequestQuota / researchDailyRecordQuota).
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';

export interface QuotaLimits {
  requestsPerDay: number;
  recordsPerDay: number;
}

export const QuotaState = z.object({ day: z.string().regex(/^\d{4}-\d\d-\d\d$/), requests: z.number().int().nonnegative(), records: z.number().int().nonnegative() });
export type QuotaState = z.infer<typeof QuotaState>;

export class QuotaExhaustedError extends Error {
  readonly code = 'RESEARCH_QUOTA';
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
    this.name = new.target.name;
  }
}

export class QuotaLedgerError extends Error {
  readonly code = 'RESEARCH_QUOTA_LEDGER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;
const LOCK_POLL_MS = 20;

/** Milliseconds from `nowMs` to the next 00:00 UTC, when the quota resets. */
export function msUntilUtcMidnight(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - nowMs;
}

export class FileQuotaLedger {
  readonly #lockPath: string;

  constructor(
    readonly path: string,
    private readonly limits: QuotaLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.#lockPath = `${path}.lock`;
  }

  /**
   * Write down one request that may return up to `maxRecords` records, or throw QuotaExhaustedError (with the time
   * until the reset) if that could exceed today's requests or records.
   */
  reserveRequest(maxRecords: number): Promise<QuotaState> {
    return this.#update((s) => {
      const reset = msUntilUtcMidnight(this.now());
      if (s.requests + 1 > this.limits.requestsPerDay) throw new QuotaExhaustedError(`the Research API quota of ${this.limits.requestsPerDay} requests for ${s.day} (UTC) is used up`, reset);
      if (s.records + maxRecords > this.limits.recordsPerDay) throw new QuotaExhaustedError(`the Research API quota of ${this.limits.recordsPerDay} records for ${s.day} (UTC) is (nearly) used up: ${s.records} spent`, reset);
      return { ...s, requests: s.requests + 1 };
    });
  }

  /** Count the records a request actually returned. */
  addRecords(n: number): Promise<QuotaState> {
    return this.#update((s) => ({ ...s, records: s.records + n }));
  }

  /** TikTok said the daily quota is exceeded (it may count differently, or another client shares the key): stop for today. */
  markExhausted(): Promise<QuotaState> {
    return this.#update((s) => ({ ...s, requests: Math.max(s.requests, this.limits.requestsPerDay) }));
  }

  /** Today's state (a new day starts at zero). */
  state(): Promise<QuotaState> {
    return this.#update((s) => s);
  }

  async #update(change: (s: QuotaState) => QuotaState): Promise<QuotaState> {
    await this.#lock();
    try {
      const next = change(this.#read());
      this.#write(next);
      return next;
    } finally {
      try {
        unlinkSync(this.#lockPath);
      } catch {
        /* already broken as stale by another process */
      }
    }
  }

  #today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  #read(): QuotaState {
    const today = this.#today();
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { day: today, requests: 0, records: 0 };
      throw new QuotaLedgerError(`cannot read the Research API quota ledger ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    let parsed: QuotaState;
    try {
      parsed = QuotaState.parse(JSON.parse(text));
    } catch (e) {
      // Refuse to guess: an unreadable ledger could hide a spent quota.
      throw new QuotaLedgerError(`the Research API quota ledger ${this.path} is corrupt; check it (or delete it if no request was sent today)`, { cause: e });
    }
    return parsed.day === today ? parsed : { day: today, requests: 0, records: 0 };
  }

  #write(s: QuotaState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s) + '\n');
    renameSync(tmp, this.path);
  }

  async #lock(): Promise<void> {
    mkdirSync(dirname(this.#lockPath), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(this.#lockPath, 'wx'));
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new QuotaLedgerError(`cannot lock ${this.#lockPath}: ${(e as Error).message}`, { cause: e });
      }
      if (this.#lockIsStale()) {
        try {
          unlinkSync(this.#lockPath);
        } catch {
          /* someone else broke it first */
        }
        continue;
      }
      if (Date.now() > deadline) throw new QuotaLedgerError(`the Research API quota ledger ${this.path} stayed locked for ${LOCK_WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }

  #lockIsStale(): boolean {
    try {
      return Date.now() - statSync(this.#lockPath).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false;
    }
  }
}
