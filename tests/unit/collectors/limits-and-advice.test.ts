import { describe, expect, it } from 'vitest';
import { evenPacing, collectLimitsFor, parsePlatformLimits } from '../../../src/collectors/common/limits.ts';
import { failureAdvice } from '../../../src/collectors/common/advice.ts';
import { FailureKind } from '../../../src/schema/failure.ts';
import { ConfigError } from '../../../src/config/config.ts';
import { testConfig } from '../../helpers/config.ts';

describe('per-platform limits', () => {
  it('parses platform=max/window[@concurrency]', () => {
    expect([...parsePlatformLimits(' instagram=10/60s@1, youtube=20/1m ,tiktok_research=5/500ms@2,x=1/1h')]).toEqual([
      ['instagram', { max: 10, durationMs: 60_000, concurrency: 1 }],
      ['youtube', { max: 20, durationMs: 60_000 }],
      ['tiktok_research', { max: 5, durationMs: 500, concurrency: 2 }],
      ['x', { max: 1, durationMs: 3_600_000 }],
    ]);
  });

  it('uses the platform entry, else the global limits', () => {
    const cfg = testConfig({ platformLimits: 'instagram=10/60s@1,youtube=20/1m', collectConcurrency: 6, rateLimitMax: 99, rateLimitDurationMs: 1000 });
    // Paced evenly: "M per D" becomes one request every D/M ms (see evenPacing).
    // The request limit (queue/request-limit.ts, one request per tag of a group job) is the same "M per D", unpaced.
    expect(collectLimitsFor(cfg, 'instagram')).toEqual({ concurrency: 1, limiter: { max: 1, duration: 6000 }, requestLimit: { max: 10, durationMs: 60_000 } });
    expect(collectLimitsFor(cfg, 'youtube')).toEqual({ concurrency: 6, limiter: { max: 1, duration: 3000 }, requestLimit: { max: 20, durationMs: 60_000 } });
    expect(collectLimitsFor(cfg, 'tiktok')).toEqual({ concurrency: 6, limiter: { max: 1, duration: 10 }, requestLimit: { max: 99, durationMs: 1000 } });
  });

  it('paces "M per D" evenly so no span of D sees more than M + 1 requests', () => {
    expect(evenPacing(30, 60_000)).toEqual({ max: 1, duration: 2000 });
    expect(evenPacing(5000, 1000)).toEqual({ max: 5000, duration: 1000 }); // below 1 ms per request: keep the window
  });

  it('the defaults are gentle with Instagram and the Research API', () => {
    const cfg = testConfig({});
    expect(collectLimitsFor(cfg, 'instagram').concurrency).toBe(1);
    expect(collectLimitsFor(cfg, 'tiktok_research').concurrency).toBe(1);
  });

  it('a bad spec is a config error that says the format', () => {
    expect(() => testConfig({ platformLimits: 'instagram=ten/60s' })).toThrow(ConfigError);
    expect(() => testConfig({ platformLimits: 'instagram=ten/60s' })).toThrow(/platform=max\/window/);
    expect(() => parsePlatformLimits('instagram=0/60s')).toThrow(/at least 1/);
  });
});

describe('failure advice', () => {
  it('every failure kind has advice for every platform', () => {
    for (const kind of FailureKind.options) {
      for (const platform of ['tiktok', 'instagram', 'youtube', 'tiktok_research', 'wayback']) {
        expect(failureAdvice(kind, platform).length, `${kind}/${platform}`).toBeGreaterThan(20);
      }
    }
  });

  it('names the platform and suggests the browser only for TikTok', () => {
    expect(failureAdvice('consent', 'youtube')).toContain('YouTube');
    expect(failureAdvice('empty', 'tiktok')).toContain('--method browser');
    expect(failureAdvice('empty', 'instagram')).not.toContain('--method browser');
    expect(failureAdvice('auth', 'tiktok_research')).toContain('TAGPULSE_RESEARCH_CLIENT_KEY');
  });
});
