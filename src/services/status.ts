/** Status: queue depths, the last observation per tracked tag, recent failures. */
import type { Queue } from 'bullmq';
import type { Store } from '../store/store.ts';
import { latestQuery, recentFailuresQuery } from '../store/queries.ts';
import { listTracked } from './tracking.ts';

export interface QueueDepth {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export async function queueDepths(queues: Queue[]): Promise<QueueDepth[]> {
  return Promise.all(
    queues.map(async (q) => {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
      return { queue: q.name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0 };
    }),
  );
}

export interface TagStatus {
  platform: string;
  tag: string;
  everyMs: number;
  latest: { metric: string; value: string; exact: boolean; step: string; source: string; observedAt: string; samples: number }[];
}

export async function storeStatus(store: Store, opts: { failuresSinceMs?: number; failureLimit?: number } = {}) {
  const tracked = await listTracked(store);
  const latest = tracked.length ? await store.run(latestQuery, { platforms: tracked.map((t) => t.platform), tags: tracked.map((t) => t.tag) }) : [];
  const byKey = new Map<string, TagStatus>(tracked.map((t) => [`${t.platform}|${t.tag}`, { platform: t.platform, tag: t.tag, everyMs: t.everyMs, latest: [] }]));
  for (const r of latest) {
    byKey.get(`${r.platform}|${r.tag}`)?.latest.push({ metric: r.metric, value: r.value, exact: r.exact, step: r.step, source: r.source, observedAt: r.latest_at, samples: Number(r.samples) });
  }
  const failures = await store.run(recentFailuresQuery, { since: new Date(Date.now() - (opts.failuresSinceMs ?? 24 * 3600_000)).toISOString(), limit: opts.failureLimit ?? 20 });
  return { tags: [...byKey.values()], failures };
}
