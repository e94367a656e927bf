/**
 * The store unavailable while sampling goes on. Collect workers never touch the store, so samples keep being taken and
 * acknowledged; their observations wait in the load queue (BullMQ is the buffer) and are inserted after recovery,
 * exactly once per slot after FINAL.
 *  - loader stopped: no load worker at all for a while;
 *  - inserts failing: the real store behind a test double whose insertObservations throws (outage), then applies the
 *    insert but throws anyway (the answer was lost: the classic indeterminate failure), then recovers.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, slots, uniqueTags, type Rig } from './rig.ts';

type InsertFault = { mode: 'up' | 'down' | 'answer_lost'; injected: number };

/** The real store with a switchable fault on insertObservations; every other call goes straight through. */
function withInsertFault(store: Store, fault: InsertFault): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertObservations') {
        return async (...args: Parameters<Store['insertObservations']>) => {
          if (fault.mode === 'down') {
            fault.injected++;
            throw new StoreUnavailableError('insert into observations_v1 failed: injected outage');
          }
          const n = await target.insertObservations(...args);
          if (fault.mode === 'answer_lost') {
            fault.injected++;
            throw new StoreUnavailableError('insert into observations_v1 failed: injected timeout after the insert was applied');
          }
          return n;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('fault: store unavailable', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ fake: { latencyMs: 20 } });
  });
  afterAll(async () => rig?.close());

  const loadDepth = async () => {
    const c = await rig.loadQueue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
  };

  /** Distinct (tag, slot) samples carried by the load jobs not yet loaded. */
  const waitingSamples = async () => {
    const jobs = await rig.loadQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    return new Set(jobs.flatMap((j) => (j.data as { observations: { tag: string; slot: string }[] }).observations.map((o) => `${o.tag}|${o.slot}`))).size;
  };

  it('loader stopped: observations wait in the load queue and are inserted once it is back', async () => {
    const tags = uniqueTags('noloader_a', 'noloader_b');
    const collector = await rig.startApp({ collect: true });
    await rig.enqueue(tags, slots(3));
    await waitUntil(() => rig.history.keys('ok').size >= 6, { what: 'all six samples acknowledged without a loader' });
    // Issue 15: a load job carries the samples of the collect jobs that ran together, so count samples, not jobs.
    expect(await loadDepth()).toBeGreaterThanOrEqual(1);
    expect(await waitingSamples()).toBe(6);
    expect((await rig.check(tags)).storedSlots).toBe(0);
    rig.history.fault('loader down while 6 samples were acknowledged');

    const loader = await rig.startApp({ load: true });
    rig.history.fault('loader started');
    const result = await rig.waitClean('loader stopped, then started', tags);
    expect(result.storedSlots).toBe(6);
    await collector.stop();
    await loader.stop();
  }, 60_000);

  it('inserts failing, then applied with a lost answer: retried from the queue, one row per slot after FINAL', async () => {
    const tags = uniqueTags('outage_a', 'outage_b');
    const fault: InsertFault = { mode: 'down', injected: 0 };
    rig.history.fault('store down: every insert throws');
    const app = await rig.startApp({ collect: true, load: true }, { store: withInsertFault(rig.store, fault) });
    await rig.enqueue(tags, slots(4));

    // Sampling goes on; the load jobs fail and wait for their retry.
    await waitUntil(async () => rig.history.keys('ok').size >= 6 + 8 && fault.injected >= 2 && (await rig.loadQueue.getJobCounts('delayed')).delayed! > 0, {
      timeoutMs: 30_000,
      what: 'samples acknowledged while inserts fail, load jobs waiting for retry',
    });
    expect((await rig.check(tags)).storedSlots).toBe(0);

    const before = fault.injected;
    fault.mode = 'answer_lost';
    rig.history.fault('store applies inserts but the answer is lost');
    await waitUntil(() => fault.injected > before, { timeoutMs: 30_000, what: 'an insert applied with its answer lost' });
    const applied = (await rig.check(tags)).storedSlots;
    expect(applied).toBeGreaterThan(0);

    fault.mode = 'up';
    rig.history.fault('store recovered');
    await rig.waitClean('store down, then answers lost, then recovered', tags);
    // Jobs whose insert was applied but reported failed are still waiting for their retry: let them all land, then
    // the store must still hold exactly one row per slot.
    await waitUntil(async () => (await loadDepth()) === 0, { timeoutMs: 30_000, what: 'every retried load job done' });
    const result = await rig.waitClean('after every retry landed', tags, 5000);
    expect(result.storedSlots).toBe(8);
    await app.stop();
  }, 90_000);
});
