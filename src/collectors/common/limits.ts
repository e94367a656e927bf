/**
 * Per-platform politeness: rate limit and concurrency of each platform's collect queue. Platforms differ a lot in
 * what they tolerate (Instagram blocks quickly, the Research API has a daily quota), so one global limit is either
 * too slow for TikTok or too fast for Instagram. `platformLimits` overrides the global values per platform.
 */
import type { Config } from '../../config/config.ts';

export interface CollectLimits {
  concurrency: number;
  /** BullMQ limiter: at most `max` jobs per `duration` ms, across every worker process of the platform's queue. */
  limiter: { max: number; duration: number };
  /** Requests (one per collector call) at most `max` per `durationMs`, paced evenly, across every worker process (queue/request-limit.ts). */
  requestLimit: { max: number; durationMs: number };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const ENTRY = /^([a-z][a-z0-9_]*)=(\d+)\/(\d+)(ms|s|m|h)(?:@(\d+))?$/;

export class PlatformLimitsError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Parse `instagram=10/60s@1,youtube=20/1m` into per-platform limits (concurrency absent → undefined). */
export function parsePlatformLimits(spec: string): Map<string, { max: number; durationMs: number; concurrency?: number }> {
  const out = new Map<string, { max: number; durationMs: number; concurrency?: number }>();
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = ENTRY.exec(entry);
    if (!m) throw new PlatformLimitsError(`platformLimits entry ${JSON.stringify(entry)} is not platform=max/window[@concurrency], e.g. instagram=10/60s@1`);
    const [, platform = '', max = '', window = '', unit = 's', concurrency] = m;
    const limits = { max: Number(max), durationMs: Number(window) * (UNIT_MS[unit] ?? 1), ...(concurrency !== undefined ? { concurrency: Number(concurrency) } : {}) };
    if (limits.max < 1 || limits.durationMs < 1 || limits.concurrency === 0) throw new PlatformLimitsError(`platformLimits entry ${JSON.stringify(entry)}: max, window and concurrency must be at least 1`);
    out.set(platform, limits);
  }
  return out;
}

/** The collect-queue limits of one platform: its platformLimits entry, else the global rate limit and concurrency. */
export function collectLimitsFor(cfg: Config, platform: string): CollectLimits {
  const own = parsePlatformLimits(cfg.platformLimits).get(platform);
  const max = own?.max ?? cfg.rateLimitMax;
  const durationMs = own?.durationMs ?? cfg.rateLimitDurationMs;
  return {
    concurrency: own?.concurrency ?? cfg.collectConcurrency,
    limiter: evenPacing(max, durationMs),
    requestLimit: { max, durationMs },
  };
}

/**
 * BullMQ's limiter counts fixed windows, so "M per D" can let 2·M requests through in a span of length D (a burst at
 * the end of one window and another at the start of the next). Platforms count sliding windows, so we pace evenly
 * instead: one request per D/M. Any span of length D then sees at most M + 1 requests.
 */
export function evenPacing(max: number, durationMs: number): { max: number; duration: number } {
  const gapMs = Math.floor(durationMs / max);
  return gapMs >= 1 ? { max: 1, duration: gapMs } : { max, duration: durationMs };
}
