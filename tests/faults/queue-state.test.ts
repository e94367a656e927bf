/**
 * Queue state and health against the real queue and store (issue 12):
 *  - health per role: a collecting process answers 503 while Redis is down; a serving-only one stays 200 (finding 1);
 *  - missing AOF: Redis comes back empty while the store has data → the tracked tags' missed slots are found, one
 *    warning with the count is logged, and status/ops can show them (finding 5);
 *  - the first live slot after a Redis restart: a slot whose job was lost with Redis is collected (late, at its real
 *    fetch time) as soon as Redis is back, instead of being skipped until the next resync (finding 6);
 *  - phases: tags of one cadence get distinct, deterministic slots; a resync keeps them (the spread of finding 7).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { addTracked } from '../../src/services/tracking.ts';
import { latestQuery } from '../../src/store/queries.ts';
import { createRootLogger } from '../../src/util/log.ts';
import { buildOps } from '../../src/dashboard/ops.ts';
import { tagPhaseMs } from '../../src/workers/scheduler.ts';
import { slotOf } from '../../src/workers/collect.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startRig, uniqueTags, type Rig } from './rig.ts';

const captured: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    captured.push(...String(chunk).split('\n').filter(Boolean));
    cb();
  },
});

describe('fault: queue state, health per role', () => {
  let rig: Rig;
  beforeAll(async () => {
    createRootLogger('warn', [], sink);
    rig = await startRig({ cfg: { apiPort: 0, collectConcurrency: 2 } });
  });
  afterAll(async () => {
    await rig?.close();
    createRootLogger('silent');
  });

  /** The rig's own producer reconnects with backoff: wait for it after a restart before asking Redis anything. */
  const rigReady = () => waitUntil(async () => (await rig.collectQueue.getJobSchedulersCount()) >= 0, { timeoutMs: 30_000, intervalMs: 250, what: "the rig's Redis connection" });
  /** The id of the job scheduler whose jobs collect this tag. */
  const schedulerOfTag = async (tag: string) => (await rig.collectQueue.getJobSchedulers(0, -1, true)).find((s) => ((s.template?.data as { tags?: string[] } | undefined)?.tags ?? []).includes(tag))?.key;
  const lastRow = async (tag: string) => (await rig.store.run(latestQuery, { platforms: ['tiktok'], tags: [tag] }))[0]?.latest_at;

  it('finding 1: /healthz is 503 for a collecting process while Redis is down; a serving-only process stays healthy', async () => {
    const collector = await rig.startApp({ collect: true, api: true }, { store: rig.store });
    const viewer = await rig.startApp({ api: true }, { store: rig.store });
    const health = async (url: string) => {
      const r = await fetch(`${url}/healthz`);
      return { status: r.status, body: (await r.json()) as { ok: boolean; redis: string; failing: string[] } };
    };
    expect((await health(collector.api!.url)).status).toBe(200);
    await rig.redis.kill();
    try {
      const down = await waitUntil(async () => {
        const h = await health(collector.api!.url);
        return h.status === 503 ? h : undefined;
      }, { timeoutMs: 10_000, what: '503 while Redis is down' });
      expect(down.body).toMatchObject({ ok: false, redis: 'down' });
      expect(down.body.failing).toContain('redis');
      expect(await health(viewer.api!.url)).toMatchObject({ status: 200, body: { ok: true, redis: 'down' } });
    } finally {
      await rig.redis.restart();
    }
    await waitUntil(async () => (await health(collector.api!.url)).status === 200, { timeoutMs: 30_000, what: 'healthy again after the restart' });
    await rigReady();
    await collector.stop();
    await viewer.stop();
  }, 60_000);

  it('finding 6: a slot whose job was lost with Redis is collected as soon as Redis is back', async () => {
    const [tag] = uniqueTags('firstslot');
    const app = await rig.startApp({ scheduler: true, collect: true, load: true }, { resyncMs: 120_000 });
    await addTracked(rig.store, { tags: [tag!], platform: 'tiktok', every: '10s' });
    await app.resync();
    await waitUntil(() => lastRow(tag!), { timeoutMs: 30_000, what: 'a first sample' });
    // What a Redis crash can lose (AOF everysec: the last second): the scheduler's next job and its bookkeeping.
    // Grouped scheduling (issue 15): the tag's job scheduler is the group that holds it.
    const id = (await schedulerOfTag(tag!))!;
    const next = (await rig.collectQueue.getJobs(['delayed'])).find((j) => j.id?.startsWith(`repeat:${id}:`));
    expect(next).toBeDefined();
    const lostSlot = slotOf(next!);
    await rig.collectQueue.removeJobScheduler(id);
    await waitUntil(() => Date.now() > Date.parse(lostSlot) + 500, { timeoutMs: 15_000, what: 'the lost slot to pass' });
    await rig.redis.kill();
    await rig.redis.restart();
    await rigReady();
    // Back: the lost slot is collected now (its real fetch time is recorded), not skipped until the next resync.
    const caught = await waitUntil(async () => (await rig.collectQueue.getJobs(['completed'])).find((j) => (j.data as { tag?: string }).tag === tag && Boolean(j.id?.startsWith('catchup-'))), { timeoutMs: 20_000, intervalMs: 250, what: 'the catch-up of the lost slot' });
    expect(slotOf(caught)).toBe(lostSlot);
    await waitUntil(async () => Date.parse((await lastRow(tag!)) ?? '0') >= Date.parse(lostSlot), { timeoutMs: 10_000, what: 'the lost slot stored' });
    expect(captured.some((l) => /had no job \(lost with Redis\?\): it is collected now/.test(l))).toBe(true);
    await app.stop();
  }, 90_000);

  it('finding 5: Redis restarted without its AOF — missed slots are found, logged once with the count, and reported', async () => {
    const tags = uniqueTags('lost_a', 'lost_b');
    let app = await rig.startApp({ scheduler: true, collect: true, load: true }, { resyncMs: 120_000 });
    await addTracked(rig.store, { tags, platform: 'tiktok', every: '10s' });
    await app.resync();
    await waitUntil(async () => (await Promise.all(tags.map(lastRow))).every(Boolean), { timeoutMs: 30_000, what: 'a sample of each tag' });
    await app.stop();
    await rig.redis.stop();
    rmSync(join(rig.redis.dir, 'data', 'appendonlydir'), { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 21_000)); // two slots of each tag pass while nothing runs
    await rig.redis.restart();
    await rigReady();
    expect(await rig.collectQueue.getJobSchedulersCount()).toBe(0); // Redis came back empty

    const before = captured.length;
    app = await rig.startApp({ scheduler: true, collect: true, load: true, api: true }, { resyncMs: 120_000 });
    const gaps = app.gaps!;
    expect(gaps.queueWasEmpty).toBe(true);
    const mine = gaps.tags.filter((g) => tags.includes(g.tag));
    expect(mine.map((g) => g.tag).sort()).toEqual([...tags].sort());
    for (const g of mine) expect(g.missedSlots).toBeGreaterThanOrEqual(1);
    const warnings = captured.slice(before).filter((l) => /planned slot\(s\) with no stored sample and no job/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/queue state was lost/);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ queueWasEmpty: true, missedSlots: gaps.totalMissedSlots });
    // Shown by the operations page and kept in Redis for `tagpulse status`.
    expect((await buildOps(rig.store, app)).runtime.gaps?.totalMissedSlots).toBe(gaps.totalMissedSlots);
    const { Redis } = await import('ioredis');
    const r = new Redis({ path: rig.redis.socket });
    expect(JSON.parse((await r.get(`${rig.naming.prefix}:tagpulse:gaps`))!)).toMatchObject({ queueWasEmpty: true });
    r.disconnect();
    await app.stop();
  }, 120_000);

  it('phases: tags of one cadence get deterministic slots (their bucket\'s phase), kept across resyncs', async () => {
    const tags = uniqueTags('ph_a', 'ph_b', 'ph_c', 'ph_d', 'ph_e');
    const app = await rig.startApp({ scheduler: true }, { resyncMs: 120_000 });
    await addTracked(rig.store, { tags, platform: 'tiktok', every: '1h' });
    await app.resync();
    const planned = async () => {
      const jobs = await rig.collectQueue.getJobs(['delayed']);
      return new Map(jobs.flatMap((j) => ((j.data as { tags?: string[] }).tags ?? []).filter((t) => tags.includes(t)).map((t) => [t, Date.parse(slotOf(j))] as const)));
    };
    const first = await planned();
    expect(first.size).toBe(5);
    // Grouped scheduling (issue 15): a tag's phase is its bucket's (tags in one bucket share it; the spread over the
    // buckets is pinned in tests/unit/core/runtime-faults.test.ts).
    for (const [tag, at] of first) expect(at % 3_600_000).toBe(tagPhaseMs('tiktok', tag, 3_600_000, app.grouping));
    await app.resync();
    expect(await planned()).toEqual(first);
    await app.stop();
  }, 60_000);
});
