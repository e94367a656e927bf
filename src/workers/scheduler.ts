/**
 * Scheduling: one BullMQ job scheduler per tracked (platform, tag) at its cadence. Upserts are idempotent, so the
 * scheduler can be synced at every start and after every `track add/remove`; schedulers of untracked tags are removed.
 *
 * Tags of one cadence are spread across the cadence: each scheduler has a phase (BullMQ `every` + `offset`) taken
 * from a hash of (platform, tag), in whole seconds, so 2,000 hourly tags do not all fire at :00 and wait behind the
 * rate limit. The phase is deterministic, so a tag's slots are the same at every start and each slot keeps one
 * identity: the planned time in the job id `repeat:<schedulerId>:<plannedMillis>` (see collect.ts slotOf).
 * A scheduler created before phases existed (or with another phase) is replaced once, which moves its next slot.
 */
import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';
import type { TrackedTag } from '../schema/tracked.ts';
import { safeJobId } from '../schema/jobs.ts';
import { logger } from '../util/log.ts';

export const schedulerId = (platform: string, tag: string) => safeJobId('sched', platform, tag);

import { phaseMs } from '../queue/schedule-phase.ts';

export { phaseMs, plannedSlots } from '../queue/schedule-phase.ts';

/** `jobOptions` go on every scheduled job: without them BullMQ gives one attempt and keeps completed jobs forever. */
export async function syncSchedulers(
  tracked: TrackedTag[],
  queues: (platform: string) => Queue | undefined,
  jobOptions: JobSchedulerTemplateOptions = {},
): Promise<{ upserted: number; removed: number; rephased: number }> {
  const log = logger('scheduler');
  const want = new Map<string, Map<string, TrackedTag>>();
  for (const t of tracked.filter((x) => x.active)) {
    if (!want.has(t.platform)) want.set(t.platform, new Map());
    want.get(t.platform)!.set(schedulerId(t.platform, t.tag), t);
  }
  let upserted = 0;
  let rephased = 0;
  const platforms = new Set([...want.keys()]);
  for (const platform of platforms) {
    const q = queues(platform);
    if (!q) {
      log.warn({ platform }, 'no collector for this platform; its tracked tags are not scheduled');
      continue;
    }
    const existing = new Map((await q.getJobSchedulers(0, -1, true)).map((s) => [s.key ?? (s as { id?: string }).id, s as { every?: number | string; offset?: number | string }]));
    for (const [id, t] of want.get(platform) ?? []) {
      const offset = phaseMs(t.platform, t.tag, t.everyMs);
      const cur = existing.get(id);
      if (cur && Number(cur.every) === t.everyMs && Number(cur.offset ?? 0) !== offset) {
        await q.removeJobScheduler(id);
        rephased++;
      }
      await q.upsertJobScheduler(id, { every: t.everyMs, ...(offset ? { offset } : {}) }, { name: 'collect', data: { platform: t.platform, tag: t.tag, everyMs: t.everyMs, reason: 'schedule' }, opts: jobOptions });
      upserted++;
    }
  }
  return { upserted, removed: await removeStale(want, queues, [...platforms]), rephased };
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
