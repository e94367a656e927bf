/** The backfill engine against a local Wayback Machine, with an in-memory sink standing in for the store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackfill, type BackfillProgress, type BackfillSink } from '../../../src/collectors/wayback/backfill.ts';
import { startFakeWayback, tiktokEraCaptures, type FakeWayback } from '../../../src/demo/fake-wayback.ts';
import { captureTime } from '../../../src/collectors/wayback/cdx.ts';
import { renderConsentPage, renderHashtagPage } from '../../../src/collectors/youtube/render.ts';
import { Observation } from '../../../src/schema/observation.ts';
import { CollectionFailure } from '../../../src/schema/failure.ts';

function memorySink() {
  const observations: Observation[] = [];
  const failures: CollectionFailure[] = [];
  const writes: number[] = [];
  const sink: BackfillSink = {
    storedTimes: async () => new Set(observations.map((o) => o.observedAt)),
    failedCaptures: async () => new Set(failures.filter((f) => !['network', 'server_error', 'throttled'].includes(f.kind)).map((f) => f.url)),
    write: async (o, f) => {
      writes.push(o.length + f.length);
      observations.push(...o);
      failures.push(...f);
    },
  };
  return { sink, observations, failures, writes };
}

describe('Wayback backfill', () => {
  const captures = tiktokEraCaptures('mentalhealth');
  let wb: FakeWayback;
  beforeAll(async () => {
    wb = await startFakeWayback({ captures, throttleOnce: ['20220612090000'], failOnce: ['20240305160000'], retryAfterS: 3 });
  });
  afterAll(() => wb.close());

  const waits: number[] = [];
  const options = (sink: BackfillSink, extra: Partial<Parameters<typeof runBackfill>[0]> = {}) => ({
    platform: 'tiktok',
    tag: 'mentalhealth',
    waybackBaseUrl: wb.url,
    userAgent: 'tagpulse-test',
    timeoutMs: 5000,
    concurrency: 1,
    delayMs: 250,
    sink,
    sleep: async (ms: number) => void waits.push(ms),
    ...extra,
  });

  it('parses every era, records failures as failures, backs off politely, and resumes without refetching', async () => {
    const mem = memorySink();
    const progress: BackfillProgress[] = [];
    const summary = await runBackfill(options(mem.sink, { onProgress: (p) => progress.push(p) }));
    expect(summary).toMatchObject({ listed: 9, matching: 8, skipped: 0, fetched: 8, failures: { captcha: 1, no_data: 1 }, transientFailures: 0 });

    // One observation set per era, each value exactly what the capture held (rounded where the era shows rounded figures).
    const views = mem.observations.filter((o) => o.metric === 'views').map((o) => [o.observedAt, o.value, o.precision, o.source]);
    expect(views).toEqual([
      ['2020-04-15T08:30:00.000Z', '3200000000', 'rounded', 'wayback:tiktok.next_data.stats'],
      ['2021-03-04T10:15:00.000Z', '7900000000', 'rounded', 'wayback:tiktok.sigi.stats'],
      ['2022-06-12T09:00:00.000Z', '16400000000', 'rounded', 'wayback:tiktok.sigi.stats'],
      ['2023-10-01T14:00:00.000Z', '41200000000', 'rounded', 'wayback:tiktok.page.text'],
      ['2024-03-05T16:00:00.000Z', '52345678901', 'exact', 'wayback:tiktok.rehydration.statsV2'],
    ]);
    const posts2025 = mem.observations.find((o) => o.observedAt.startsWith('2025-01-20'));
    expect(posts2025).toMatchObject({ metric: 'posts', value: '4000000', precision: 'rounded', step: '1000000', source: 'wayback:tiktok.page.text' });
    for (const o of mem.observations) {
      expect(Observation.safeParse(o).success).toBe(true);
      expect(o).toMatchObject({ method: 'wayback', platform: 'tiktok', tag: 'mentalhealth', collectorVersion: 'wayback/1.0.0' });
      expect(o.provenance).toMatch(new RegExp(`^${wb.url}/web/\\d{14}id_/https://www\\.tiktok\\.com/tag/mentalhealth`));
      expect(o.slot).toBe(o.observedAt);
    }
    expect(mem.observations.some((o) => o.provenance.includes('mentalhealthmatters'))).toBe(false);

    expect(mem.failures.map((f) => [f.kind, f.slot, f.method])).toEqual([
      ['captcha', '2021-08-11T12:00:00.000Z', 'wayback'],
      ['no_data', '2024-09-18T07:00:00.000Z', 'wayback'],
    ]);
    for (const f of mem.failures) expect(CollectionFailure.safeParse(f).success).toBe(true);

    // Politeness: a pause between captures; the 429 waited its Retry-After (3 s); the 503 backed off and was retried.
    expect(waits.filter((w) => w === 250).length).toBe(7);
    expect(waits).toContain(3000);
    expect(wb.captureRequests.filter((r) => r.status !== 200).map((r) => [r.timestamp, r.status])).toEqual([
      ['20220612090000', 429],
      ['20240305160000', 503],
    ]);
    expect(progress.at(-1)).toMatchObject({ done: 8, total: 8, failed: 2, stored: mem.observations.length });
    expect(mem.observations).toHaveLength(10); // views + posts where the era carries both

    // Resume: everything is stored or a permanent failure now, so nothing is fetched again.
    const requestsBefore = wb.captureRequests.length;
    const again = await runBackfill(options(mem.sink));
    expect(again).toMatchObject({ matching: 8, skipped: 8, fetched: 0 });
    expect(wb.captureRequests.length).toBe(requestsBefore);
  });

  it('from/to narrow the CDX query; two fetchers at most', async () => {
    const mem = memorySink();
    const s = await runBackfill(options(mem.sink, { from: new Date('2021-01-01T00:00:00Z'), to: new Date('2022-12-31T00:00:00Z'), concurrency: 2 }));
    expect(Object.fromEntries(wb.cdxQueries.at(-1)!)).toMatchObject({ from: '20210101', to: '20221231' });
    expect(s.matching).toBe(3);
    expect(mem.observations.map((o) => o.observedAt).every((t) => t >= '2021' && t < '2023')).toBe(true);
  });

  it('follows the archive to the nearest capture and dates the value by the capture served', async () => {
    const redirecting = await startFakeWayback({ captures: [{ ...captures[0]!, listedTimestamp: '20200415083001' }] });
    try {
      const mem = memorySink();
      await runBackfill({ ...options(mem.sink), waybackBaseUrl: redirecting.url });
      expect(redirecting.captureRequests.map((r) => r.status)).toEqual([302, 200]);
      expect(mem.observations[0]!.observedAt).toBe(captureTime('20200415083000'));
      expect(mem.observations[0]!.provenance).toContain('/web/20200415083000id_/');
    } finally {
      await redirecting.close();
    }
  });

  it('YouTube hashtag pages are backfilled with the YouTube parser', async () => {
    const yt = await startFakeWayback({
      captures: [
        { timestamp: '20210505050505', original: 'https://www.youtube.com/hashtag/mentalhealth', body: renderHashtagPage({ tag: 'mentalhealth', videos: 512_345n, channels: 170_000n }) },
        { timestamp: '20220505050505', original: 'https://www.youtube.com/hashtag/mentalhealth', body: renderConsentPage() },
      ],
    });
    try {
      const mem = memorySink();
      const s = await runBackfill({ ...options(mem.sink), platform: 'youtube', waybackBaseUrl: yt.url });
      expect(Object.fromEntries(yt.cdxQueries[0]!)).toMatchObject({ url: 'youtube.com/hashtag/mentalhealth' });
      expect(s.failures).toEqual({ consent: 1 });
      expect(mem.observations.map((o) => [o.platform, o.metric, o.value, o.step, o.source])).toEqual([
        ['youtube', 'posts', '512300', '100', 'wayback:youtube.hashtag_header.videos'],
        ['youtube', 'channels', '170000', '1000', 'wayback:youtube.hashtag_header.channels'],
      ]);
    } finally {
      await yt.close();
    }
  });

  it('an unreachable index or an unknown platform is a clear error', async () => {
    await expect(runBackfill(options(memorySink().sink, { platform: 'myspace' }))).rejects.toThrow(/supported: tiktok, youtube/);
    await expect(runBackfill(options(memorySink().sink, { waybackBaseUrl: 'http://127.0.0.1:9', attempts: 1 }))).rejects.toThrow(/could not reach the Wayback CDX index/);
  });
});
