/**
 * The TikTok browser path in real Chromium (TAGPULSE_CHROMIUM_PATH or the one setup found, via Playwright) against the local TikTok server, then
 * `auto` through the real queue and store. Kept to a handful of pages: Chromium is heavy on a shared machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TikTokBrowserCollector } from '../../../src/collectors/tiktok/browser-collector.ts';
import { createCollectors } from '../../../src/collectors/registry.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../src/collectors/common/loopback-server.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { App } from '../../../src/runtime/app.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { chromiumPath, requireChromium } from '../../helpers/chromium.ts';

// No browser is a failure with advice, never a silent skip (issue 14).
const CHROMIUM = chromiumPath();
const tags = { mentalhealth: { views0: 16_400_000_000n, posts0: 3_456_789n, viewsPerHour: 5_000_000, postsPerHour: 900 } };

describe('TikTok browser collector (real Chromium)', () => {
  beforeAll(() => void requireChromium());
  let clientFetch: FakeTikTok;
  let rehydration: FakeTikTok;
  let h2Posts: FakeTikTok;
  let browser: TikTokBrowserCollector;

  const make = (baseUrl: string, pagesPerContext = 10) =>
    new TikTokBrowserCollector({ baseUrl, chromiumPath: CHROMIUM, userAgent: 'tagpulse-test', timeoutMs: 20_000, apiWaitMs: 8000, pagesPerContext, allowedHostSuffixes: [] });

  beforeAll(async () => {
    clientFetch = await startFakeTikTok({ tags, clientFetch: true, forceFailure: { blockedtag: 'blocked' } });
    rehydration = await startFakeTikTok({ tags });
    h2Posts = await startFakeTikTok({ tags, format: 'h2_posts' });
    browser = make(clientFetch.url, 2);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([clientFetch?.close(), rehydration?.close(), h2Posts?.close()]);
  });

  it('captures the /api/challenge/detail response the page itself fires (exact statsV2)', async () => {
    const out = await browser.collect('mentalhealth');
    expect(out.ok, JSON.stringify(out)).toBe(true);
    if (!out.ok) return;
    expect(out.method).toBe('browser');
    expect(out.format).toBe('api');
    expect(out.url).toBe(`${clientFetch.url}/api/challenge/detail/?challengeName=mentalhealth`); // page's session params dropped
    const served = clientFetch.served.filter((s) => s.path.startsWith('/api/challenge/detail'));
    expect(served.map((s) => s.views)).toContain(out.readings.find((r) => r.metric === 'views')!.value);
    expect(out.readings.map((r) => [r.metric, r.precision, r.source])).toEqual([
      ['views', 'exact', 'tiktok.api.statsV2'],
      ['posts', 'exact', 'tiktok.api.statsV2'],
    ]);
  }, 60_000);

  it('a 403 is `blocked` and retires the context; contexts recycle after pagesPerContext pages; one browser', async () => {
    const blocked = await browser.collect('blockedtag');
    expect(blocked).toMatchObject({ ok: false, kind: 'blocked', statusCode: 403, method: 'browser' });
    expect(browser.stats.contextsRetired).toBe(1);
    const again = await browser.collect('mentalhealth'); // fresh context
    expect(again.ok).toBe(true);
    await browser.collect('mentalhealth'); // second page of that context
    await browser.collect('mentalhealth'); // pagesPerContext=2: recycled
    expect(browser.stats).toEqual({ launches: 1, contextsOpened: 3, contextsRetired: 2 });
  }, 90_000);

  it('falls back to the rehydration JSON in the DOM, then to the visible text', async () => {
    const dom = make(rehydration.url);
    const text = make(h2Posts.url);
    try {
      const fromDom = await dom.collect('mentalhealth');
      expect(fromDom).toMatchObject({ ok: true, method: 'browser', format: 'rehydration' });
      if (fromDom.ok) expect(fromDom.readings[0]).toMatchObject({ metric: 'views', precision: 'exact', source: 'tiktok.rehydration.statsV2' });
      const fromText = await text.collect('mentalhealth');
      expect(fromText).toMatchObject({ ok: true, method: 'browser', format: 'text' });
      if (fromText.ok) expect(fromText.readings).toEqual([expect.objectContaining({ metric: 'posts', precision: 'rounded', source: 'tiktok.page.text' })]);
    } finally {
      await Promise.all([dom.close(), text.close()]);
    }
  }, 90_000);

  it('the SSRF guard aborts the page’s requests to any other origin', async () => {
    let internalHits = 0;
    const internal: LoopbackServer = await startLoopbackServer((_req, _url, reply) => {
      internalHits++;
      reply(200, 'internal', 'text/plain');
    });
    const hostile: LoopbackServer = await startLoopbackServer((_req, url, reply) => {
      if (!url.pathname.startsWith('/tag/')) return reply(404, '', 'text/plain');
      reply(200, `<!DOCTYPE html><html><body><img src="${internal.url}/img.png"><iframe src="${internal.url}/frame"></iframe>
        <h1 data-e2e="challenge-title">#x</h1><h2 data-e2e="challenge-vvcount" title="posts">1.5K posts</h2>
        <script>fetch('${internal.url}/steal').catch(function(){}); fetch('http://169.254.169.254/latest/meta-data').catch(function(){});</script></body></html>`, 'text/html');
    });
    const c = make(hostile.url);
    try {
      const out = await c.collect('x');
      expect(out).toMatchObject({ ok: true, method: 'browser' }); // the page itself still loads and is read
      expect(internalHits).toBe(0);
    } finally {
      await c.close();
      await internal.close();
      await hostile.close();
    }
  }, 60_000);

  it('after close() samples fail fast instead of starting Chromium again', async () => {
    const c = make(clientFetch.url);
    await c.close();
    expect(await c.collect('mentalhealth')).toMatchObject({ ok: false, kind: 'network', method: 'browser' });
    expect(c.stats.launches).toBe(0);
  });
});

describe('tiktokMethod auto through the queue and store', () => {
  beforeAll(() => void requireChromium());
  let redis: TestRedis;
  let fake: FakeTikTok;
  let app: App;
  let dir: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    redis = await startTestRedis();
    fake = await startFakeTikTok({ tags, clientFetch: true });
    dir = tempDir();
    const cfg = testConfig({ dataDir: dir.dir, tiktokBaseUrl: fake.url, tiktokMethod: 'auto', chromiumPath: CHROMIUM, browserApiWaitMs: 8000, loadFlushMs: 50, lockDurationMs: 30_000, stalledIntervalMs: 5000 });
    app = await new App({ cfg, command: 'test', roles: { scheduler: false, collect: true, load: true, api: false }, redis: redis.target, naming: { prefix: 'tp', suffix: randomName('q') }, collectors: createCollectors(cfg, ['tiktok']) }).start();
  });
  afterAll(async () => {
    await app?.stop(); // closes the collectors, hence Chromium
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('HTTP finds no data on the SSR shell, the browser reads the API: stored with method browser', async () => {
    const slot = '2030-03-01T00:00:00.000Z';
    await app.queues.get('tiktok')!.add('collect', { platform: 'tiktok', tag: 'mentalhealth', slot, reason: 'manual' }, { jobId: 'auto-1' });
    const rows = await waitUntil(async () => {
      const r = await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealth', metric: 'views' });
      return r.length ? r : undefined;
    }, { timeoutMs: 60_000, what: 'browser observation stored' });
    expect(rows[0]).toMatchObject({ slot, observed_at: rows[0]!.fetched_at, method: 'browser', source: 'tiktok.api.statsV2', exact: true });
    expect(fake.served.filter((s) => s.path.startsWith('/api/')).map((s) => s.views)).toContain(rows[0]!.value);
  }, 90_000);
});
