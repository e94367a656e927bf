/** Which collector serves which platform, built from the config. */
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import type { Collector } from './types.ts';
import { TikTokHttpCollector } from './tiktok/http-collector.ts';
import { TikTokBrowserCollector } from './tiktok/browser-collector.ts';
import { TikTokCollector } from './tiktok/auto-collector.ts';
import { InstagramCollector } from './instagram/collector.ts';
import { YouTubeCollector } from './youtube/collector.ts';
import { ResearchClient } from './research/client.ts';
import { ResearchCollector } from './research/collector.ts';
import { FileQuotaLedger } from './research/quota.ts';

export type CollectorFactory = (cfg: Config) => Collector;

/** File (in the data dir) where the Research API's daily quota is kept across restarts. */
export const RESEARCH_QUOTA_FILE = 'research-quota.json';

const csv = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

const factories = new Map<string, CollectorFactory>([
  [
    'tiktok',
    (cfg) =>
      new TikTokCollector({
        method: cfg.tiktokMethod,
        http: new TikTokHttpCollector({
          baseUrl: cfg.tiktokBaseUrl,
          userAgent: cfg.userAgent,
          timeoutMs: cfg.requestTimeoutMs,
          // The configured origin is trusted even on loopback (tests, mirrors); anything it redirects to is checked.
          allowPrivateOrigins: [cfg.tiktokBaseUrl],
        }),
        // Chromium starts only when a sample first needs it.
        browser: new TikTokBrowserCollector({
          baseUrl: cfg.tiktokBaseUrl,
          chromiumPath: cfg.chromiumPath,
          userAgent: cfg.userAgent,
          timeoutMs: cfg.requestTimeoutMs,
          apiWaitMs: cfg.browserApiWaitMs,
          pagesPerContext: cfg.browserPagesPerContext,
          allowedHostSuffixes: csv(cfg.browserAllowedHosts),
        }),
      }),
  ],
  [
    'tiktok_research',
    (cfg) =>
      new ResearchCollector({
        client:
          cfg.researchClientKey && cfg.researchClientSecret
            ? new ResearchClient({
                baseUrl: cfg.researchBaseUrl,
                credentials: { clientKey: cfg.researchClientKey, clientSecret: cfg.researchClientSecret },
                userAgent: cfg.userAgent,
                timeoutMs: cfg.requestTimeoutMs,
                allowPrivateOrigins: [cfg.researchBaseUrl],
              })
            : undefined,
        ledger: new FileQuotaLedger(join(cfg.dataDir, RESEARCH_QUOTA_FILE), { requestsPerDay: cfg.researchDailyRequestQuota, recordsPerDay: cfg.researchDailyRecordQuota }),
        windowDays: cfg.researchWindowDays,
        maxRequestsPerCollect: cfg.researchMaxRequestsPerCollect,
      }),
  ],
  [
    'instagram',
    (cfg) => new InstagramCollector({ baseUrl: cfg.instagramBaseUrl, appId: cfg.instagramAppId, userAgent: cfg.userAgent, timeoutMs: cfg.requestTimeoutMs, allowPrivateOrigins: [cfg.instagramBaseUrl] }),
  ],
  ['youtube', (cfg) => new YouTubeCollector({ baseUrl: cfg.youtubeBaseUrl, userAgent: cfg.userAgent, timeoutMs: cfg.requestTimeoutMs, allowPrivateOrigins: [cfg.youtubeBaseUrl] })],
]);

/** Register a platform's collector factory (other collector modules call this). */
export function registerCollector(platform: string, factory: CollectorFactory): void {
  factories.set(platform, factory);
}

export function createCollectors(cfg: Config, platforms?: string[]): Map<string, Collector> {
  const out = new Map<string, Collector>();
  for (const [p, f] of factories) if (!platforms || platforms.includes(p)) out.set(p, f(cfg));
  return out;
}

export function knownCollectorPlatforms(): string[] {
  return [...factories.keys()];
}
