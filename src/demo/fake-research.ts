/**
 * A local TikTok Research API: POST /v2/oauth/token/ (client credentials) and POST /v2/research/video/query/, with the
 * real API's rules enforced so the client is tested against them:
 *  - tokens: only for the configured client key/secret, expiring after `tokenTtlS`; queries need a live Bearer token;
 *  - queries: `fields` must be given; `hashtag_name EQ <tag>`; start_date/end_date YYYYMMDD with end_date at most 30
 *    days after start_date (else invalid_params); max_count ≤ 100; paging by cursor + search_id;
 *  - quota: requests and records per UTC day (daily_quota_limit_exceeded, HTTP 429).
 * Videos are deterministic per (tag, day). Loopback only. Every page served is logged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startLoopbackServer, type Reply } from '../collectors/common/loopback-server.ts';

export interface FakeResearchOptions {
  clientKey: string;
  clientSecret: string;
  tokenTtlS?: number;
  /** Videos created per UTC day for a tag (default: derived from the tag, 0–40). */
  videosPerDay?: (tag: string, day: string) => number;
  requestsPerDay?: number;
  recordsPerDay?: number;
  port?: number;
}

export interface FakeVideo {
  id: string;
  create_time: number;
  view_count: number;
  hashtag_names: string[];
}

export interface FakeResearch {
  url: string;
  tokensIssued: number;
  queries: { tag: string; startDate: string; endDate: string; cursor: number; returned: number }[];
  /** Every video of a tag in a window, as the server sees them (for checking what was stored). */
  videosFor(tag: string, startDate: string, endDate: string): FakeVideo[];
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const DAY_MS = 86_400_000;

const apiError = (reply: Reply, status: number, code: string, message: string) =>
  reply(status, JSON.stringify({ data: {}, error: { code, message, log_id: `2024${randomBytes(8).toString('hex').toUpperCase()}` } }), JSON_TYPE);

function dayOf(yyyymmdd: string): number | null {
  const m = /^(\d{4})(\d\d)(\d\d)$/.exec(yyyymmdd);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10).replaceAll('-', '') === yyyymmdd ? t : null;
}

