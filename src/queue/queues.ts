/**
 * Queue topology:
 *   collect-<platform>  one queue per platform, so each has its own global rate limit (BullMQ limiters are per queue);
 *                       job schedulers (upsertJobScheduler) produce one job per tracked tag and cadence.
 *   load                observations and failures waiting to be batch-inserted. Collectors never touch the store.
 */
import { Queue, type JobsOptions, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';

export const LOAD_QUEUE = 'load';
export const collectQueueName = (platform: string) => `collect-${platform}`;

export interface QueueNaming {
  /** BullMQ key prefix; use a hash tag ("{tagpulse}") on Redis Cluster so each queue's keys share a slot. */
  prefix: string;
  /** Extra suffix that isolates queues (tests use random ones). */
  suffix?: string;
}

export const qname = (base: string, n: QueueNaming) => (n.suffix ? `${base}-${n.suffix}` : base);

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

export function collectJobOptions(p: RetryPolicy): JobsOptions {
  return {
    attempts: p.attempts,
    // Exponential backoff with jitter spreads retries of many tags that failed together.
    backoff: { type: 'exponential', delay: p.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function loadJobOptions(): JobsOptions {
  return {
    // The store may be down for a while: keep retrying (about a day) rather than lose observations.
    attempts: 200,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.3 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: false,
  };
}

export function openQueue(base: string, conn: Redis | ConnectionOptions, n: QueueNaming): Queue {
  const q = new Queue(qname(base, n), { connection: conn as ConnectionOptions, prefix: n.prefix });
  q.on('error', () => undefined);
  return q;
}
