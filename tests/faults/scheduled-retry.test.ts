/**
 * Transient platform failures (captcha answers) on SCHEDULED samples. A retryable failure must be retried with the
 * configured backoff rather than end the slot: scheduled jobs carry the same retry policy as manual ones.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Job } from 'bullmq';
import { addTracked, removeTracked } from '../../src/services/tracking.ts';
import { slotOf } from '../../src/workers/collect.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, uniqueTags, type Rig } from './rig.ts';

/** The tags a collect job collects: one (`tag`) or a group's (`tags`, grouped scheduling since issue 15). */
const jobTags = (j: Job): string[] => (j.data as { tag?: string; tags?: string[] }).tags ?? [(j.data as { tag: string }).tag];

describe('fault: captcha answers on scheduled samples', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ fake: { failureRate: 0.3, failureKinds: ['captcha'], seed: 7 }, cfg: { attempts: 6, backoffMs: 100 } });
  });
  afterAll(async () => rig?.close());

  it('retries them with backoff until the slot is stored; no scheduled job fails', async () => {
    const tags = uniqueTags('sa', 'sb', 'sc', 'sd', 'se', 'sf');
    const app = await rig.startApp({ scheduler: true, collect: true, load: true });
    // 10 s, not 1 h: since issue 12 a tag's first slot is at its phase within the cadence (tags are spread), not at once.
    await addTracked(rig.store, { tags, platform: 'tiktok', every: '10s' });
    await app.resync();

    // Wait until the first scheduled job of each tag has finished, either way.
    const finished = async () => {
      const jobs = await rig.collectQueue.getJobs(['completed', 'failed']);
      return new Set(jobs.flatMap(jobTags).filter((t) => tags.includes(t))).size === tags.length ? jobs : undefined;
    };
    await waitUntil(finished, { timeoutMs: 30_000, what: 'one finished scheduled job per tag' });
    // Stop the schedule; every scheduled job that ran (one or more per tag) is a slot that must be stored.
    await removeTracked(rig.store, { tags, platform: 'tiktok' });
    await app.resync();
    await waitUntil(async () => (await rig.collectQueue.getActiveCount()) === 0, { timeoutMs: 20_000, what: 'no job in flight' });
    const jobs = (await rig.collectQueue.getJobs(['completed', 'failed'])).filter((j: Job) => jobTags(j).some((t) => tags.includes(t)));
    expect(rig.fake.failuresInjected).toBeGreaterThan(0);
    expect(await rig.collectQueue.getJobs(['failed'])).toEqual([]);

    for (const j of jobs) for (const t of jobTags(j)) rig.history.invoke(t, slotOf(j));
    // A scheduled slot is the planned time on the cadence grid, not the moment the job was last rescheduled. (Grouped
    // scheduling: a tag that failed in its group job goes on alone as `tag-<platform>-<tag>-<slot millis>`.)
    for (const j of jobs) expect(slotOf(j)).toBe(new Date(Number(j.id!.split(/[:-]/).pop())).toISOString());
    await rig.waitClean('captcha answers on scheduled samples', tags);
  }, 60_000);
});
