/** The Research collector against the local Research API (auth, window rules, paging, quota enforced). */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ResearchCollector, researchWindow } from '../../../src/collectors/research/collector.ts';
import { ResearchClient } from '../../../src/collectors/research/client.ts';
import { FileQuotaLedger } from '../../../src/collectors/research/quota.ts';
import { startFakeResearch, type FakeResearch } from '../../../src/demo/fake-research.ts';
import { Reading } from '../../../src/schema/observation.ts';
import { tempDir } from '../../helpers/tmp.ts';

const KEY = 'client-key-abc123';
const SECRET = 'client-secret-xyz789';

describe('researchWindow', () => {
  it('is the N complete UTC days ending yesterday', () => {
    expect(researchWindow(Date.parse('2024-09-11T08:30:00Z'), 7)).toEqual({
      startDate: '20240904',
      endDate: '20240910',
      days: ['2024-09-04', '2024-09-05', '2024-09-06', '2024-09-07', '2024-09-08', '2024-09-09', '2024-09-10'],
    });
    expect(researchWindow(Date.parse('2024-03-01T00:00:00Z'), 1)).toMatchObject({ startDate: '20240229', endDate: '20240229' });
  });
  it('refuses windows the API would refuse', () => {
    expect(() => researchWindow(Date.now(), 31)).toThrow(/1 to 30 days/);
    expect(() => researchWindow(Date.now(), 0)).toThrow(RangeError);
  });
});

describe('ResearchCollector', () => {
  let api: FakeResearch;
  const dirs: { cleanup: () => void }[] = [];
  // Busy days: 250 videos on the 5th, none on the 7th; other days a few.
  const perDay = (_tag: string, day: string) => (day.endsWith('-05') ? 250 : day.endsWith('-07') ? 0 : 3 + Number(day.slice(-1)));
  beforeAll(async () => {
    api = await startFakeResearch({ clientKey: KEY, clientSecret: SECRET, videosPerDay: perDay, requestsPerDay: 1000 });
  });
  afterAll(() => api.close());
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  const now = () => Date.parse('2024-09-11T08:30:00Z');
  const make = (o: { maxRequests?: number; requestsPerDay?: number; secret?: string; windowDays?: number } = {}) => {
    const d = tempDir();
    dirs.push(d);
    const client = new ResearchClient({ baseUrl: api.url, credentials: { clientKey: KEY, clientSecret: o.secret ?? SECRET }, userAgent: 'test', timeoutMs: 5000, allowPrivateOrigins: [api.url] });
    const ledger = new FileQuotaLedger(join(d.dir, 'q.json'), { requestsPerDay: o.requestsPerDay ?? 1000, recordsPerDay: 100_000 }, now);
    return { ledger, collector: new ResearchCollector({ client, ledger, windowDays: o.windowDays ?? 7, maxRequestsPerCollect: o.maxRequests ?? 50, now }) };
  };

  it('reads every page and stores videos per day and the views sum, exactly', async () => {
    const { collector, ledger } = make();
    const out = await collector.collect('mentalhealth');
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const videos = api.videosFor('mentalhealth', '20240904', '20240910');
    const byDay = new Map<string, number>();
    for (const v of videos) byDay.set(new Date(v.create_time * 1000).toISOString().slice(0, 10), (byDay.get(new Date(v.create_time * 1000).toISOString().slice(0, 10)) ?? 0) + 1);
    const created = out.readings.filter((r) => r.metric === 'videos_created');
    expect(created.map((r) => [r.observedAt, r.value])).toEqual([...byDay].map(([d, n]) => [`${d}T23:59:59.999Z`, String(n)]));
    expect(created.find((r) => r.observedAt?.startsWith('2024-09-07'))).toBeUndefined(); // an empty day is not a stored zero
    expect(created.every((r) => r.precision === 'exact' && r.timePrecision === 'day' && r.note?.includes('window 2024-09-04..2024-09-10'))).toBe(true);
    const sum = out.readings.find((r) => r.metric === 'video_views_sum')!;
    expect(sum.value).toBe(videos.reduce((a, v) => a + BigInt(v.view_count), 0n).toString());
    expect(sum).toMatchObject({ precision: 'exact', observedAt: '2024-09-11T08:30:00.000Z', timePrecision: 'instant', source: 'tiktok_research.video_query.view_count_sum' });
    expect(sum.note).toContain(`${videos.length} videos with #mentalhealth created 2024-09-04..2024-09-10`);
    expect(out).toMatchObject({ method: 'api', url: `${api.url}/v2/research/video/query/?fields=id,create_time,view_count,hashtag_names` });
    for (const r of out.readings) expect(Reading.safeParse(r).success).toBe(true);
    // 275 videos in pages of 100: 3 requests, recorded in the ledger.
    expect(await ledger.state()).toEqual({ day: '2024-09-11', requests: 3, records: videos.length });
    expect(api.queries.slice(-3).map((q) => q.cursor)).toEqual([0, 100, 200]);
  });

  it('stops at the page budget and stores lower bounds that say so', async () => {
    const { collector } = make({ maxRequests: 1 });
    const out = await collector.collect('mentalhealth');
    if (!out.ok) throw new Error(out.message);
    expect(out.readings.every((r) => r.precision === 'lower_bound')).toBe(true);
    expect(out.readings.find((r) => r.metric === 'video_views_sum')!.note).toContain('Incomplete (stopped after 1 requests');
  });

  it('quota exhausted → `quota` failure with retryAfterMs until 00:00 UTC, before any request', async () => {
    const { collector } = make({ requestsPerDay: 2 });
    const first = await collector.collect('mentalhealth'); // spends 2 of 3 needed pages
    expect(first.ok && first.readings.every((r) => r.precision === 'lower_bound')).toBe(true);
    const before = api.queries.length;
    const second = await collector.collect('mentalhealth');
    expect(second).toMatchObject({ ok: false, kind: 'quota', retryAfterMs: 15.5 * 3600_000 });
    expect(api.queries.length).toBe(before);
  });

  it('no credentials → `auth` saying what to set; wrong ones → `auth` without echoing them', async () => {
    const d = tempDir();
    dirs.push(d);
    const none = new ResearchCollector({ client: undefined, ledger: new FileQuotaLedger(join(d.dir, 'q.json'), { requestsPerDay: 1, recordsPerDay: 1 }), windowDays: 1, maxRequestsPerCollect: 1 });
    const out = await none.collect('x');
    expect(out).toMatchObject({ ok: false, kind: 'auth' });
    if (!out.ok) expect(out.message).toContain('TAGPULSE_RESEARCH_CLIENT_KEY');
    const wrong = await make({ secret: 'not-the-secret-000' }).collector.collect('x');
    expect(wrong).toMatchObject({ ok: false, kind: 'auth', platformCode: 'invalid_client' });
    expect(JSON.stringify(wrong)).not.toContain('not-the-secret-000');
  });

  it('a tag without videos in the window is not_found, not a zero', async () => {
    const quiet = await startFakeResearch({ clientKey: KEY, clientSecret: SECRET, videosPerDay: () => 0 });
    try {
      const d = tempDir();
      dirs.push(d);
      const client = new ResearchClient({ baseUrl: quiet.url, credentials: { clientKey: KEY, clientSecret: SECRET }, userAgent: 't', timeoutMs: 5000, allowPrivateOrigins: [quiet.url] });
      const c = new ResearchCollector({ client, ledger: new FileQuotaLedger(join(d.dir, 'q.json'), { requestsPerDay: 10, recordsPerDay: 1000 }, now), windowDays: 3, maxRequestsPerCollect: 5, now });
      expect(await c.collect('nothinghere')).toMatchObject({ ok: false, kind: 'not_found' });
    } finally {
      await quiet.close();
    }
  });
});

