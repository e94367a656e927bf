/**
 * A local YouTube-shaped server: /hashtag/<tag> pages with ytInitialData in either header layout, counts that grow
 * over time, and YouTube's interstitials on demand (consent redirect to consent.youtube.com, sign-in wall, 404,
 * 429 with Retry-After). Loopback only; every count served is logged.
 */
import { createHash } from 'node:crypto';
import { startLoopbackServer } from '../collectors/common/loopback-server.ts';
import { renderHashtagPage, renderHashtagPageWithoutHeader, renderSignInWall, type YouTubeHeaderShape } from '../collectors/youtube/render.ts';

export type YouTubeFailure = 'consent' | 'sign_in' | 'not_found' | 'throttled' | 'no_header';

export interface FakeYouTubeOptions {
  videos?: Record<string, bigint>;
  videosPerHour?: number;
  shape?: YouTubeHeaderShape;
  forceFailure?: Record<string, YouTubeFailure>;
  port?: number;
}

export interface FakeYouTube {
  url: string;
  served: { tag: string; videos: string; channels: string; at: string }[];
  close(): Promise<void>;
}

const HTML = 'text/html; charset=utf-8';
const NOT_FOUND_PAGE = '<!DOCTYPE html><title>404 Not Found</title><p>This page isn’t available. Sorry about that.</p>';

export async function startFakeYouTube(o: FakeYouTubeOptions = {}): Promise<FakeYouTube> {
  const t0 = Date.now();
  const served: FakeYouTube['served'] = [];
  const server = await startLoopbackServer((_req, url, reply) => {
    const m = /^\/hashtag\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) return reply(404, NOT_FOUND_PAGE, HTML);
    let tag: string;
    try {
      tag = decodeURIComponent(m[1]!).toLowerCase();
    } catch {
      return reply(400, 'bad request', 'text/plain');
    }
    switch (o.forceFailure?.[tag]) {
      case 'consent':
        return reply(302, '', HTML, { location: `https://consent.youtube.com/m?continue=${encodeURIComponent(`https://www.youtube.com/hashtag/${tag}`)}&gl=DE&hl=en` });
      case 'sign_in':
        return reply(200, renderSignInWall(), HTML);
      case 'not_found':
        return reply(404, NOT_FOUND_PAGE, HTML);
      case 'throttled':
        return reply(429, '<!DOCTYPE html><title>Sorry...</title>', HTML, { 'retry-after': '30' });
      case 'no_header':
        return reply(200, renderHashtagPageWithoutHeader(tag), HTML);
      case undefined:
        break;
    }
    const h = createHash('sha256').update(`yt:${tag}`).digest();
    const videos = (o.videos?.[tag] ?? BigInt(h.readUInt32BE(0) % 5_000_000) + 100n) + BigInt(Math.floor(((Date.now() - t0) / 3_600_000) * (o.videosPerHour ?? 600)));
    const channels = videos / 3n + 1n;
    served.push({ tag, videos: videos.toString(), channels: channels.toString(), at: new Date().toISOString() });
    reply(200, renderHashtagPage({ tag, videos, channels }, o.shape), HTML);
  }, o.port);
  return { url: server.url, served, close: server.close };
}
