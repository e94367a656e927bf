/**
 * Redis killed (SIGKILL) and restarted in the middle of a run, with AOF on (fsync always in the test Redis). The
 * scheduler, the collect and load workers and the producers all reconnect by themselves; the backlog enqueued before
 * the crash drains, work enqueued after it is processed, scheduled sampling resumes, and every enqueued slot — manual
 * and scheduled — is stored exactly once.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Job } from 'bullmq';
import { addTracked } from '../../src/services/tracking.ts';
import { slotOf } from '../../src/workers/collect.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, slots, uniqueTags, type Rig } from './rig.ts';

/** The tags a collect job collects: one (`tag`) or a group's (`tags`, grouped scheduling since issue 15). */
const jobTags = (j: Job): string[] => (j.data as { tag?: string; tags?: string[] }).tags ?? [(j.data as { tag: string }).tag];

describe('fault: Redis restarted mid-run (AOF)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ fake: { latencyMs: 250 }, cfg: { collectConcurrency: 2, lockDurationMs: 3000, stalledIntervalMs: 500 } });
  });
  afterAll(async () => rig?.close());

  it('reconnects workers, producers and the scheduler; the backlog drains and nothing is lost', async () => {
    const [manualA, manualB, schedA, schedB] = uniqueTags('before', 'after', 'scheda', 'schedb');
    const app = await rig.startApp({ scheduler: true, collect: true, load: true }, { resyncMs: 500 });
    await addTracked(rig.store, { tags: [schedA!, schedB!], platform: 'tiktok', every: '10s' });
    await app.resync();
    await rig.enqueue([manualA!], slots(12));

    // Crash Redis while the backlog is being worked on: some samples done, others waiting or in flight.
    await waitUntil(() => rig.history.keys('ok').size >= 3, { timeoutMs: 30_000, what: 'a few samples acknowledged before the crash' });
    await rig.redis.kill();
    const crashedAt = Date.now();
    rig.history.fault('redis kill -9');
    await new Promise((r) => setTimeout(r, 2000));
    await rig.redis.restart();
    rig.history.fault('redis restarted from its AOF');

    // Producers fail fast while their connection is down; once it is back, new work is accepted.
    await waitUntil(async () => (await rig.enqueue([manualB!], slots(4, '2031-02-01T00:00:00.000Z'))).length === 4, { timeoutMs: 30_000, intervalMs: 500, what: 'the producer to accept jobs again' });

    // The scheduler resumes: each tracked tag gets a slot planned after the crash, and it is stored.
    const scheduledAfter = async () => {
      const jobs = (await rig.collectQueue.getJobs(['completed'])).filter((j: Job) => jobTags(j).some((t) => [schedA, schedB].includes(t)));
      return new Set(jobs.filter((j) => Date.parse(slotOf(j)) > crashedAt).flatMap(jobTags).filter((t) => [schedA, schedB].includes(t))).size === 2;
    };
    await waitUntil(scheduledAfter, { timeoutMs: 40_000, intervalMs: 500, what: 'scheduled samples of both tracked tags after the restart' });

    // Every collect job that is due — manual or produced by the scheduler — is an enqueued slot that must be stored.
    // (A delayed job whose slot is still in the future is the scheduler's next planned sample, not work yet.)
    const snapshotAt = Date.now();
    const all = await rig.collectQueue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
    for (const j of all.filter((x) => Date.parse(slotOf(x)) <= snapshotAt)) for (const t of jobTags(j)) rig.history.invoke(t, slotOf(j));
    const failed = await rig.collectQueue.getJobs(['failed']);
    expect(failed.map((j) => `${j.id}: ${j.failedReason}`)).toEqual([]);

    const result = await rig.waitClean('redis kill -9 + restart', [manualA!, manualB!, schedA!, schedB!]);
    expect(result.invoked).toBeGreaterThanOrEqual(16 + 2);
    expect(result.lost).toEqual([]);
  }, 120_000);
});
