/**
 * YouTube collector: GET <origin>/hashtag/<tag> and read the header figures. A redirect to the consent or sign-in
 * pages is classified, not followed (those live on other origins).
 */
import type { Collector, CollectContext, CollectOutcome } from '../types.ts';
import { originOf, validateBaseUrl } from '../common/http.ts';
import { fetchAndParse } from '../common/outcome.ts';
import { parseYouTube } from './parse.ts';

export const YOUTUBE_VERSION = 'youtube/1.0.0';

export interface YouTubeOptions {
  baseUrl: string;
  userAgent: string;
  timeoutMs: number;
  allowPrivateOrigins?: string[];
}

export function hashtagPageUrl(baseUrl: string, tag: string): string {
  return `${validateBaseUrl(baseUrl, 'YouTube origin')}/hashtag/${encodeURIComponent(tag)}`;
}

export class YouTubeCollector implements Collector {
  readonly platform = 'youtube';
  readonly version = YOUTUBE_VERSION;
  constructor(private readonly opts: YouTubeOptions) {}

  async collect(tag: string, ctx: CollectContext = {}): Promise<CollectOutcome> {
    const url = hashtagPageUrl(this.opts.baseUrl, tag);
    const origin = originOf(url);
    return fetchAndParse(url, (res) => parseYouTube(res.body, { status: res.status, ...(res.headers.location ? { location: res.headers.location } : {}) }), {
      headers: { 'user-agent': this.opts.userAgent, accept: 'text/html', 'accept-language': 'en-US,en;q=0.9' },
      timeoutMs: this.opts.timeoutMs,
      allowPrivateOrigins: this.opts.allowPrivateOrigins ?? [],
      stopAtRedirect: (next) => originOf(next) !== origin,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  }
}
