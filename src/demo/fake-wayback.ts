/**
 * A local Wayback Machine: the CDX index (/cdx/search/cdx with url, matchType=prefix, from, to, filter=statuscode:…,
 * collapse=timestamp:8, output=json, fl=…) and raw captures (/web/<timestamp>id_/<original>, redirecting to the
 * nearest capture of the same URL like the real archive). It can answer 429 (with Retry-After) or 503 once per
 * capture, to exercise backoff. `tiktokEraCaptures` builds a tag's history in every page format TikTok has used.
 * Loopback only.
 */
import { startLoopbackServer } from '../collectors/common/loopback-server.ts';
import {
  renderCaptchaPage,
  renderH2PostsPage,
  renderH2ViewsPage,
  renderNextDataPage,
  renderRehydrationPage,
  renderSigiInlinePage,
  renderSigiScriptPage,
  renderSomethingWentWrongPage,
} from '../collectors/tiktok/render.ts';

export interface FakeCapture {
  timestamp: string;
  original: string;
  body: string;
  /** The archived response's status (CDX `statuscode`); default 200. */
  statusCode?: number;
  mimeType?: string;
  /** The timestamp the index lists, when it differs from the capture's (a revisit record): fetching it redirects here. */
  listedTimestamp?: string;
  /** What the capture holds, for tests: the counts rendered into it, or the failure page it is. */
  expect?: { views?: bigint; posts?: bigint; failure?: string };
}

export interface FakeWaybackOptions {
  captures: FakeCapture[];
  /** Capture timestamps answered once with 429 + Retry-After before being served. */
  throttleOnce?: string[];
  /** Capture timestamps answered once with 503 before being served. */
  failOnce?: string[];
  retryAfterS?: number;
  port?: number;
}

export interface FakeWayback {
  url: string;
  cdxQueries: URLSearchParams[];
  /** Raw-capture requests, in order (timestamp and HTTP status answered). */
  captureRequests: { timestamp: string; status: number }[];
  close(): Promise<void>;
}

const FIELDS: Record<string, (c: FakeCapture) => string> = {
  urlkey: (c) => urlKey(c.original),
  timestamp: (c) => listed(c),
  original: (c) => c.original,
  mimetype: (c) => c.mimeType ?? 'text/html',
  statuscode: (c) => String(c.statusCode ?? 200),
  digest: (c) => `SHA1${Buffer.from(c.timestamp).toString('hex').toUpperCase().slice(0, 28)}`,
  length: (c) => String(Math.max(300, Math.round(c.body.length / 4))),
};

const NOT_ARCHIVED = '<!DOCTYPE html><title>Wayback Machine</title><p>Hrm. The Wayback Machine has not archived that URL.</p>';

const listed = (c: FakeCapture) => c.listedTimestamp ?? c.timestamp;

