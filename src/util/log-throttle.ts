/**
 * Bounded logging for repeating failures. A failure that repeats (Redis refusing connections, a full disk, a MISCONF
 * reply on every command) must not flood the log: the first occurrence of each distinct error is logged at once, then
 * at most one summary line per `summaryEveryMs` with how many occurrences it stands for. pino has no such feature and
 * the libraries that do (rate-limited loggers) count per message text, not per error kind, so this is hand-written.
 * The clock is injectable so tests count lines against a fake clock, not wall time.
 */
export interface ThrottleSink {
  (level: 'warn' | 'error', fields: Record<string, unknown>, message: string): void;
}

export interface LogThrottleOptions {
  /** One summary per distinct error at most this often (ms). Default 30 s. */
  summaryEveryMs?: number;
  /** Clock (ms); default Date.now. */
  now?: () => number;
  /** Distinct keys remembered; the oldest is forgotten beyond this (bounded memory). */
  maxKeys?: number;
}

interface Entry {
  firstAtMs: number;
  lastLoggedAtMs: number;
  /** Occurrences since the last line written for this key. */
  suppressed: number;
  total: number;
  lastMessage: string;
}

export class LogThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #every: number;
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(
    private readonly sink: ThrottleSink,
    opts: LogThrottleOptions = {},
  ) {
    this.#every = opts.summaryEveryMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    this.#maxKeys = opts.maxKeys ?? 256;
  }

  /**
   * Report one occurrence of the error identified by `key` (e.g. `redis:ECONNREFUSED`). Returns true when a line was
   * written for it. `fields` and `message` describe the latest occurrence.
   */
  report(key: string, message: string, fields: Record<string, unknown> = {}, level: 'warn' | 'error' = 'warn'): boolean {
    const now = this.#now();
    const e = this.#entries.get(key);
    if (!e) {
      if (this.#entries.size >= this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { firstAtMs: now, lastLoggedAtMs: now, suppressed: 0, total: 1, lastMessage: message });
      this.sink(level, { ...fields, errorKey: key }, message);
      return true;
    }
    e.total++;
    e.suppressed++;
    e.lastMessage = message;
    if (now - e.lastLoggedAtMs < this.#every) return false;
    const windowS = Math.round((now - e.lastLoggedAtMs) / 1000);
    this.sink(level, { ...fields, errorKey: key, repeated: e.suppressed, windowS, totalSinceFirst: e.total }, `${message} (repeated ${e.suppressed} times in the last ${windowS} s)`);
    e.lastLoggedAtMs = now;
    e.suppressed = 0;
    return true;
  }

  /** The failure stopped (e.g. Redis is back): log how many occurrences went unreported, and forget the key. */
  resolve(key: string, message: string, fields: Record<string, unknown> = {}): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.sink('warn', { ...fields, errorKey: key, repeated: e.suppressed, totalSinceFirst: e.total, lastedS: Math.round((this.#now() - e.firstAtMs) / 1000) }, message);
  }

  /** Keys currently failing, with their totals (for health reporting). */
  active(): { key: string; total: number; sinceMs: number; lastMessage: string }[] {
    return [...this.#entries].map(([key, e]) => ({ key, total: e.total, sinceMs: e.firstAtMs, lastMessage: e.lastMessage }));
  }
}
