/**
 * Scheduling: one BullMQ job scheduler per tracked (platform, tag) at its cadence. Upserts are idempotent, so the
 * scheduler can be synced at every start and after every `track add/remove`; schedulers of untracked tags are removed.
 */
import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';
import type { TrackedTag } from '../schema/tracked.ts';
import { safeJobId } from '../schema/jobs.ts';
import { logger } from '../util/log.ts';

export const schedulerId = (platform: string, tag: string) => safeJobId('sched', platform, tag);

/** `jobOptions` go on every scheduled job: without them BullMQ gives one attempt and keeps completed jobs forever. */
export async function syncSchedulers(
  tracked: TrackedTag[],
  queues: (platform: string) => Queue | undefined,
  jobOptions: JobSchedulerTemplateOptions = {},
): Promise<{ upserted: number; removed: number }> {
  const log = logger('scheduler');
  const want = new Map<string, Map<string, TrackedTag>>();
  for (const t of tracked.filter((x) => x.active)) {
    if (!want.has(t.platform)) want.set(t.platform, new Map());
    want.get(t.platform)!.set(schedulerId(t.platform, t.tag), t);
  }
  let upserted = 0;
  let removed = 0;
  const platforms = new Set([...want.keys()]);
  for (const platform of platforms) {
    const q = queues(platform);
    if (!q) {
      log.warn({ platform }, 'no collector for this platform; its tracked tags are not scheduled');
      continue;
    }
    for (const [id, t] of want.get(platform) ?? []) {
      await q.upsertJobScheduler(id, { every: t.everyMs }, { name: 'collect', data: { platform: t.platform, tag: t.tag, everyMs: t.everyMs, reason: 'schedule' }, opts: jobOptions });
      upserted++;
    }
  }
  return { upserted, removed: await removeStale(want, queues, [...platforms]) + removed };
}

async function removeStale(want: Map<string, Map<string, TrackedTag>>, queues: (platform: string) => Queue | undefined, platforms: string[]): Promise<number> {
  let removed = 0;
  for (const platform of new Set([...platforms, 'tiktok', 'instagram', 'youtube', 'tiktok_research'])) {
    const q = queues(platform);
    if (!q) continue;
    const existing = await q.getJobSchedulers(0, -1, true);
    for (const s of existing) {
      const id = s.key ?? (s as { id?: string }).id;
      if (id && !want.get(platform)?.has(id)) {
        await q.removeJobScheduler(id);
        removed++;
      }
    }
  }
  return removed;
}
