/**
 * kill -9 of a collector worker process in the middle of its jobs. The child is a real `tagpulse worker --queues collect`
 * process; the local server answers slowly, so the child holds jobs in flight when it is killed. Its job locks then
 * expire (lockDurationMs), the stall detector of a surviving worker moves the jobs back to wait, they re-run once,
 * and every slot ends with exactly one row after FINAL.
 */
import { once } from 'node:events';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, slots, uniqueTags, type Rig } from './rig.ts';

describe('fault: collector worker killed with SIGKILL mid-job', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ fake: { latencyMs: 1200 }, cfg: { collectConcurrency: 3, lockDurationMs: 2000, stalledIntervalMs: 500 } });
  });
  afterAll(async () => rig?.close());

  it('re-runs the in-flight jobs in a surviving worker after stall detection; one row per slot', async () => {
    const tags = uniqueTags('killa', 'killb', 'killc');
    await rig.startApp({ load: true });
    const ids = await rig.enqueue(tags, slots(3)); // 9 jobs, 3 at a time in the child
    const child = rig.spawnCollectWorker();

    // Kill once the child has finished a first wave and holds a second wave in flight (requests sent, no answer yet).
    let inflight: string[] = [];
    try {
      await waitUntil(
        async () => {
          const c = await rig.collectQueue.getJobCounts('completed', 'active');
          if ((c.completed ?? 0) < 3 || c.active !== 3 || rig.fake.requests < 6) return false;
          inflight = (await rig.collectQueue.getActive()).map((j) => j.id!);
          return inflight.length === 3;
        },
        { timeoutMs: 30_000, intervalMs: 25, what: 'the child worker to hold a second wave of jobs in flight' },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\nchild output:\n${child.output()}`);
    }
    child.kill('SIGKILL');
    rig.history.fault(`kill -9 worker pid ${child.pid} holding ${inflight.join(', ')}`);
    await once(child, 'exit');
    expect(child.signalCode).toBe('SIGKILL');

    await rig.startApp({ collect: true }); // the survivor
    const result = await rig.waitClean('worker SIGKILL mid-job', tags);

    expect(result.invoked).toBe(ids.length);
    expect(result.acked).toBe(ids.length);
    expect(result.storedSlots).toBe(ids.length);
    // The jobs the child held were detected as stalled and completed on their second run, not failed or duplicated.
    expect([...new Set(rig.stalled)].sort()).toEqual([...inflight].sort());
    for (const id of inflight) {
      const job = (await rig.collectQueue.getJob(id))!;
      expect(await job.getState()).toBe('completed');
      expect(job.stalledCounter).toBe(1);
    }
  }, 90_000);
});

describe('fault: collector worker killed with SIGKILL mid-group-job', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ fake: { latencyMs: 1200 }, cfg: { collectConcurrency: 3, lockDurationMs: 2000, stalledIntervalMs: 500 } });
  });
  afterAll(async () => rig?.close());

  it('a group job in flight when its worker is killed re-runs in the survivor; one row per tag and slot (issue 15)', async () => {
    const tags = uniqueTags('gkilla', 'gkillb', 'gkillc');
    await rig.startApp({ load: true });
    const ids = await rig.enqueueGroups(tags, slots(2, '2031-05-01T00:00:00.000Z')); // 2 group jobs of 3 tags
    const requestsBefore = rig.fake.requests;
    const child = rig.spawnCollectWorker();
    // Kill while the child holds both group jobs with requests sent and no answer yet (the server answers in 1.2 s).
    let inflight: string[] = [];
    try {
      await waitUntil(
        async () => {
          if (rig.fake.requests < requestsBefore + 3) return false;
          inflight = (await rig.collectQueue.getActive()).map((j) => j.id!).filter((id) => ids.includes(id));
          return inflight.length === 2;
        },
        { timeoutMs: 30_000, intervalMs: 25, what: 'the child worker to hold both group jobs in flight' },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\nchild output:\n${child.output()}`);
    }
    child.kill('SIGKILL');
    rig.history.fault(`kill -9 worker pid ${child.pid} holding ${inflight.join(', ')}`);
    await once(child, 'exit');

    await rig.startApp({ collect: true }); // the survivor
    const result = await rig.waitClean('worker SIGKILL mid-group-job', tags);
    expect(result.invoked).toBe(6);
    expect(result.acked).toBe(6);
    expect(result.storedSlots).toBe(6);
    for (const id of inflight) {
      const job = (await rig.collectQueue.getJob(id))!;
      expect(await job.getState()).toBe('completed');
      expect(job.stalledCounter).toBe(1);
    }
  }, 90_000);
});