/** The CDX's SURT-like key without scheme and www: "tiktok.com/tag/mentalhealth?lang=en". */
function urlKey(original: string): string {
  return original.replace(/^https?:\/\//i, '').replace(/^www\./i, '').toLowerCase();
}

export async function startFakeWayback(o: FakeWaybackOptions): Promise<FakeWayback> {
  const cdxQueries: URLSearchParams[] = [];
  const captureRequests: FakeWayback['captureRequests'] = [];
  const throttle = new Set(o.throttleOnce ?? []);
  const failing = new Set(o.failOnce ?? []);
  const server = await startLoopbackServer((_req, url, reply) => {
    if (url.pathname === '/cdx/search/cdx') {
      const q = url.searchParams;
      cdxQueries.push(q);
      const prefix = urlKey(q.get('url') ?? '');
      const from = q.get('from') ?? '';
      const to = q.get('to') ?? '';
      const statusFilter = q.getAll('filter').map((f) => /^statuscode:(.+)$/.exec(f)?.[1]).find(Boolean);
      const seenDays = new Set<string>();
      const rows = o.captures
        .filter((c) => (q.get('matchType') === 'prefix' ? urlKey(c.original).startsWith(prefix) : urlKey(c.original) === prefix))
        .filter((c) => (!from || listed(c) >= from.padEnd(14, '0')) && (!to || listed(c) <= to.padEnd(14, '9')))
        .filter((c) => !statusFilter || new RegExp(`^(?:${statusFilter})$`).test(String(c.statusCode ?? 200)))
        .sort((a, b) => urlKey(a.original).localeCompare(urlKey(b.original)) || listed(a).localeCompare(listed(b)))
        .filter((c) => q.get('collapse') !== 'timestamp:8' || (!seenDays.has(urlKey(c.original) + listed(c).slice(0, 8)) && seenDays.add(urlKey(c.original) + listed(c).slice(0, 8))));
      const fl = (q.get('fl') ?? 'urlkey,timestamp,original,mimetype,statuscode,digest,length').split(',');
      if (q.get('output') !== 'json') return reply(200, rows.map((c) => fl.map((f) => FIELDS[f]?.(c) ?? '-').join(' ')).join('\n'), 'text/plain');
      return reply(200, rows.length ? JSON.stringify([fl, ...rows.map((c) => fl.map((f) => FIELDS[f]?.(c) ?? '-'))]) : '[]', 'application/json');
    }
    const m = /^\/web\/(\d{14})id_\/(.+)$/.exec(url.pathname);
    if (!m) return reply(404, NOT_ARCHIVED, 'text/html');
    const [, timestamp = '', path = ''] = m;
    const original = path + url.search;
    const sameUrl = o.captures.filter((c) => c.original === original);
    const exact = sameUrl.find((c) => c.timestamp === timestamp);
    if (!exact) {
      const nearest = sameUrl.sort((a, b) => Math.abs(Number(a.timestamp) - Number(timestamp)) - Math.abs(Number(b.timestamp) - Number(timestamp)))[0];
      captureRequests.push({ timestamp, status: nearest ? 302 : 404 });
      if (!nearest) return reply(404, NOT_ARCHIVED, 'text/html');
      return reply(302, '', 'text/plain', { location: `/web/${nearest.timestamp}id_/${nearest.original}` });
    }
    if (throttle.delete(timestamp)) {
      captureRequests.push({ timestamp, status: 429 });
      return reply(429, 'Too Many Requests', 'text/plain', { 'retry-after': String(o.retryAfterS ?? 1) });
    }
    if (failing.delete(timestamp)) {
      captureRequests.push({ timestamp, status: 503 });
      return reply(503, 'Service Unavailable', 'text/plain');
    }
    captureRequests.push({ timestamp, status: 200 });
    reply(200, exact.body, 'text/html; charset=utf-8');
  }, o.port);
  return { url: server.url, cdxQueries, captureRequests, close: server.close };
}

/**
 * A tag's archived history, one capture per TikTok page era, plus the failures archives are full of: a captcha page,
 * a "Something went wrong" shell, and a capture of a longer tag that a prefix query also returns.
 */
export function tiktokEraCaptures(tag: string, challengeId = '5491'): FakeCapture[] {
  const page = (path: string) => `https://www.tiktok.com/tag/${encodeURIComponent(path)}`;
  const counts = (views: bigint, posts: bigint) => ({ tag, challengeId, views, posts });
  const era = (timestamp: string, original: string, views: bigint, posts: bigint, render: (c: ReturnType<typeof counts>) => string): FakeCapture => ({
    timestamp,
    original,
    body: render(counts(views, posts)),
    expect: { views, posts },
  });
  return [
    era('20200415083000', page(tag), 3_214_567_890n, 401_234n, renderNextDataPage),
    era('20210304101500', `${page(tag)}?lang=en`, 7_912_345_678n, 902_345n, renderSigiInlinePage),
    { timestamp: '20210811120000', original: page(tag), body: renderCaptchaPage(), expect: { failure: 'captcha' } },
    era('20220612090000', page(tag), 16_412_345_678n, 1_502_345n, renderSigiScriptPage),
    era('20231001140000', `${page(tag)}?is_copy_url=1&is_from_webapp=v1`, 41_234_567_890n, 2_812_345n, renderH2ViewsPage),
    era('20240305160000', page(tag), 52_345_678_901n, 3_456_789n, renderRehydrationPage),
    { timestamp: '20240918070000', original: page(tag), body: renderSomethingWentWrongPage(), expect: { failure: 'no_data' } },
    era('20250120110000', page(tag), 60_123_456_789n, 4_012_345n, renderH2PostsPage),
    era('20220101000000', page(`${tag}matters`), 13_512_345_678n, 1_000_000n, renderSigiScriptPage),
  ];
}
