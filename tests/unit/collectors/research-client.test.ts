/** The Research API client against a local server answering with recorded-shape fixtures. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ResearchApiError, ResearchClient, idsAsStrings, videoQueryBody } from '../../../src/collectors/research/client.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../src/collectors/common/loopback-server.ts';
import { fixture } from './helpers.ts';

const KEY = 'awkey-test-1234567890';
const SECRET = 'very-secret-value-0987654321';
const r = (name: string) => fixture('research', name);

describe('Research API client', () => {
  let server: LoopbackServer;
  /** What the next query answers: [status, body]; the token endpoint answers `token`. */
  let queryAnswers: [number, string][] = [];
  let token: [number, string] = [200, r('token.json')];
  const requests: { path: string; auth?: string; body: string }[] = [];
  beforeAll(async () => {
    server = await startLoopbackServer((req, url, reply, body) => {
      requests.push({ path: url.pathname + url.search, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body });
      if (url.pathname === '/v2/oauth/token/') return reply(token[0], token[1], 'application/json');
      const [status, text] = queryAnswers.shift() ?? [500, '{}'];
      reply(status, text, 'application/json', status === 429 ? { 'retry-after': '30' } : {});
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    requests.length = 0;
    queryAnswers = [];
    token = [200, r('token.json')];
  });

  let clock = Date.parse('2024-09-11T08:00:00Z');
  const client = () => new ResearchClient({ baseUrl: server.url, credentials: { clientKey: KEY, clientSecret: SECRET }, userAgent: 'test', timeoutMs: 5000, allowPrivateOrigins: [server.url], now: () => clock });
  const query = { tag: 'mentalhealth', startDate: '20240904', endDate: '20240910' };

  it('gets a client-credentials token, then queries with the documented fields and body', async () => {
    queryAnswers.push([200, r('video-query-page-1.json')]);
    const page = await client().queryVideos(query);
    expect(requests[0]!.path).toBe('/v2/oauth/token/');
    expect(Object.fromEntries(new URLSearchParams(requests[0]!.body))).toEqual({ client_key: KEY, client_secret: SECRET, grant_type: 'client_credentials' });
    expect(requests[1]!.path).toBe('/v2/research/video/query/?fields=id,create_time,view_count,hashtag_names');
    expect(requests[1]!.auth).toMatch(/^Bearer clt\./);
    expect(JSON.parse(requests[1]!.body)).toEqual({ query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['mentalhealth'] }] }, start_date: '20240904', end_date: '20240910', max_count: 100 });
    expect(page).toMatchObject({ cursor: 3, hasMore: true, searchId: '7412399999999999999' });
    // 19-digit ids stay distinct (JSON.parse alone would round ...001 and ...002 to the same number).
    expect(page.videos.map((v) => v.id)).toEqual(['7412345678901234001', '7412345678901234002', '7412345678901234003']);
    expect(page.videos[0]).toEqual({ id: '7412345678901234001', createTime: 1725926400, viewCount: '15320' });
  });

  it('pages with cursor and search_id; a missing view_count is null, not zero', async () => {
    queryAnswers.push([200, r('video-query-page-2.json')]);
    const page = await client().queryVideos({ ...query, cursor: 3, searchId: '7412399999999999999' });
    expect(JSON.parse(requests[1]!.body)).toMatchObject({ cursor: 3, search_id: '7412399999999999999' });
    expect(page.hasMore).toBe(false);
    expect(page.videos[1]).toEqual({ id: '7412345678901234004', createTime: 1726030000, viewCount: null });
  });

  it('reuses the token until 5 minutes before its 2 h expiry, then refreshes it', async () => {
    const c = client();
    queryAnswers.push([200, r('video-query-page-2.json')], [200, r('video-query-page-2.json')], [200, r('video-query-page-2.json')]);
    await c.queryVideos(query);
    clock += 110 * 60_000; // 1 h 50: still valid
    await c.queryVideos(query);
    clock += 6 * 60_000; // 1 h 56: within the refresh margin
    await c.queryVideos(query);
    expect(requests.filter((x) => x.path === '/v2/oauth/token/')).toHaveLength(2);
  });

  it('replaces a token the API calls invalid, once', async () => {
    queryAnswers.push([401, r('access-token-invalid.json')], [200, r('video-query-page-2.json')]);
    await client().queryVideos(query);
    expect(requests.map((x) => x.path.slice(0, 16))).toEqual(['/v2/oauth/token/', '/v2/research/vid', '/v2/oauth/token/', '/v2/research/vid']);
  });

  it.each([
    [429, 'quota-exceeded.json', 'quota'],
    [403, 'scope-not-authorized.json', 'auth'],
    [400, 'invalid-params.json', 'refused'],
    [429, '{"error":{"code":"rate_limit_exceeded","message":"slow down"}}', 'throttled'],
    [502, '<html>bad gateway</html>', 'server_error'],
    [200, '{"data":{"videos":"nope"},"error":{"code":"ok"}}', 'malformed'],
  ])('HTTP %i %s → %s', async (status, body, kind) => {
    queryAnswers.push([status, body.endsWith('.json') ? r(body) : body], [status, body.endsWith('.json') ? r(body) : body]);
    const e = await client().queryVideos(query).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResearchApiError);
    expect((e as ResearchApiError).kind).toBe(kind);
    if (kind === 'throttled') expect((e as ResearchApiError).retryAfterMs).toBe(30_000);
  });

  it('refused credentials are `auth`, and no error text carries them', async () => {
    token = [401, JSON.stringify({ error: 'invalid_client', error_description: `bad key ${KEY} / ${SECRET}` })];
    const e = (await client().queryVideos(query).catch((x: unknown) => x)) as ResearchApiError;
    expect(e.kind).toBe('auth');
    expect(e.message).toContain('invalid_client');
    expect(e.message).not.toContain(KEY);
    expect(e.message).not.toContain(SECRET);
    expect(requests.every((x) => !x.path.includes(SECRET) && !x.path.includes(KEY))).toBe(true);
  });

  it('idsAsStrings only quotes long id numbers', () => {
    expect(idsAsStrings('{"id":7412345678901234001,"view_count":12345678901234567,"x":{"id": 12}}')).toBe('{"id":"7412345678901234001","view_count":12345678901234567,"x":{"id": 12}}');
    expect(videoQueryBody({ ...query, cursor: 0 })).toMatchObject({ cursor: 0 });
  });
});
