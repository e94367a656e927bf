/**
 * Issue 15, write path: several tags per collect job (grouped job schedulers, workers/scheduler.ts, workers/collect.ts).
 * Each tag of a group keeps its own identity (slot), its own observed_at (its read time, issue 10) and its own row; a
 * re-delivered group writes no duplicate; a failing tag is retried or given up alone; the rate limit counts requests.
 * Real Redis, real chDB, the TikTok HTTP collector against the local TikTok-shaped server.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { App } from '../../../src/runtime/app.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { seriesQuery, rawCountQuery, recentFailuresQuery } from '../../../src/store/queries.ts';
import { RequestLimiter } from '../../../src/queue/request-limit.ts';
import { restJobId, tagJobId } from '../../../src/workers/collect.ts';
import { addTracked, removeTracked } from '../../../src/services/tracking.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { waitUntil } from '../../helpers/wait.ts';

describe('grouped collect jobs: one job, many tags, each tag on its own', () => {
  let redis: TestRedis;
  let fake: FakeTikTok;
  let app: App;
  let dir: { dir: string; cleanup: () => void };
  /** Fetches per tag (every outcome, ok or not), from the worker's outcome hook. */
  const fetches = new Map<string, number>();
  const failuresOf = async (tag: string) => (await app.store!.run(recentFailuresQuery, { since: '2000-01-01T00:00:00Z', limit: 1000 })).filter((x) => x.tag === tag);
  const views = (tag: string) => app.store!.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });

  beforeAll(async () => {
    redis = await startTestRedis();
    // Latency and concurrency 2: the tags of a group are read at different times.
    fake = await startFakeTikTok({ latencyMs: 120, notFound: ['g_nosuchtag'], forceFailure: { g_captcha: 'captcha', g_slowdown: 'throttled' } });
    dir = tempDir();
    const cfg = testConfig({ dataDir: dir.dir, tiktokBaseUrl: fake.url, collectConcurrency: 2, backoffMs: 100, attempts: 3, loadFlushMs: 50, rateLimitMax: 1000, rateLimitDurationMs: 1000, lockDurationMs: 5000, stalledIntervalMs: 1000 });
    app = await new App({
      cfg,
      command: 'test',
      roles: { scheduler: true, collect: true, load: true, api: false },
      redis: redis.target,
      naming: { prefix: 'tp', suffix: randomName('q') },
      resyncMs: 600_000,
      onOutcome: (e) => fetches.set(e.tag, (fetches.get(e.tag) ?? 0) + 1),
    }).start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('a group job stores one row per tag, each with the job\'s slot and its own read time as observed_at', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['g_one', 'g_two', 'g_three', 'g_four', 'g_five'];
    const slot = '2031-02-01T00:00:00.000Z';
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'group-a' });
    await waitUntil(async () => (await q.getJobState('group-a')) === 'completed', { what: 'the group job completed' });
    const rows = await waitUntil(async () => {
      const all = await Promise.all(tags.map(views));
      return all.every((r) => r.length === 1) ? all.map((r) => r[0]!) : undefined;
    }, { what: 'one views row per tag' });
    for (const [i, r] of rows.entries()) {
      expect(r.slot).toBe(slot);
      // observed_at is that tag's own read time (its fetch), never the slot, and the value is what was served then.
      expect(r.observed_at).toBe(r.fetched_at);
      const served = fake.served.filter((s) => s.tag === tags[i]);
      expect(served).toHaveLength(1);
      expect(r.value).toBe(served[0]!.views);
      expect(Math.abs(Date.parse(r.observed_at) - Date.parse(served[0]!.at))).toBeLessThan(1000);
    }
    // Concurrency 2 with 120 ms latency: the five reads happen in three waves, so the read times differ.
    const times = rows.map((r) => Date.parse(r.observed_at)).sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(200);
    for (const tag of tags) expect(await app.store!.run(rawCountQuery, { platform: 'tiktok', tag })).toEqual([{ rows: '2', keys: '2' }]);
  });

  it('a re-delivered group job writes no second row for any of its tags', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['g_re_a', 'g_re_b', 'g_re_c'];
    const slot = '2031-02-02T00:00:00.000Z';
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'group-re-1' });
    await waitUntil(async () => (await Promise.all(tags.map(views))).every((r) => r.length === 1), { what: 'first delivery stored' });
    // The same slot of the same group delivered again (a stalled lock, a retried add).
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'group-re-2' });
    await waitUntil(async () => (await q.getJobState('group-re-2')) === 'completed', { what: 'second delivery processed' });
    await new Promise((r) => setTimeout(r, 400));
    for (const tag of tags) {
      expect(fetches.get(tag)).toBe(2); // it was fetched twice …
      expect((await views(tag)).map((r) => r.slot)).toEqual([slot]); // … and stored once
      expect(await app.store!.run(rawCountQuery, { platform: 'tiktok', tag })).toEqual([{ rows: '2', keys: '2' }]);
    }
  });

  it('a tag failing retryably goes on alone (its attempts carried); the others are not fetched again', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['g_ok_a', 'g_captcha', 'g_ok_b'];
    const slot = '2031-02-03T00:00:00.000Z';
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'group-retry', attempts: 3, backoff: { type: 'exponential', delay: 100 } });
    await waitUntil(async () => (await q.getJobState('group-retry')) === 'completed', { what: 'the group job completed' });
    // The captcha tag continues as a single-tag job with a deterministic id, its first attempt counted.
    const single = await waitUntil(() => q.getJob(tagJobId('tiktok', 'g_captcha', slot)), { what: 'the single-tag job' });
    expect(single.data).toMatchObject({ tag: 'g_captcha', slot, priorAttempts: 1 });
    expect(single.opts.attempts).toBe(2);
    await waitUntil(async () => (await single.getState()) === 'failed', { timeoutMs: 20_000, what: 'the single-tag job exhausted its attempts' });
    const fails = await waitUntil(async () => {
      const f = await failuresOf('g_captcha');
      return f.length === 3 ? f : undefined;
    }, { what: 'three captcha failures' });
    // One failure row per attempt, numbered 1, 2, 3 across the group job and the single-tag job.
    expect(fails.map((f) => f.attempt).sort()).toEqual([1, 2, 3]);
    expect(fetches.get('g_captcha')).toBe(3);
    for (const tag of ['g_ok_a', 'g_ok_b']) {
      expect(fetches.get(tag)).toBe(1);
      expect((await views(tag)).map((r) => r.slot)).toEqual([slot]);
    }
    expect(await views('g_captcha')).toEqual([]);
  }, 30_000);

  it('a permanent failure of one tag is recorded for that tag only; the others are stored and nothing is retried', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['g_perm_a', 'g_nosuchtag', 'g_perm_b'];
    const slot = '2031-02-04T00:00:00.000Z';
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'group-perm', attempts: 3 });
    await waitUntil(async () => (await q.getJobState('group-perm')) === 'completed', { what: 'the group job completed' });
    const f = await waitUntil(async () => {
      const x = await failuresOf('g_nosuchtag');
      return x.length ? x : undefined;
    }, { what: 'the not_found failure row' });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'not_found', attempt: 1 });
    await waitUntil(async () => (await views('g_perm_a')).length === 1 && (await views('g_perm_b')).length === 1, { what: 'the other tags stored' });
    expect(await q.getJob(tagJobId('tiktok', 'g_nosuchtag', slot))).toBeUndefined();
    expect(fetches.get('g_nosuchtag')).toBe(1);
  });

  it('the scheduler groups tracked tags and a tag added or removed changes its group', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = Array.from({ length: 20 }, (_, i) => `g_sched_${String(i).padStart(2, '0')}`);
    await addTracked(app.store!, { tags, platform: 'tiktok', every: '1h' });
    await app.resync();
    const groupedTags = async () => {
      const scheds = (await q.getJobSchedulers(0, -1, true)).filter((s) => String(s.key).startsWith('group-tiktok-3600000-'));
      return scheds.map((s) => ((s.template?.data as { tags?: string[] }).tags ?? []).filter((t) => t.startsWith('g_sched_')));
    };
    const before = await groupedTags();
    // Every tag in exactly one group, no group above collectGroupMaxTags (16), no per-tag scheduler.
    expect(before.flat().sort()).toEqual(tags);
    expect(Math.max(...before.map((g) => g.length))).toBeLessThanOrEqual(16);
    expect((await q.getJobSchedulers(0, -1, true)).some((s) => String(s.key).startsWith('sched-'))).toBe(false);
    await removeTracked(app.store!, { tags: [tags[3]!], platform: 'tiktok' });
    await addTracked(app.store!, { tags: ['g_sched_new'], platform: 'tiktok', every: '1h' });
    await app.resync();
    const after = (await groupedTags()).flat().concat((await q.getJobSchedulers(0, -1, true)).flatMap((s) => ((s.template?.data as { tags?: string[] }).tags ?? []).filter((t) => t === 'g_sched_new')));
    expect(after).not.toContain(tags[3]);
    expect(after).toContain('g_sched_new');
    // The delayed job of each group carries the group's tags (what a slot will collect).
    const delayed = (await q.getJobs(['delayed'])).filter((j) => (j.data as { tags?: string[] }).tags?.some((t) => t.startsWith('g_sched_')));
    expect(delayed.flatMap((j) => (j.data as { tags: string[] }).tags).filter((t) => t.startsWith('g_sched_')).sort()).toEqual([...tags.filter((t) => t !== tags[3]), 'g_sched_new'].sort());
    await removeTracked(app.store!, { tags: [...tags, 'g_sched_new'], platform: 'tiktok' });
    await app.resync();
  });

  // Last in this file: the throttled tag keeps being throttled, so the queue keeps pausing.
  it('a throttled tag pauses the platform and goes on alone after Retry-After without using an attempt; the others are stored', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['g_thr_a', 'g_slowdown', 'g_thr_b'];
    const slot = '2031-02-05T00:00:00.000Z';
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'group-thr', attempts: 3 });
    await waitUntil(async () => (await q.getJobState('group-thr')) === 'completed', { what: 'the group job completed' });
    const ttl = await q.getRateLimitTtl();
    expect(ttl).toBeGreaterThan(500); // the Retry-After pause (2 s), not the limiter's own 1 ms
    expect(ttl).toBeLessThanOrEqual(2000);
    const f = await waitUntil(async () => (await failuresOf('g_slowdown'))[0], { what: 'the throttled failure row' });
    expect(f).toMatchObject({ kind: 'throttled', status_code: 429, attempt: 1 });
    const single = await waitUntil(() => q.getJob(tagJobId('tiktok', 'g_slowdown', slot)), { what: 'the throttled tag\'s own job' });
    expect(single.data).toMatchObject({ tag: 'g_slowdown', slot, priorAttempts: 1 });
    expect(single.opts.attempts).toBe(3); // throttling used none of its attempts
    // The tags fetched before or alongside it are stored; a tag not yet started when the 429 came goes on with the rest.
    const done = (await q.getJob('group-thr'))!.returnvalue as { handedOn: (string | string[])[] };
    const handed = done.handedOn.flat().filter((t) => t !== 'g_slowdown');
    const fetched = ['g_thr_a', 'g_thr_b'].filter((t) => !handed.includes(t));
    await waitUntil(async () => (await Promise.all(fetched.map(views))).every((r) => r.length === 1), { what: 'the fetched tags stored' });
    expect(fetches.get('g_thr_a') ?? 0).toBe(handed.includes('g_thr_a') ? 0 : 1);
  });
});

