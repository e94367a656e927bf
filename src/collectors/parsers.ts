/** Parser registry for offline parsing (`tagpulse parse`, Wayback captures). */
import type { ParseResult } from './types.ts';
import { parseTikTok } from './tiktok/parse.ts';
import { parseInstagram, sniffInstagram } from './instagram/parse.ts';
import { parseYouTube, sniffYouTube } from './youtube/parse.ts';

export interface ParserEntry {
  platform: string;
  parse(body: string): ParseResult;
  /** Does this body look like this platform's page or API response? */
  sniff(body: string): boolean;
}

export const parsers: Record<string, ParserEntry> = {
  tiktok: {
    platform: 'tiktok',
    parse: (b) => parseTikTok(b),
    sniff: (b) => /tiktok|challengeInfo|SIGI_STATE|__UNIVERSAL_DATA_FOR_REHYDRATION__|__NEXT_DATA__|challenge-vvcount/i.test(b.slice(0, 2_000_000)),
  },
  instagram: { platform: 'instagram', parse: (b) => parseInstagram(b), sniff: sniffInstagram },
  youtube: { platform: 'youtube', parse: (b) => parseYouTube(b), sniff: sniffYouTube },
};

export function registerParser(p: ParserEntry): void {
  parsers[p.platform] = p;
}

/** A saved response (raw evidence) parsed as the collector parsed it live: with its HTTP status, content type and redirect. */
export function parseSaved(platform: string, saved: { body: string; status: number; headers: Record<string, string> }): ParseResult {
  const status = saved.status > 0 ? saved.status : undefined;
  const location = saved.headers.location;
  const contentType = saved.headers['content-type'];
  const common = { ...(status !== undefined ? { status } : {}), ...(location ? { location } : {}) };
  if (platform === 'tiktok') return parseTikTok(saved.body, { ...(status !== undefined ? { status } : {}), ...(contentType ? { contentType } : {}) });
  if (platform === 'instagram') return parseInstagram(saved.body, common);
  if (platform === 'youtube') return parseYouTube(saved.body, common);
  const entry = parsers[platform];
  return entry ? entry.parse(saved.body) : parseTikTok(saved.body, common);
}

export function detectParser(body: string): ParserEntry | undefined {
  const others = Object.values(parsers).filter((p) => p.platform !== 'tiktok');
  return others.find((p) => p.sniff(body)) ?? parsers.tiktok;
}