describe('fake Research API rules', () => {
  it('refuses windows over 30 days, unknown tokens and bad credentials', async () => {
    const api = await startFakeResearch({ clientKey: KEY, clientSecret: SECRET });
    try {
      const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${api.url}${path}`, { method: 'POST', body, headers }).then(async (r) => ({ status: r.status, json: (await r.json()) as { error?: { code?: string } | string; access_token?: string } }));
      expect((await post('/v2/oauth/token/', `client_key=${KEY}&client_secret=nope&grant_type=client_credentials`, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
      const token = (await post('/v2/oauth/token/', `client_key=${KEY}&client_secret=${SECRET}&grant_type=client_credentials`, { 'content-type': 'application/x-www-form-urlencoded' })).json.access_token!;
      const q = (start: string, end: string, auth = `Bearer ${token}`) =>
        post('/v2/research/video/query/?fields=id,create_time,view_count', JSON.stringify({ query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['x'] }] }, start_date: start, end_date: end, max_count: 100 }), { authorization: auth, 'content-type': 'application/json' });
      expect(await q('20240101', '20240131')).toMatchObject({ status: 200 });
      expect(await q('20240101', '20240201')).toMatchObject({ status: 400, json: { error: { code: 'invalid_params' } } });
      expect(await q('20240101', '20240102', 'Bearer clt.forged')).toMatchObject({ status: 401, json: { error: { code: 'access_token_invalid' } } });
    } finally {
      await api.close();
    }
  });
});
