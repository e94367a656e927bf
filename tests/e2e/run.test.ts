/**
 * End to end, as a user runs it: `tagpulse run` owns the embedded store; other CLI commands (track add, report,
 * status) reach it through its local API; the pipeline samples a local TikTok-shaped server with injected failures;
 * every stored value is checked against what the server really served.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startFakeTikTok, type FakeTikTok } from '../../src/demo/fake-tiktok.ts';
import { openClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { seriesQuery, recentFailuresQuery } from '../../src/store/queries.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runCli, startCli, type LongRunning } from '../helpers/cli.ts';

describe('e2e: tagpulse run + CLI through the owner API', () => {
  let fake: FakeTikTok;
  let redis: TestRedis;
  let dir: { dir: string; cleanup: () => void };
  let run: LongRunning;
  const env = () => ({ TAGPULSE_TIKTOK_BASE_URL: fake.url, TAGPULSE_BACKOFF_MS: '300', TAGPULSE_LOAD_FLUSH_MS: '50', TAGPULSE_RATE_LIMIT_MAX: '1000' });

  beforeAll(async () => {
    fake = await startFakeTikTok({ failureRate: 0.25, failureKinds: ['captcha', 'empty', 'hollow', 'throttled'], seed: 7, notFound: ['doesnotexist'] });
    redis = await startTestRedis();
    dir = tempDir();
  });
  afterAll(async () => {
    await run?.stop('SIGKILL');
    await fake?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('runs, serves other commands, and stores only values the server really sent', async () => {
    run = startCli(['run', '--data-dir', dir.dir, '--redis-url', redis.url, '--port', '0'], env());
    await run.waitFor(/dashboard and API: (http:\/\/127\.0\.0\.1:\d+)/);

    // While run owns the data dir, track add goes through its API (and refreshes its schedulers).
    const add = await runCli(['track', 'add', '#MentalHealth', 'suicidepreventionmonth', 'doesnotexist', '--every', '10s', '--data-dir', dir.dir], env());
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('tracking #mentalhealth on tiktok every 10s');

    // Wait for a few scheduled samples (two cadences), with failures injected along the way.
    const deadline = Date.now() + 45_000;
    let report: { latest: { value: string } | null } = { latest: null };
    while (Date.now() < deadline) {
      const r = await runCli(['report', 'mentalhealth', '--json', '--data-dir', dir.dir], env());
      // 3 (EXIT.NO_DATA, issue 14; it was 0) until the first sample is stored, then 0.
      expect(r.code, r.stderr).toBe(JSON.parse(r.stdout).latest ? 0 : 3);
      report = JSON.parse(r.stdout);
      const s = await runCli(['report', 'suicidepreventionmonth', '--json', '--data-dir', dir.dir], env());
      if (report.latest && JSON.parse(s.stdout).points >= 2 && (report as unknown as { points: number }).points >= 2) break;
      await new Promise((r2) => setTimeout(r2, 1000));
    }
    expect(report.latest).not.toBeNull();

    const status = await runCli(['status', '--data-dir', dir.dir], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/#mentalhealth/);
    expect(status.stdout).toMatch(/not_found/);

    // Graceful stop: in-flight jobs finish, the data dir is released.
    expect(await run.stop('SIGTERM')).toBe(0);
    expect(run.output()).toContain('stopping: finishing in-flight jobs');

    const store = await openClickHouseStore({ dataDir: dir.dir });
    try {
      for (const tag of ['mentalhealth', 'suicidepreventionmonth']) {
        const served = fake.served.filter((s) => s.tag === tag);
        for (const metric of ['views', 'posts'] as const) {
          const rows = await store.run(seriesQuery, { platform: 'tiktok', tag, metric });
          expect(rows.length).toBeGreaterThanOrEqual(2);
          const truth = new Set(served.map((s) => s[metric]));
          for (const r of rows) {
            expect(truth.has(r.value), `${tag} ${metric} ${r.value} was served`).toBe(true);
            expect(r.value).not.toBe('0');
          }
          // One row per slot.
          expect(new Set(rows.map((r) => r.slot)).size).toBe(rows.length);
        }
      }
      expect(await store.run(seriesQuery, { platform: 'tiktok', tag: 'doesnotexist', metric: 'views' })).toEqual([]);
      const failures = await store.run(recentFailuresQuery, { since: '2000-01-01T00:00:00Z', limit: 1000 });
      expect(failures.some((f) => f.kind === 'not_found' && f.tag === 'doesnotexist')).toBe(true);
      if (fake.failuresInjected > 0) expect(failures.some((f) => ['captcha', 'empty', 'hollow', 'throttled'].includes(f.kind))).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('gives a clear message, not a stack trace, when another process holds the data dir without an API', async () => {
    // A foreground command holds the dir; a second one must name it.
    const holder = startCli(['run', '--data-dir', dir.dir, '--redis-url', redis.url, '--no-api', '--no-collect'], env());
    await holder.waitFor(/tagpulse is running/);
    const r = await runCli(['report', 'mentalhealth', '--data-dir', dir.dir], env());
    await holder.stop('SIGTERM');
    expect(r.code).toBe(4); // EXIT.STORE_LOCKED (was 2, shared with usage errors: issue 14)
    expect(r.stderr).toMatch(/error: the data dir .* is in use by process \d+ \(`tagpulse run`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('reports user mistakes in one line', async () => {
    const bad = await runCli(['track', 'add', 'bad tag!', '--data-dir', dir.dir], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: invalid tag "bad tag!": it contains " "/);
    const every = await runCli(['track', 'add', 'ok', '--every', 'often', '--data-dir', dir.dir], env());
    expect(every.stderr).toMatch(/invalid cadence "often"/);
    const cfg = await runCli(['status', '--data-dir', dir.dir], { TAGPULSE_API_PORT: 'abc' });
    expect(cfg.code).toBe(2);
    expect(cfg.stderr).toMatch(/env TAGPULSE_API_PORT: "abc" is not valid for apiPort/);
  }, 60_000);
});

describe('e2e: tagpulse demo', () => {
  it('runs the real pipeline offline for a short time and leaves a reportable store', async () => {
    const t = tempDir();
    try {
      const demo = await runCli(['demo', '--data-dir', t.dir, '--port', '0', '--every', '10s', '--duration-s', '14', '--failure-rate', '0'], {}, 90_000);
      expect(demo.code).toBe(0);
      expect(demo.stdout).toMatch(/open the dashboard: http:\/\/127\.0\.0\.1:\d+\//);
      const r = await runCli(['report', 'mentalhealth', '--json', '--data-dir', t.dir]);
      const report = JSON.parse(r.stdout);
      expect(report.points).toBeGreaterThanOrEqual(2);
      expect(report.latest.exact).toBe(true);
      expect(BigInt(report.latest.value)).toBeGreaterThan(16_400_000_000n);
    } finally {
      t.cleanup();
    }
  }, 120_000);
});
