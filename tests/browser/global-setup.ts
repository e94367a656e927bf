/**
 * Fills a store with the real pipeline for the dashboard tests: the fake TikTok server (real page formats, growing
 * counts, some injected failures), a real Redis, the App with every role and the dashboard/API on a free port in a
 * temp data dir, four tags sampled every 10 s until each has several samples, plus 14 days of history imported with
 * the real importer, user events and hostile text. The URL goes to the tests in TAGPULSE_DASHBOARD_URL; the returned
 * function stops everything.
 */
import { App } from '../../src/runtime/app.ts';
import { mountAll } from '../../src/api/mount-all.ts';
import { startFakeTikTok } from '../../src/demo/fake-tiktok.ts';
import { addTracked } from '../../src/services/tracking.ts';
import { latestQuery } from '../../src/store/queries.ts';
import { startTestRedis } from '../helpers/redis.ts';
import { tempDir, randomName } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';
import { waitUntil } from '../helpers/wait.ts';
import { SEED_TAGS, importHistory, seedEventsAndFailures } from './seed.ts';
import { seedEvidenceAndDrift } from './seed-evidence.ts';

/** Live samples per tag before the tests start. */
const LIVE_SAMPLES = 3;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const started = Date.now();
  const redis = await startTestRedis();
  const fake = await startFakeTikTok({ tags: SEED_TAGS, failureRate: 0.15, failureKinds: ['captcha', 'empty', 'hollow'], seed: 7 });
  const dir = tempDir('tagpulse-pw-');
  const cfg = testConfig({ dataDir: dir.dir, tiktokBaseUrl: fake.url, apiPort: 0, backoffMs: 300, attempts: 3, loadFlushMs: 100, rateLimitMax: 600, lockDurationMs: 5000, stalledIntervalMs: 2000 });
  const app = await new App({
    cfg,
    command: 'tagpulse playwright',
    roles: { scheduler: true, collect: true, load: true, api: true },
    redis: redis.target,
    naming: { prefix: 'tp', suffix: randomName('pw') },
    mount: (router, deps) => mountAll(router, { ...deps, cfg }),
    resyncMs: 1000,
  }).start();
  const stop = async () => {
    await app.stop();
    await fake.close();
    await redis.cleanup();
    dir.cleanup();
  };
  try {
    const nowMs = Date.now();
    const imported = await importHistory(cfg.dataDir, nowMs);
    if (imported.exitCode !== 0) throw new Error(`history import failed: ${imported.output.join('\n')}`);
    await seedEventsAndFailures(app.store!, nowMs);
    await seedEvidenceAndDrift(app.store!, cfg.dataDir, nowMs);
    const tags = Object.keys(SEED_TAGS);
    await addTracked(app.store!, { tags, platform: 'tiktok', every: '10s' });
    await app.resync();
    await waitUntil(
      async () => {
        const rows = await app.store!.run(latestQuery, { platforms: tags.map(() => 'tiktok'), tags });
        // History gives 336 hourly samples per metric; live samples come on top.
        return tags.every((t) => rows.some((r) => r.tag === t && r.metric === 'views' && Date.parse(r.latest_at) > nowMs && Number(r.samples) >= 14 * 24 + LIVE_SAMPLES));
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: `${LIVE_SAMPLES} live samples of every tag` },
    );
    process.env.TAGPULSE_DASHBOARD_URL = app.api!.url;
    process.stdout.write(`dashboard test server ready at ${app.api!.url} in ${Math.round((Date.now() - started) / 1000)} s\n`);
    return stop;
  } catch (e) {
    await stop();
    throw e;
  }
}
