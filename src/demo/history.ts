/**
 * The demo's archived history: daily captures of each demo tag's page for the past days, served by a local
 * Wayback-shaped server and read back by the real backfill (CDX → raw captures → the same TikTok parsers). So the demo
 * opens with two weeks of history and every value in it was read from a page, like in production.
 */
import { renderRehydrationPage } from '../collectors/tiktok/render.ts';
import { countsAfter, fakeChallengeId, type FakeTagSpec } from './fake-tiktok.ts';
import type { FakeCapture } from './fake-wayback.ts';

const DAY_MS = 86_400_000;

/** YYYYMMDDhhmmss, as the Wayback Machine writes capture times. */
export function waybackTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** One capture per tag and day, `days` back from `serverStartMs` (the fake TikTok server's start: hours 0). */
export function demoHistoryCaptures(tags: Record<string, FakeTagSpec>, o: { days: number; serverStartMs: number; timeScale?: number }): FakeCapture[] {
  const out: FakeCapture[] = [];
  for (const [tag, spec] of Object.entries(tags)) {
    for (let d = o.days; d >= 1; d--) {
      const at = o.serverStartMs - d * DAY_MS;
      const c = countsAfter(spec, ((at - o.serverStartMs) * (o.timeScale ?? 1)) / 3_600_000);
      out.push({
        timestamp: waybackTimestamp(at),
        original: `https://www.tiktok.com/tag/${encodeURIComponent(tag)}`,
        body: renderRehydrationPage({ tag, challengeId: fakeChallengeId(tag), views: c.views, posts: c.posts }),
        expect: { views: c.views, posts: c.posts },
      });
    }
  }
  return out;
}
