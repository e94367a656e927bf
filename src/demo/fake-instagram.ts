/**
 * A local Instagram-shaped server: /api/v1/tags/web_info/?tag_name=<tag> in Instagram's real shapes, with counts
 * that grow over time, and Instagram's refusals on demand (login wall as JSON, as a redirect to /accounts/login/ or
 * as the login page; throttling with Retry-After; checkpoint; not found). Like Instagram, it refuses requests without
 * the X-IG-App-ID header ("useragent mismatch"). Loopback only; every count served is logged.
 */
import { createHash } from 'node:crypto';
import { startLoopbackServer } from '../collectors/common/loopback-server.ts';
import { renderCheckpoint, renderLoginPage, renderLoginRequired, renderNotFound, renderPleaseWait, renderUserAgentMismatch, renderWebInfo } from '../collectors/instagram/render.ts';

export type InstagramFailure = 'login_json' | 'login_redirect' | 'login_page' | 'throttled' | 'checkpoint' | 'not_found' | 'server_error';

export interface FakeInstagramOptions {
  /** Posts at start per tag (others: derived from the tag name). */
  posts?: Record<string, bigint>;
  postsPerHour?: number;
  /** Where the count sits in the JSON. */
  shape?: 'count' | 'data_count' | 'media_count';
  forceFailure?: Record<string, InstagramFailure>;
  port?: number;
}

export interface FakeInstagram {
  url: string;
  served: { tag: string; posts: string; at: string }[];
  requests: { path: string; appId: string | undefined; userAgent: string | undefined }[];
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export async function startFakeInstagram(o: FakeInstagramOptions = {}): Promise<FakeInstagram> {
  const t0 = Date.now();
  const served: FakeInstagram['served'] = [];
  const requests: FakeInstagram['requests'] = [];
  const digest = (tag: string) => createHash('sha256').update(`ig:${tag}`).digest();
  const postsAt = (tag: string, at: number) => (o.posts?.[tag] ?? BigInt(digest(tag).readUInt32BE(0)) + 1000n) + BigInt(Math.floor(((at - t0) / 3_600_000) * (o.postsPerHour ?? 3600)));

  const server = await startLoopbackServer((req, url, reply) => {
    requests.push({ path: url.pathname + url.search, appId: req.headers['x-ig-app-id'] as string | undefined, userAgent: req.headers['user-agent'] });
    if (url.pathname === '/accounts/login/') return reply(200, renderLoginPage(), 'text/html; charset=utf-8');
    if (url.pathname !== '/api/v1/tags/web_info/') return reply(404, '<!DOCTYPE html><title>Page not found • Instagram</title>', 'text/html; charset=utf-8');
    if (!req.headers['x-ig-app-id']) return reply(400, renderUserAgentMismatch(), JSON_TYPE);
    const tag = (url.searchParams.get('tag_name') ?? '').toLowerCase();
    switch (o.forceFailure?.[tag]) {
      case 'login_json':
        return reply(401, renderLoginRequired(), JSON_TYPE);
      case 'login_redirect':
        return reply(302, '', 'text/html', { location: `/accounts/login/?next=${encodeURIComponent(url.pathname + url.search)}` });
      case 'login_page':
        return reply(200, renderLoginPage(), 'text/html; charset=utf-8');
      case 'throttled':
        return reply(429, renderPleaseWait(), JSON_TYPE, { 'retry-after': '120' });
      case 'checkpoint':
        return reply(400, renderCheckpoint(), JSON_TYPE);
      case 'not_found':
        return reply(404, renderNotFound(), JSON_TYPE);
      case 'server_error':
        return reply(500, '<!DOCTYPE html><title>Error • Instagram</title>', 'text/html');
      case undefined:
        break;
    }
    const now = Date.now();
    const posts = postsAt(tag, now);
    served.push({ tag, posts: posts.toString(), at: new Date(now).toISOString() });
    reply(200, renderWebInfo({ tag, id: BigInt('0x' + digest(tag).toString('hex', 0, 7)).toString(), posts }, o.shape), JSON_TYPE);
  }, o.port);
  return { url: server.url, served, requests, close: server.close };
}
