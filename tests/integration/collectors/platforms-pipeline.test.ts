/**
 * Instagram, YouTube and the TikTok Research API through the real pipeline: BullMQ queues on a real Redis, the generic
 * collect worker, the load worker and chDB, each collector against its local server. Also checks that the Research
 * API credentials never reach Redis (job payloads, results) or the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { App } from '../../../src/runtime/app.ts';
import { createCollectors } from '../../../src/collectors/registry.ts';
import { createRootLogger } from '../../../src/util/log.ts';
import { startFakeInstagram, type FakeInstagram } from '../../../src/demo/fake-instagram.ts';
import { startFakeYouTube, type FakeYouTube } from '../../../src/demo/fake-youtube.ts';
import { startFakeResearch, type FakeResearch } from '../../../src/demo/fake-research.ts';
import { failuresForTagQuery, seriesQuery } from '../../../src/store/queries.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { waitUntil } from '../../helpers/wait.ts';

const CLIENT_KEY = 'awresearchkey7f3c9a1e';
const CLIENT_SECRET = 'research-secret-5b8d2e44c1f0a9';

describe('Instagram, YouTube and Research API collectors through queue and store', () => {
  let redis: TestRedis;
  let instagram: FakeInstagram;
  let youtube: FakeYouTube;
  let research: FakeResearch;
  let app: App;
  let dir: { dir: string; cleanup: () => void };
  let logText = '';

  beforeAll(async () => {
    // Every log line at debug level, unredacted (no secrets handed to the logger): a leak would show here.
    createRootLogger('debug', [], new Writable({ write: (chunk, _enc, done) => ((logText += String(chunk)), done()) }));
    redis = await startTestRedis();
    instagram = await startFakeInstagram({ posts: { mentalhealth: 47_386_624n }, forceFailure: { lockedtag: 'login_redirect', slowtag: 'throttled' } });
    youtube = await startFakeYouTube({ videos: { mentalhealth: 971_234n }, shape: 'page_header', forceFailure: { eutag: 'consent' } });
    research = await startFakeResearch({ clientKey: CLIENT_KEY, clientSecret: CLIENT_SECRET, videosPerDay: (_t, day) => 60 + Number(day.slice(-1)) });
    dir = tempDir();
    const cfg = testConfig({
      dataDir: dir.dir,
      instagramBaseUrl: instagram.url,
      youtubeBaseUrl: youtube.url,
      researchBaseUrl: research.url,
      researchClientKey: CLIENT_KEY,
      researchClientSecret: CLIENT_SECRET,
      researchWindowDays: 5, // ~330 videos: 4 pages
      researchDailyRequestQuota: 6,
      platformLimits: 'instagram=50/1s@1,youtube=50/1s@1,tiktok_research=50/1s@1',
      loadFlushMs: 50,
      lockDurationMs: 10_000,
      stalledIntervalMs: 5000,
    });
    app = await new App({
      cfg,
      command: 'test',
      roles: { scheduler: false, collect: true, load: true, api: false },
      redis: redis.target,
      naming: { prefix: 'tp', suffix: randomName('q') },
      collectors: createCollectors(cfg, ['instagram', 'youtube', 'tiktok_research']),
    }).start();
  });

  afterAll(async () => {
    await app?.stop();
    await Promise.all([instagram?.close(), youtube?.close(), research?.close()]);
    await redis?.cleanup();
    dir?.cleanup();
  });

  const enqueue = (platform: string, tag: string, slot: string, jobId: string) => app.queues.get(platform)!.add('collect', { platform, tag, slot, reason: 'manual' }, { jobId, attempts: 1 });
  const series = (platform: string, tag: string, metric: string) => app.store!.run(seriesQuery, { platform, tag, metric });
  /** How long the platform's queue is paused (rate limit TTL), once the worker has set it. */
  const pausedFor = (platform: string) =>
    waitUntil(async () => {
      const t = await app.queues.get(platform)!.getRateLimitTtl();
      return t > 0 ? t : undefined;
    }, { what: `${platform} queue paused` });
  const failureOf = (platform: string, tag: string) =>
    waitUntil(async () => (await app.store!.run(failuresForTagQuery, { platform, tag }))[0], { timeoutMs: 30_000, what: `${platform} failure for #${tag}` });

  it('Instagram: the exact post count it served, with provenance; a login redirect is recorded as login_wall', async () => {
    await enqueue('instagram', 'mentalhealth', '2030-01-01T00:00:00.000Z', 'ig-ok');
    await enqueue('instagram', 'lockedtag', '2030-01-01T00:00:00.000Z', 'ig-login');
    const rows = await waitUntil(async () => (await series('instagram', 'mentalhealth', 'posts'))[0], { timeoutMs: 30_000, what: 'instagram posts' });
    expect(instagram.served.map((s) => s.posts)).toContain(rows.value);
    expect(rows).toMatchObject({ exact: true, precision: 'exact', source: 'instagram.web_info.count', method: 'http', collector_version: 'instagram/1.0.0' });
    expect(rows.provenance).toBe(`${instagram.url}/api/v1/tags/web_info/?tag_name=mentalhealth`);
    expect(instagram.requests.find((r) => r.path.includes('tag_name=mentalhealth'))?.appId).toBe('936619743392459');
    expect(await failureOf('instagram', 'lockedtag')).toMatchObject({ kind: 'login_wall', status_code: 302, method: 'http' });
    expect(await series('instagram', 'lockedtag', 'posts')).toEqual([]);
    // The login page itself was never fetched: the redirect was classified, not followed.
    expect(instagram.requests.some((r) => r.path.startsWith('/accounts/login/'))).toBe(false);
  }, 60_000);

  it('Instagram: throttling pauses the platform queue for the Retry-After time', async () => {
    await enqueue('instagram', 'slowtag', '2030-01-01T00:00:00.000Z', 'ig-slow');
    expect(await failureOf('instagram', 'slowtag')).toMatchObject({ kind: 'throttled', status_code: 429 });
    const ttl = await pausedFor('instagram');
    expect(ttl).toBeGreaterThan(100_000); // Retry-After: 120
  }, 60_000);

  it('YouTube: rounded videos and channels with their steps; the consent redirect is recorded as consent', async () => {
    await enqueue('youtube', 'mentalhealth', '2030-01-01T00:00:00.000Z', 'yt-ok');
    await enqueue('youtube', 'eutag', '2030-01-01T00:00:00.000Z', 'yt-consent');
    const posts = await waitUntil(async () => (await series('youtube', 'mentalhealth', 'posts'))[0], { timeoutMs: 30_000, what: 'youtube posts' });
    const channels = (await series('youtube', 'mentalhealth', 'channels'))[0]!;
    const served = youtube.served.find((s) => s.tag === 'mentalhealth')!;
    // The page showed "971.2K videos": within ±step/2 of what was served, and labelled rounded.
    expect(posts).toMatchObject({ value: '971200', step: '100', precision: 'rounded', exact: false, source: 'youtube.page_header.videos' });
    expect(Math.abs(Number(served.videos) - Number(posts.value))).toBeLessThanOrEqual(50);
    expect(Math.abs(Number(served.channels) - Number(channels.value))).toBeLessThanOrEqual(Number(channels.step) / 2);
    const consent = await failureOf('youtube', 'eutag');
    expect(consent).toMatchObject({ kind: 'consent', status_code: 302 });
    expect(consent.message).toContain('consent.youtube.com');
  }, 60_000);

  it('Research API: videos per day and the views sum, named for what they are; then the daily quota', async () => {
    await enqueue('tiktok_research', 'mentalhealth', '2030-01-01T00:00:00.000Z', 'rs-1');
    const sum = await waitUntil(async () => (await series('tiktok_research', 'mentalhealth', 'video_views_sum'))[0], { timeoutMs: 30_000, what: 'views sum' });
    const days = await series('tiktok_research', 'mentalhealth', 'videos_created');
    const window = research.queries[0]!;
    const videos = research.videosFor('mentalhealth', window.startDate, window.endDate);
    expect(sum).toMatchObject({ value: videos.reduce((a, v) => a + BigInt(v.view_count), 0n).toString(), precision: 'exact', method: 'api', time_precision: 'instant' });
    expect(sum.note).toContain(`Sum of view_count at query time of ${videos.length} videos with #mentalhealth`);
    expect(days).toHaveLength(5);
    expect(days.every((d) => d.observed_at.endsWith('T23:59:59.999Z') && d.time_precision === 'day' && d.note.includes('created on'))).toBe(true);
    expect(days.reduce((a, d) => a + Number(d.value), 0)).toBe(videos.length);

    // 4 of the 6 daily requests are spent. The next sample gets 2 pages and stores lower bounds...
    await enqueue('tiktok_research', 'selfcare', '2030-01-01T00:00:00.000Z', 'rs-2');
    const partial = await waitUntil(async () => (await series('tiktok_research', 'selfcare', 'video_views_sum'))[0], { timeoutMs: 30_000, what: 'partial sum' });
    expect(partial).toMatchObject({ precision: 'lower_bound', exact: false });
    expect(partial.note).toContain('daily quota ran out after 2 requests');
    // ...and the one after fails with `quota` without calling the API, and pauses the queue until 00:00 UTC.
    const before = research.queries.length;
    await enqueue('tiktok_research', 'anxiety', '2030-01-01T00:00:00.000Z', 'rs-3');
    expect(await failureOf('tiktok_research', 'anxiety')).toMatchObject({ kind: 'quota', method: 'api' });
    expect(research.queries.length).toBe(before);
    const ttl = await pausedFor('tiktok_research');
    const now = new Date();
    expect(Math.abs(ttl - (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()))).toBeLessThan(60_000);
  }, 90_000);

  it('the Research credentials are in no Redis key or value and in no log line', async () => {
    const r = new Redis({ path: redis.socket });
    try {
      let dump = '';
      for (const key of await r.keys('*')) {
        const type = await r.type(key);
        const value =
          type === 'string' ? await r.get(key)
          : type === 'hash' ? await r.hgetall(key)
          : type === 'list' ? await r.lrange(key, 0, -1)
          : type === 'zset' ? await r.zrange(key, 0, -1)
          : type === 'set' ? await r.smembers(key)
          : type === 'stream' ? await r.xrange(key, '-', '+')
          : '';
        dump += `${key} ${JSON.stringify(value)}\n`;
      }
      expect(dump).toContain('"tag\\":\\"mentalhealth\\"'); // the scan did see the job payloads
      for (const secret of [CLIENT_KEY, CLIENT_SECRET]) expect(dump).not.toContain(secret);
    } finally {
      r.disconnect();
    }
    expect(logText).toContain('sampled');
    for (const secret of [CLIENT_KEY, CLIENT_SECRET]) expect(logText).not.toContain(secret);
  });
});
