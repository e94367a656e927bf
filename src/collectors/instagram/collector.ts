/**
 * Instagram collector: GET <origin>/api/v1/tags/web_info/?tag_name=<tag> with the web app's X-IG-App-ID header, as
 * Instagram's own web client does. A redirect to the login page or a checkpoint is classified, not followed.
 */
import type { Collector, CollectContext, CollectOutcome } from '../types.ts';
import { originOf, validateBaseUrl } from '../common/http.ts';
import { fetchAndParse } from '../common/outcome.ts';
import { parseInstagram } from './parse.ts';

export const INSTAGRAM_VERSION = 'instagram/1.0.0';

export interface InstagramOptions {
  baseUrl: string;
  appId: string;
  userAgent: string;
  timeoutMs: number;
  allowPrivateOrigins?: string[];
}

export function webInfoUrl(baseUrl: string, tag: string): string {
  return `${validateBaseUrl(baseUrl, 'Instagram origin')}/api/v1/tags/web_info/?tag_name=${encodeURIComponent(tag)}`;
}

export class InstagramCollector implements Collector {
  readonly platform = 'instagram';
  readonly version = INSTAGRAM_VERSION;
  constructor(private readonly opts: InstagramOptions) {}

  async collect(tag: string, ctx: CollectContext = {}): Promise<CollectOutcome> {
    const url = webInfoUrl(this.opts.baseUrl, tag);
    const origin = originOf(url);
    return fetchAndParse(url, (res) => parseInstagram(res.body, { status: res.status, ...(res.headers.location ? { location: res.headers.location } : {}) }), {
      headers: {
        'user-agent': this.opts.userAgent,
        accept: '*/*',
        'accept-language': 'en-US,en;q=0.9',
        'x-ig-app-id': this.opts.appId,
        'x-requested-with': 'XMLHttpRequest',
        referer: `${origin}/explore/tags/${encodeURIComponent(tag)}/`,
      },
      timeoutMs: this.opts.timeoutMs,
      allowPrivateOrigins: this.opts.allowPrivateOrigins ?? [],
      // Login pages, checkpoints and other origins are answers to classify, not pages to fetch.
      stopAtRedirect: (next) => originOf(next) !== origin || /\/(accounts\/login|challenge)\//.test(next.pathname),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  }
}
