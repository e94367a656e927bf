/**
 * TikTok, plain HTTP path: GET <origin>/tag/<tag>?lang=en and parse whatever era the page is from.
 * (The browser path and the `auto` switch live in browser-collector.ts / auto-collector.ts.)
 */
import type { Collector, CollectContext, CollectOutcome } from '../types.ts';
import { httpRequest, retryAfterMs, RequestRefusedError, validateBaseUrl } from '../common/http.ts';
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
    const base = { method: 'http' as const, url };
    let res;
    try {
      res = await httpRequest(url, {
        headers: { 'user-agent': this.opts.userAgent, accept: 'text/html,application/json;q=0.9', 'accept-language': 'en-US,en;q=0.9' },
        timeoutMs: this.opts.timeoutMs,
        allowPrivateOrigins: this.opts.allowPrivateOrigins ?? [],
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } catch (e) {
      if (e instanceof RequestRefusedError) return { ok: false, kind: 'refused', message: e.message, statusCode: 0, platformCode: '', ...base };
      return { ok: false, kind: 'network', message: (e as Error).message, statusCode: 0, platformCode: '', ...base };
    }
    const parsed = parseTikTok(res.body, { status: res.status, ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}) });
    if (parsed.ok) return { ok: true, readings: parsed.readings, statusCode: res.status, format: parsed.format, ...base, url: res.url };
    const wait = parsed.kind === 'throttled' ? (retryAfterMs(res.headers['retry-after']) ?? 60 * 60_000) : undefined;
    return {
      ok: false,
      kind: parsed.kind,
      message: parsed.message,
      statusCode: res.status,
      platformCode: parsed.platformCode ?? '',
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      ...base,
      url: res.url,
    };
  }
}
