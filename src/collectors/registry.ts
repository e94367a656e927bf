/** Which collector serves which platform, built from the config. */
import type { Config } from '../config/config.ts';
import type { Collector } from './types.ts';
import { TikTokHttpCollector } from './tiktok/http-collector.ts';

export type CollectorFactory = (cfg: Config) => Collector;

const factories = new Map<string, CollectorFactory>([
  [
    'tiktok',
    (cfg) =>
      new TikTokHttpCollector({
        baseUrl: cfg.tiktokBaseUrl,
        userAgent: cfg.userAgent,
        timeoutMs: cfg.requestTimeoutMs,
        // The configured origin is trusted even on loopback (tests, mirrors); anything it redirects to is checked.
        allowPrivateOrigins: [cfg.tiktokBaseUrl],
      }),
  ],
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