export async function startFakeResearch(o: FakeResearchOptions): Promise<FakeResearch> {
  const tokens = new Map<string, number>(); // token → expiry ms
  const searches = new Map<string, FakeVideo[]>();
  const queries: FakeResearch['queries'] = [];
  const usage = { day: '', requests: 0, records: 0 };
  let tokensIssued = 0;
  const perDay = o.videosPerDay ?? ((tag: string, day: string) => createHash('sha256').update(`${tag}:${day}`).digest()[0]! % 41);

  const videosFor = (tag: string, startDate: string, endDate: string): FakeVideo[] => {
    const out: FakeVideo[] = [];
    for (let t = dayOf(startDate)!; t <= dayOf(endDate)!; t += DAY_MS) {
      const day = new Date(t).toISOString().slice(0, 10);
      for (let i = 0; i < perDay(tag, day); i++) {
        const h = createHash('sha256').update(`${tag}:${day}:${i}`).digest();
        out.push({ id: (7_000_000_000_000_000_000n + BigInt(h.readUInt32BE(0)) * 1000n + BigInt(i)).toString(), create_time: t / 1000 + (h.readUInt32BE(4) % 86_400), view_count: h.readUInt32BE(8) % 2_000_000, hashtag_names: [tag, 'fyp'] });
      }
    }
    return out;
  };

  const server = await startLoopbackServer((req, url, reply, body) => {
    if (req.method !== 'POST') return apiError(reply, 405, 'invalid_request', 'method not allowed');
    if (url.pathname === '/v2/oauth/token/') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials') return reply(400, JSON.stringify({ error: 'invalid_grant', error_description: 'grant_type must be client_credentials', log_id: 'fake' }), JSON_TYPE);
      if (form.get('client_key') !== o.clientKey || form.get('client_secret') !== o.clientSecret) return reply(401, JSON.stringify({ error: 'invalid_client', error_description: 'Client key or secret is incorrect.', log_id: 'fake' }), JSON_TYPE);
      const token = `clt.${randomBytes(24).toString('hex')}`;
      const ttl = o.tokenTtlS ?? 7200;
      tokens.set(token, Date.now() + ttl * 1000);
      tokensIssued++;
      return reply(200, JSON.stringify({ access_token: token, expires_in: ttl, token_type: 'Bearer' }), JSON_TYPE);
    }
    if (url.pathname !== '/v2/research/video/query/') return apiError(reply, 404, 'not_found', 'no such endpoint');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = token ? tokens.get(token) : undefined;
    if (!token || expiry === undefined || expiry < Date.now()) return apiError(reply, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    const fields = (url.searchParams.get('fields') ?? '').split(',');
    if (!fields.includes('id') || !fields.includes('create_time')) return apiError(reply, 400, 'invalid_params', 'fields must include id and create_time');
    const today = new Date().toISOString().slice(0, 10);
    if (usage.day !== today) Object.assign(usage, { day: today, requests: 0, records: 0 });
    if (usage.requests >= (o.requestsPerDay ?? 1000) || usage.records >= (o.recordsPerDay ?? 100_000)) return apiError(reply, 429, 'daily_quota_limit_exceeded', 'Daily quota limit exceeded. Quota resets at 12 AM UTC.');
    usage.requests++;
    let q: Record<string, unknown>;
    try {
      q = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return apiError(reply, 400, 'invalid_params', 'request body is not JSON');
    }
    const cond = ((q.query as { and?: unknown[] } | undefined)?.and ?? [])[0] as { operation?: string; field_name?: string; field_values?: string[] } | undefined;
    if (cond?.operation !== 'EQ' || cond.field_name !== 'hashtag_name' || !cond.field_values?.[0]) return apiError(reply, 400, 'invalid_params', 'expected query.and[0] = hashtag_name EQ <tag>');
    const start = dayOf(String(q.start_date ?? ''));
    const end = dayOf(String(q.end_date ?? ''));
    if (start === null || end === null || end < start) return apiError(reply, 400, 'invalid_params', 'start_date and end_date must be YYYYMMDD with start_date <= end_date');
    if (end - start > 30 * DAY_MS) return apiError(reply, 400, 'invalid_params', 'end_date must be no more than 30 days after start_date');
    const maxCount = Number(q.max_count ?? 20);
    if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > 100) return apiError(reply, 400, 'invalid_params', 'max_count must be 1..100');
    const tag = cond.field_values[0].toLowerCase();
    const cursor = Number(q.cursor ?? 0);
    let searchId = typeof q.search_id === 'string' ? q.search_id : '';
    let all: FakeVideo[];
    if (cursor > 0) {
      const cached = searches.get(searchId);
      if (!cached) return apiError(reply, 400, 'invalid_params', 'search_id is required to page (cursor > 0) and must come from an earlier page');
      all = cached;
    } else {
      all = videosFor(tag, String(q.start_date), String(q.end_date));
      searchId = randomBytes(8).toString('hex');
      searches.set(searchId, all);
    }
    const videos = all.slice(cursor, cursor + maxCount);
    usage.records += videos.length;
    queries.push({ tag, startDate: String(q.start_date), endDate: String(q.end_date), cursor, returned: videos.length });
    const page = JSON.stringify({ data: { videos, cursor: cursor + videos.length, has_more: cursor + videos.length < all.length, search_id: searchId }, error: { code: 'ok', message: '', log_id: 'fake' } });
    // Like the real API, ids are JSON numbers (19 digits, beyond 2^53).
    reply(200, page.replace(/"id":"(\d+)"/g, '"id":$1'), JSON_TYPE);
  }, o.port);
  return {
    url: server.url,
    get tokensIssued() {
      return tokensIssued;
    },
    queries,
    videosFor,
    close: server.close,
  };
}
