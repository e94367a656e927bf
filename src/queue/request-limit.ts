/**
 * Why: a collect job may now fetch several tags (grouped scheduling, workers/scheduler.ts), and BullMQ's limiter counts
 * jobs, so it can no longer be the platform's politeness limit. This limiter counts requests: one per collector call,
 * i.e. per tag and slot (a TikTok Research API collect may page through several requests; its daily request quota
 * is kept by that collector).
 *
 * It lives in Redis, not in the process, because the limit is per platform across every worker process (as BullMQ's
 * limiter was): one key per collect queue. It paces evenly, like `evenPacing` did for jobs: one request per
 * gapMs = duration / max, so any span of one window sees at most max + 1 requests. The algorithm is GCRA (a
 * "theoretical arrival time" per key) with reservations: one script call reserves the start times of up to n requests
 * (one round trip for a whole group), using Redis's own clock so that processes on other machines agree. Requests
 * whose turn would come later than maxWaitMs are not reserved; the caller hands those tags on (collect.ts).
 *
 * The in-process `Semaphore` bounds the requests in flight per worker process and platform (collectConcurrency),
 * whatever the number of jobs running. Hand-written: a dozen lines, and no maintained package of that size is installed.
 */
import type { Redis } from 'ioredis';

const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local want = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local firstWait = tat - now
local grant = 0
if firstWait <= maxWait then
  grant = math.floor((maxWait - firstWait) / gap) + 1
  if grant > want then grant = want end
end
local newTat = tat + grant * gap
if grant > 0 then redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.ceil(newTat - now) + 1000) end
return { grant, string.format('%.3f', firstWait), string.format('%.3f', newTat - now) }
`;

export interface Reservation {
  /** How many of the requests asked for are reserved (the first `granted` of them). */
  granted: number;
  /** Milliseconds from now until request i (0-based, i < granted) may start. */
  startInMs(i: number): number;
  /** Milliseconds from now until the next request after these may start (where the ones not granted should be delayed to). */
  nextInMs: number;
}

export class RequestLimiter {
  readonly gapMs: number;
  /** Calls to Redis (tests: a group of n tags costs one). */
  reservations = 0;

  constructor(
    private readonly redis: Pick<Redis, 'eval'>,
    readonly key: string,
    /** At most `max` requests per `durationMs`, paced evenly. */
    limit: { max: number; durationMs: number },
    private readonly maxWaitMs: number,
  ) {
    this.gapMs = limit.durationMs / limit.max;
  }

  /** Reserve start times for up to `n` requests (one round trip). */
  async reserve(n: number): Promise<Reservation> {
    this.reservations++;
    const [granted, firstWait, next] = (await this.redis.eval(RESERVE, 1, this.key, String(n), String(this.gapMs), String(this.maxWaitMs))) as [number, string, string];
    const first = Number(firstWait);
    const gap = this.gapMs;
    return { granted: Number(granted), startInMs: (i) => first + i * gap, nextInMs: Number(next) };
  }
}

/** At most `size` holders at once; waiters are served in arrival order. */
export class Semaphore {
  #free: number;
  #queue: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#queue.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