describe('the request rate limit counts requests, not jobs', () => {
  let redis: TestRedis;
  let fake: FakeTikTok;
  let app: App;
  let dir: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    redis = await startTestRedis();
    fake = await startFakeTikTok({});
    dir = tempDir();
    // 2 requests per second: one every 500 ms. A job may wait 700 ms for its turn.
    const cfg = testConfig({ dataDir: dir.dir, tiktokBaseUrl: fake.url, collectConcurrency: 4, rateLimitMax: 2, rateLimitDurationMs: 1000, collectRateWaitMaxMs: 700, loadFlushMs: 50, lockDurationMs: 5000, stalledIntervalMs: 1000 });
    app = await new App({ cfg, command: 'test', roles: { scheduler: false, collect: true, load: true, api: false }, redis: redis.target, naming: { prefix: 'tp', suffix: randomName('q') } }).start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('reserves evenly spaced turns, one per request, in one call', async () => {
    const r = new Redis({ path: redis.socket });
    try {
      const limiter = new RequestLimiter(r, `rl-test-${randomName('k')}`, { max: 4, durationMs: 10_000 }, 6000);
      const a = await limiter.reserve(10);
      // 2.5 s apart; turns up to 6 s away: 0, 2.5 s, 5 s.
      expect(a.granted).toBe(3);
      expect([0, 1, 2].map((i) => Math.round(a.startInMs(i)))).toEqual([0, 2500, 5000]);
      expect(a.nextInMs).toBeGreaterThan(7000);
      const b = await limiter.reserve(1);
      expect(b.granted).toBe(0); // the next turn is ~7.5 s away, more than 6 s
      expect(limiter.reservations).toBe(2);
    } finally {
      r.disconnect();
    }
  });

  it('a group whose first turn is further than the wait goes back to delayed as a whole, and all its tags are stored', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['rl_w_a', 'rl_w_b'];
    const slot = '2031-03-02T00:00:00.000Z';
    // Another process took the next three turns (0, 0.5, 1 s): this group's first turn is ~1.5 s away, past the 700 ms wait.
    const key = (app.workers.find((w) => 'requestLimiter' in w) as unknown as { requestLimiter: RequestLimiter }).requestLimiter.key;
    const r = new Redis({ path: redis.socket });
    try {
      expect((await new RequestLimiter(r, key, { max: 2, durationMs: 1000 }, 5000).reserve(3)).granted).toBe(3);
    } finally {
      r.disconnect();
    }
    const t0 = Date.now();
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'rl-wait', attempts: 3 });
    await waitUntil(async () => (await Promise.all(tags.map((tag) => app.store!.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })))).every((x) => x.length === 1), { timeoutMs: 20_000, what: 'both tags stored' });
    const job = (await q.getJob('rl-wait'))!;
    // It waited as a whole (no tag handed on, no attempt used) and then fetched both of its tags.
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({ handedOn: [] });
    expect((job.returnvalue as { stored: string[] }).stored.sort()).toEqual([...tags].sort());
    expect(job.attemptsMade).toBe(1);
    const at = fake.served.filter((x) => tags.includes(x.tag)).map((x) => Date.parse(x.at)).sort((a, b) => a - b);
    expect(at).toHaveLength(2);
    expect(at[0]! - t0).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('a group of four tags makes four requests 500 ms apart; the tags past the wait go on together and are stored', async () => {
    const q = app.queues.get('tiktok')!;
    const tags = ['rl_a', 'rl_b', 'rl_c', 'rl_d'];
    const slot = '2031-03-01T00:00:00.000Z';
    // The limiter must be idle first: an earlier test's requests may have reserved turns up to ~500 ms ahead, which
    // would leave this group one turn within its wait instead of two (on a quiet machine the tests follow that closely).
    const key = (app.workers.find((w) => 'requestLimiter' in w) as unknown as { requestLimiter: RequestLimiter }).requestLimiter.key;
    const r = new Redis({ path: redis.socket });
    try {
      await waitUntil(async () => {
        const [[sec, us], tat] = await Promise.all([r.time(), r.get(key)]);
        return tat === null || Number(tat) <= Number(sec) * 1000 + Number(us) / 1000;
      }, { timeoutMs: 10_000, what: 'request limiter idle' });
    } finally {
      r.disconnect();
    }
    await q.add('collect', { platform: 'tiktok', tags, slot, reason: 'manual' }, { jobId: 'rl-group', attempts: 3 });
    await waitUntil(async () => (await Promise.all(tags.map((tag) => app.store!.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })))).every((r) => r.length === 1), { timeoutMs: 20_000, what: 'every tag stored' });
    const group = await q.getJob('rl-group');
    // Turns at 0, 500 ms (within the 700 ms wait); the other two go on together as the rest of the group, delayed to
    // their turn (one job, deterministic id), which fetches them at its own turns.
    expect(group!.returnvalue).toMatchObject({ observations: 4, handedOn: [['rl_c', 'rl_d']] });
    const rest = await q.getJob(restJobId('tiktok', ['rl_c', 'rl_d'], slot));
    expect(rest!.data).toMatchObject({ tags: ['rl_c', 'rl_d'], slot });
    expect(rest!.returnvalue).toMatchObject({ observations: 4, handedOn: [] });
    const at = fake.served.filter((s) => tags.includes(s.tag)).map((s) => Date.parse(s.at)).sort((a, b) => a - b);
    expect(at).toHaveLength(4);
    // A job-counting limiter would have let all four go at once; requests are spaced by the 500 ms gap (checked with
    // room for a late first request on a loaded machine: each gap at least half the turn, the four over ≥ 1.2 s).
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(250);
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(1200);
  }, 30_000);
});
