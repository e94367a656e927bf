/**
 * The TikTok collector the pipeline uses: plain HTTP, the headless browser, or `auto`.
 *
 * `auto` asks over HTTP first (cheap) and falls back to the browser only when the answer had no numbers although
 * TikTok did not refuse: an empty body, a hollow challenge, or a page without data (the SSR variant that loads the
 * counts with a script). The next sample starts over HTTP again. Each outcome's `method` says which path produced it.
 */
import type { Collector, CollectContext, CollectOutcome } from '../types.ts';
import type { CollectMethod } from '../../schema/jobs.ts';
import type { FailureKind } from '../../schema/failure.ts';

export const TIKTOK_COLLECTOR_VERSION = 'tiktok/1.1.0';

/** HTTP answers that a browser can plausibly turn into numbers. Refusals (403, captcha, 429) are not retried here. */
export const BROWSER_FALLBACK_KINDS: ReadonlySet<FailureKind> = new Set(['empty', 'hollow', 'no_data']);

export interface TikTokCollectorParts {
  http: Collector;
  browser: Collector;
  /** The configured method (tiktokMethod); a job or CLI flag may override it per call. */
  method: CollectMethod;
}

export class TikTokCollector implements Collector {
  readonly platform = 'tiktok';
  readonly version = TIKTOK_COLLECTOR_VERSION;
  constructor(private readonly parts: TikTokCollectorParts) {}

  async collect(tag: string, ctx: CollectContext = {}): Promise<CollectOutcome> {
    const method = ctx.method ?? this.parts.method;
    if (method === 'browser') return this.parts.browser.collect(tag, ctx);
    const viaHttp = await this.parts.http.collect(tag, ctx);
    if (method === 'http' || viaHttp.ok || !BROWSER_FALLBACK_KINDS.has(viaHttp.kind)) return viaHttp;
    const viaBrowser = await this.parts.browser.collect(tag, ctx);
    if (viaBrowser.ok) return viaBrowser;
    return { ...viaBrowser, message: `${viaBrowser.message} (after HTTP gave ${viaHttp.kind}: ${viaHttp.message})`.slice(0, 2000) };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.parts.http.close?.(), this.parts.browser.close?.()]);
  }
}
