/**
 * The collector commands as a user runs them (runX with the real store in a temp data dir): `sample` on the new
 * platforms with a clear message per failure kind, `import` of the published press figures, and `backfill` from a
 * local Wayback Machine, standalone and while a `tagpulse run`-like process owns the data dir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runSample } from '../../../src/cli/commands/sample.ts';
import { runImport } from '../../../src/cli/commands/import.ts';
import { runBackfillCommand } from '../../../src/cli/commands/backfill.ts';
import { withStore } from '../../../src/cli/common.ts';
import { captureIo } from '../../unit/collectors/helpers.ts';
import { App } from '../../../src/runtime/app.ts';
import { failuresForTagQuery, seriesQuery } from '../../../src/store/queries.ts';
import { startFakeInstagram, type FakeInstagram } from '../../../src/demo/fake-instagram.ts';
import { startFakeYouTube, type FakeYouTube } from '../../../src/demo/fake-youtube.ts';
import { startFakeWayback, tiktokEraCaptures, type FakeWayback } from '../../../src/demo/fake-wayback.ts';
import { renderRehydrationPage } from '../../../src/collectors/tiktok/render.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';

const EXAMPLE = fileURLToPath(new URL('../../../examples/published-observations.csv', import.meta.url));

describe('collector CLI commands', () => {
  let instagram: FakeInstagram;
  let youtube: FakeYouTube;
  let wayback: FakeWayback;
  let dir: { dir: string; cleanup: () => void };
  const captures = tiktokEraCaptures('mentalhealth');

  beforeAll(async () => {
    instagram = await startFakeInstagram({ posts: { mentalhealth: 47_386_624n }, postsPerHour: 0 });
    youtube = await startFakeYouTube({ forceFailure: { eutag: 'consent' } });
    wayback = await startFakeWayback({ captures });
    dir = tempDir();
    // The commands read the environment like a user's shell would (only these are set).
    Object.assign(process.env, {
      TAGPULSE_INSTAGRAM_BASE_URL: instagram.url,
      TAGPULSE_YOUTUBE_BASE_URL: youtube.url,
      TAGPULSE_WAYBACK_BASE_URL: wayback.url,
      TAGPULSE_WAYBACK_DELAY_MS: '0',
      TAGPULSE_LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    await Promise.all([instagram?.close(), youtube?.close(), wayback?.close()]);
    dir?.cleanup();
  });

  const read = <T>(fn: (store: Parameters<Parameters<typeof withStore>[2]>[0]) => Promise<T>) => withStore(testConfig({ dataDir: dir.dir }), 'test', fn);

  it('sample: stores and prints an Instagram count', async () => {
    const io = captureIo();
    expect(await runSample({ tags: ['#MentalHealth'], platform: 'instagram', dataDir: dir.dir }, io)).toBe(0);
    expect(io.lines).toEqual([expect.stringMatching(/^#mentalhealth instagram posts: 47,386,624 \(exact\)  source instagram\.web_info\.count/)]);
    const rows = await read((s) => s.run(seriesQuery, { platform: 'instagram', tag: 'mentalhealth', metric: 'posts' }));
    expect(rows.map((r) => r.value)).toEqual(['47386624']);
  });

  it('sample: a failure is recorded and explained, with what to do', async () => {
    const io = captureIo();
    expect(await runSample({ tags: ['eutag'], platform: 'youtube', dataDir: dir.dir }, io)).toBe(1);
    expect(io.errors[0]).toMatch(/^#eutag youtube: consent — YouTube redirected to its cookie-consent page .*sample from a network outside the EU.*the failure was recorded\.$/);
    const failures = await read((s) => s.run(failuresForTagQuery, { platform: 'youtube', tag: 'eutag' }));
    expect(failures[0]).toMatchObject({ kind: 'consent' });
  });

  it('sample: the Research API without credentials says which settings to give (and gives up: exit 7, EXIT.GAVE_UP; was 2 before issue 14)', async () => {
    const io = captureIo();
    expect(await runSample({ tags: ['mentalhealth'], platform: 'tiktok_research', dataDir: dir.dir }, io)).toBe(7);
    expect(io.errors[0]).toContain('auth — no TikTok Research API credentials: set researchClientKey and researchClientSecret');
  });

  it('import: the published press figures, lower bounds and loose dates kept as such', async () => {
    const io = captureIo();
    expect(await runImport({ file: EXAMPLE, dataDir: dir.dir }, io)).toBe(0);
    expect(io.lines).toEqual([`imported 5 observation(s) from ${EXAMPLE} (csv)`]);
    const [mh, mhm, typo, therapy] = await read((s) =>
      Promise.all([
        s.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealth', metric: 'views' }),
        s.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealthmatters', metric: 'views' }),
        s.run(seriesQuery, { platform: 'tiktok', tag: 'mentalheath', metric: 'views' }),
        s.run(seriesQuery, { platform: 'tiktok', tag: 'tiktoktherapy', metric: 'views' }),
      ]),
    );
    expect(mh!.map((r) => [r.observed_at, r.value, r.precision, r.exact, r.step, r.time_precision, r.method])).toEqual([
      ['2021-01-01T00:00:00.000Z', '15000000000', 'lower_bound', false, '0', 'year', 'import'],
      ['2021-09-01T00:00:00.000Z', '16400000000', 'lower_bound', false, '0', 'month', 'import'],
    ]);
    expect(mh![1]!.provenance).toContain('NBC News');
    expect(mh![1]!.note).toContain('more than 16.4 billion');
    expect(mhm![0]).toMatchObject({ value: '13500000000', precision: 'lower_bound', time_precision: 'month' });
    expect(typo![0]).toMatchObject({ value: '1000000000', precision: 'lower_bound', time_precision: 'month' });
    expect(therapy![0]).toMatchObject({ value: '761000000', precision: 'rounded', step: '1000000', exact: false, time_precision: 'year' });
  });

  it('backfill: every era from the archive, failures recorded, and a re-run resumes without refetching', async () => {
    const io = captureIo();
    expect(await runBackfillCommand({ tag: 'mentalhealth', dataDir: dir.dir }, io)).toBe(0);
    expect(io.lines.at(-1)).toBe(
      "backfill #mentalhealth (tiktok): 9 capture(s) listed, 8 of this tag's page, 0 already done; 8 fetched → 10 observation(s) stored, failures recorded (not values): captcha 1, no_data 1.",
    );
    // Plain log lines (not a TTY): one per capture.
    expect(io.errors.filter((l) => /^\d{4}-\d\d-\d\dT/.test(l))).toHaveLength(8);
    expect(io.errors.some((l) => l.includes('failed — captcha'))).toBe(true);
    const views = await read((s) => s.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealth', metric: 'views' }));
    const wb = views.filter((r) => r.method === 'wayback');
    expect(wb.map((r) => r.observed_at.slice(0, 4))).toEqual(['2020', '2021', '2022', '2023', '2024']);
    expect(wb.every((r) => r.source.startsWith('wayback:tiktok.') && r.provenance.startsWith(`${wayback.url}/web/`))).toBe(true);

    const fetchedBefore = wayback.captureRequests.length;
    // On a terminal: a progress bar redrawn in place instead of log lines.
    const again = captureIo(true);
    const screen: string[] = [];
    expect(await runBackfillCommand({ tag: 'mentalhealth', dataDir: dir.dir, json: true }, again, { write: (s) => screen.push(s) })).toBe(0);
    expect(JSON.parse(again.lines[0]!)).toMatchObject({ matching: 8, skipped: 8, fetched: 0, observations: 0 });
    expect(screen).toEqual(['\r\x1b[2K[########################] 0/0 captures · 0 values · 0 failed', '\n']);
    expect(again.errors).toEqual([]);
    expect(wayback.captureRequests.length).toBe(fetchedBefore);
  });

  it('backfill: clear errors for bad input', async () => {
    await expect(runBackfillCommand({ tag: 'mentalhealth', dataDir: dir.dir, from: 'last year' }, captureIo())).rejects.toThrow(/--from "last year" is not an ISO 8601/);
    await expect(runBackfillCommand({ tag: 'mentalhealth', dataDir: dir.dir, from: '2024-01-01', to: '2023-01-01' }, captureIo())).rejects.toThrow(/is after --to/);
    await expect(runBackfillCommand({ tag: 'mentalhealth', dataDir: dir.dir, platform: 'myspace' }, captureIo())).rejects.toThrow(/supported: tiktok, youtube/);
    await expect(runBackfillCommand({ tag: 'mental-health', dataDir: dir.dir }, captureIo())).rejects.toThrow(/invalid tag/);
    await expect(runBackfillCommand({ tag: 'x', dataDir: dir.dir, concurrency: 5 }, captureIo())).rejects.toThrow(/1 or 2 captures at a time/);
  });

  it('backfill: works while a long-running process owns the data dir (through its API)', async () => {
    let redis: TestRedis | undefined;
    let app: App | undefined;
    try {
      redis = await startTestRedis();
      const cfg = testConfig({ dataDir: dir.dir, apiPort: 0 });
      app = await new App({ cfg, command: 'tagpulse run', roles: { scheduler: false, collect: false, load: false, api: true }, redis: redis.target, naming: { prefix: 'tp', suffix: randomName('q') }, collectors: new Map() }).start();
      captures.push({ timestamp: '20250601120000', original: 'https://www.tiktok.com/tag/mentalhealth', body: renderRehydrationPage({ tag: 'mentalhealth', challengeId: '5491', views: 70_000_000_123n, posts: 4_500_000n }) });
      const io = captureIo();
      expect(await runBackfillCommand({ tag: 'mentalhealth', dataDir: dir.dir, json: true }, io)).toBe(0);
      expect(JSON.parse(io.lines[0]!)).toMatchObject({ matching: 9, skipped: 8, fetched: 1, observations: 2 });
      const views = await app.store!.run(seriesQuery, { platform: 'tiktok', tag: 'mentalhealth', metric: 'views', from: '2025-06-01T00:00:00Z' });
      expect(views).toMatchObject([{ observed_at: '2025-06-01T12:00:00.000Z', value: '70000000123', exact: true, method: 'wayback' }]);
    } finally {
      await app?.stop();
      await redis?.cleanup();
    }
  }, 60_000);
});
