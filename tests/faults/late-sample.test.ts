/**
 * Late samples are stored at their read time (issue 10, "time and identity", the late-sample test).
 *
 * A collect job that runs late — after a retry's backoff, after its worker was killed and its lock expired, after a
 * restart — must store the value it read at the time it read it: observed_at = fetch time, and the value within the
 * fetch latency of what the local TikTok-shaped server says the true count was at that time (its counts grow by
 * 10,000 views per millisecond here, so a value stamped at its slot is off by tens of millions). The slot stays the
 * sample's identity: exactly one row per slot (the checker's duplicate check after FINAL, every slot stored).
 */
import { once } from 'node:events';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { App, AppRoles } from '../../src/runtime/app.ts';
import type { FakeTagSpec, FakeTikTokOptions, InjectedFailure } from '../../src/demo/fake-tiktok.ts';
import { seriesQuery, type ObservationRow } from '../../src/store/queries.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, uniqueTags, type Rig } from './rig.ts';

/** 3.6e10 views per hour: 10,000 per millisecond, linear. */
const FAST: FakeTagSpec = { views0: 1_000_000_000_000n, posts0: 50_000_000n, viewsPerHour: 36_000_000_000, postsPerHour: 3_600_000 };

describe('fault: late collect jobs store their value at the time it was read', () => {
  let rig: Rig;
  // Read by the server on every request, so each test can change what it injects.
  const fake: FakeTikTokOptions & { tags: Record<string, FakeTagSpec>; forceFailure: Record<string, InjectedFailure> } = { tags: {}, forceFailure: {} };

  beforeAll(async () => {
    rig = await startRig({ fake, cfg: { attempts: 4, backoffMs: 4000, lockDurationMs: 2000, stalledIntervalMs: 500 } });
  });
  afterAll(async () => rig?.close());
  // Each test's collectors stop with it, so the next test's job runs only where that test says.
  const running: App[] = [];
  const start = async (roles: Partial<AppRoles>) => {
    const app = await rig.startApp(roles);
    running.push(app);
    return app;
  };
  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop().catch(() => undefined);
    fake.latencyMs = 0;
  });

  const fastTag = (base: string) => {
    const [tag] = uniqueTags(base);
    fake.tags[tag!] = FAST;
    return tag!;
  };

  async function storedRow(tag: string, metric = 'views'): Promise<ObservationRow> {
    const rows = await rig.store.run(seriesQuery, { platform: 'tiktok', tag, metric });
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  /**
   * The stored value is what the source held at observed_at, within the fetch latency: the server computes the count when
   * the request arrives and answers latencyMs later, so truth(observed_at − latency − slack) ≤ value ≤ truth(observed_at).
   * A value stamped at its slot breaks the upper bound by the whole delay.
   */
  function expectReadAt(tag: string, row: ObservationRow, o: { slot: string; minDelayMs: number; latencyMs: number }) {
    expect(row.slot).toBe(o.slot);
    expect(row.observed_at).toBe(row.fetched_at);
    const observedMs = Date.parse(row.observed_at);
    expect(observedMs - Date.parse(o.slot)).toBeGreaterThanOrEqual(o.minDelayMs);
    const truth = (ms: number) => rig.fake.countsAt(tag, ms).views;
    const value = BigInt(row.value);
    expect(value <= truth(observedMs), `value ${value} is above the truth at observed_at ${row.observed_at} (${truth(observedMs)})`).toBe(true);
    expect(value >= truth(observedMs - o.latencyMs - 500), `value ${value} is older than the fetch latency allows`).toBe(true);
    // What the old code did: the same value at the slot, where the truth was tens of millions lower.
    expect(value - truth(Date.parse(o.slot)) > BigInt(o.minDelayMs - 500) * 10_000n).toBe(true);
  }

  it('after a restart: the job that waited for the collector is stored when it ran, not at its slot', async () => {
    const tag = fastTag('late_restart');
    const first = await start({ collect: true, load: true });
    const onTime = new Date().toISOString();
    await rig.enqueue([tag], [onTime]);
    await waitUntil(async () => (await rig.store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).length === 1, { what: 'the on-time sample' });
    await first.stop(); // Ctrl-C: graceful stop
    rig.history.fault('collector stopped (graceful, as Ctrl-C)');

    const late = new Date(Date.parse(onTime) + 1000).toISOString();
    await rig.enqueue([tag], [late]);
    await new Promise((r) => setTimeout(r, 3000));
    rig.history.fault('collector started again');
    await start({ collect: true, load: true });
    await rig.waitClean('late after a restart', [tag]);

    const rows = await rig.store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
    expect(rows.map((r) => r.slot)).toEqual([new Date(onTime).toISOString(), late]);
    // The on-time sample: read right after its slot.
    expect(Date.parse(rows[0]!.observed_at) - Date.parse(onTime)).toBeLessThan(2000);
    expectReadAt(tag, rows[1]!, { slot: late, minDelayMs: 2000, latencyMs: 0 });
  }, 60_000);

  it('after a retry with backoff: stored at the retry that read it', async () => {
    const tag = fastTag('late_retry');
    fake.forceFailure[tag] = 'captcha';
    await start({ collect: true, load: true });
    const slot = new Date().toISOString();
    await rig.enqueue([tag], [slot]);
    const before = rig.fake.failuresInjected;
    await waitUntil(async () => rig.fake.failuresInjected > before, { intervalMs: 10, what: 'the first attempt to get a captcha' });
    delete fake.forceFailure[tag]; // the retry, ≥ 2 s later (4 s backoff, jitter 0.5), succeeds
    rig.history.fault('captcha on attempt 1');
    await rig.waitClean('late after a retry', [tag]);
    const job = (await rig.collectQueue.getJobs(['completed'])).find((j) => (j.data as { tag: string }).tag === tag)!;
    expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
    expectReadAt(tag, await storedRow(tag), { slot, minDelayMs: 2000, latencyMs: 0 });
  }, 60_000);

  it('after a stalled lock (worker killed mid-fetch): stored at the re-run that read it', async () => {
    const tag = fastTag('late_stall');
    fake.latencyMs = 1200;
    // The only collector is the child (the earlier tests' apps are stopped).
    await start({ load: true });
    const child = rig.spawnCollectWorker();
    const slot = new Date().toISOString();
    const [id] = await rig.enqueue([tag], [slot]);
    try {
      // The child has sent its request (the server logged what it computed) and waits for the answer.
      await waitUntil(async () => rig.fake.served.some((s) => s.tag === tag) && (await rig.collectQueue.getJobState(id!)) === 'active', { timeoutMs: 30_000, intervalMs: 20, what: 'the child to hold the job in flight' });
    } catch (e) {
      throw new Error(`${(e as Error).message}\nchild output:\n${child.output()}`);
    }
    child.kill('SIGKILL');
    rig.history.fault(`kill -9 worker pid ${child.pid} holding ${id}`);
    await once(child, 'exit');
    await start({ collect: true });
    await rig.waitClean('late after a stalled lock', [tag]);
    expect(rig.stalled).toContain(id);
    // Lock (2 s) + stall check (0.5 s) + a second fetch of 1.2 s after the slot.
    expectReadAt(tag, await storedRow(tag), { slot, minDelayMs: 2500, latencyMs: 1200 });
  }, 90_000);
});
