/**
 * Scheduling: BullMQ job schedulers for the tracked tags. Upserts are idempotent, so the schedulers can be synced at
 * every start and after every `track add/remove`; schedulers no longer wanted are removed.
 *
 * Grouped (the default, collectGroupMaxTags > 1; issue 15): the tags of one (platform, cadence, phase bucket) share
 * job schedulers of at most collectGroupMaxTags tags each (queue/schedule-phase.ts planSchedulers); one job per slot
 * collects all of them, each tag keeping its own slot, read time, row and retries (workers/collect.ts). Why: a
 * collect job's BullMQ work cost as much as the fetch; a group pays it once. collectGroupMaxTags 1 gives one scheduler
 * per (platform, tag), as before.
 *
 * Phases spread a cadence: per tag (in whole seconds, from a hash of platform and tag), or per bucket
 * (collectGroupPhaseStepMs apart, the bucket from the same kind of hash), so 2,000 hourly tags do not all fire at :00.
 * Either is deterministic, so a tag's slots are the same at every start and each slot keeps one identity: the planned
 * time in the job id `repeat:<schedulerId>:<plannedMillis>` (see collect.ts slotOf). A scheduler created with another
 * phase (or before phases, or before grouping) is replaced, which moves its tags' next slot once.
 */
import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';
import type { TrackedTag } from '../schema/tracked.ts';
import { safeJobId } from '../schema/jobs.ts';
import { logger } from '../util/log.ts';
import { planSchedulers, type Grouping, type PlannedScheduler } from '../queue/schedule-phase.ts';

/** The per-tag scheduler id (collectGroupMaxTags 1). */
export const schedulerId = (platform: string, tag: string) => safeJobId('sched', platform, tag);

export { phaseMs, plannedSlots, bucketPhaseMs, tagPhaseMs, planSchedulers, type Grouping } from '../queue/schedule-phase.ts';

/** One scheduler per tag: what collectGroupMaxTags 1 gives (and tests that pin the per-tag model use). */
export const PER_TAG: Grouping = { maxTags: 1, phaseStepMs: 60_000 };

/** `jobOptions` go on every scheduled job: without them BullMQ gives one attempt and keeps completed jobs forever. */
export async function syncSchedulers(
  tracked: TrackedTag[],
  queues: (platform: string) => Queue | undefined,
  jobOptions: JobSchedulerTemplateOptions = {},
  grouping: Grouping = PER_TAG,
): Promise<{ upserted: number; removed: number; rephased: number; schedulers: PlannedScheduler[] }> {
  const log = logger('scheduler');
  const plan = planSchedulers(tracked.filter((x) => x.active), grouping);
  const want = new Map<string, Map<string, PlannedScheduler>>();
  for (const p of plan) {
    if (!want.has(p.platform)) want.set(p.platform, new Map());
    want.get(p.platform)!.set(p.id, p);
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
    for (const [id, p] of want.get(platform) ?? []) {
      const cur = existing.get(id);
      if (cur && Number(cur.every) === p.everyMs && Number(cur.offset ?? 0) !== p.offsetMs) {
        await q.removeJobScheduler(id);
        rephased++;
      }
      const data = p.grouped ? { platform, tags: p.tags, everyMs: p.everyMs, reason: 'schedule' } : { platform, tag: p.tags[0], everyMs: p.everyMs, reason: 'schedule' };
      await q.upsertJobScheduler(id, { every: p.everyMs, ...(p.offsetMs ? { offset: p.offsetMs } : {}) }, { name: 'collect', data, opts: jobOptions });
      upserted++;
    }
  }
  return { upserted, removed: await removeStale(want, queues, [...platforms]), rephased, schedulers: plan };
}

async function removeStale(want: Map<string, Map<string, PlannedScheduler>>, queues: (platform: string) => Queue | undefined, platforms: string[]): Promise<number> {
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
