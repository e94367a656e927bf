/**
 * TikTok, plain HTTP path: GET <origin>/tag/<tag>?lang=en and parse whatever era the page is from.
 * (The browser path and the `auto` switch live in browser-collector.ts / auto-collector.ts.)
 */
import type { Collector, CollectContext, CollectOutcome } from '../types.ts';
import { validateBaseUrl } from '../common/http.ts';
import { fetchAndParse } from '../common/outcome.ts';
import { parseTikTok } from './parse.ts';

export const TIKTOK_HTTP_VERSION = 'tiktok-http/1.0.0';

export interface TikTokHttpOptions {
  baseUrl: string;
  userAgent: string;
  timeoutMs: number;
  /** Origins the user configured explicitly: allowed even on loopback/private addresses. */
  allowPrivateOrigins?: string[];
}

export function tagPageUrl(baseUrl: string, tag: string): string {
  return `${validateBaseUrl(baseUrl, 'TikTok origin')}/tag/${encodeURIComponent(tag)}?lang=en`;
}

export class TikTokHttpCollector implements Collector {
  readonly platform = 'tiktok';
  readonly version = TIKTOK_HTTP_VERSION;
  constructor(private readonly opts: TikTokHttpOptions) {}

  async collect(tag: string, ctx: CollectContext = {}): Promise<CollectOutcome> {
    const url = tagPageUrl(this.opts.baseUrl, tag);
    return fetchAndParse(url, (res) => parseTikTok(res.body, { status: res.status, ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}) }), {
      headers: { 'user-agent': this.opts.userAgent, accept: 'text/html,application/json;q=0.9', 'accept-language': 'en-US,en;q=0.9' },
      timeoutMs: this.opts.timeoutMs,
      allowPrivateOrigins: this.opts.allowPrivateOrigins ?? [],
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  }
}
