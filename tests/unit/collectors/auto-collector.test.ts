import { describe, expect, it } from 'vitest';
import { TikTokCollector } from '../../../src/collectors/tiktok/auto-collector.ts';
import type { Collector, CollectOutcome } from '../../../src/collectors/types.ts';
import type { FailureKind } from '../../../src/schema/failure.ts';

/** A scripted collector: answers from a list and counts its calls. */
function scripted(method: 'http' | 'browser', answers: (FailureKind | 'ok')[]): Collector & { calls: number; closed: boolean } {
  const c = {
    platform: 'tiktok',
    version: 'test',
    calls: 0,
    closed: false,
    async collect(): Promise<CollectOutcome> {
      const a = answers[Math.min(c.calls++, answers.length - 1)]!;
      const base = { method, url: `http://x/${method}`, statusCode: 200 };
      return a === 'ok'
        ? { ok: true, readings: [{ metric: 'views', value: method === 'http' ? '1' : '2', precision: 'exact', step: '0', source: method }], format: 'f', ...base }
        : { ok: false, kind: a, message: `${method} said ${a}`, platformCode: '', ...base };
    },
    async close() {
      c.closed = true;
    },
  };
  return c;
}

describe('TikTok method switch', () => {
  it.each(['empty', 'hollow', 'no_data'] as const)('auto falls back to the browser on %s, then starts over HTTP next time', async (kind) => {
    const http = scripted('http', [kind, 'ok']);
    const browser = scripted('browser', ['ok']);
    const c = new TikTokCollector({ http, browser, method: 'auto' });
    const first = await c.collect('x');
    expect(first).toMatchObject({ ok: true, method: 'browser' });
    const second = await c.collect('x');
    expect(second).toMatchObject({ ok: true, method: 'http' });
    expect([http.calls, browser.calls]).toEqual([2, 1]);
  });

  it.each(['captcha', 'blocked', 'throttled', 'not_found', 'network'] as const)('auto does not hammer the browser after %s', async (kind) => {
    const http = scripted('http', [kind]);
    const browser = scripted('browser', ['ok']);
    const out = await new TikTokCollector({ http, browser, method: 'auto' }).collect('x');
    expect(out).toMatchObject({ ok: false, kind, method: 'http' });
    expect(browser.calls).toBe(0);
  });

  it('auto reports the browser failure with what HTTP said', async () => {
    const out = await new TikTokCollector({ http: scripted('http', ['no_data']), browser: scripted('browser', ['captcha']), method: 'auto' }).collect('x');
    expect(out).toMatchObject({ ok: false, kind: 'captcha', method: 'browser' });
    if (!out.ok) expect(out.message).toContain('after HTTP gave no_data');
  });

  it('the configured method, overridden per call', async () => {
    const http = scripted('http', ['ok']);
    const browser = scripted('browser', ['ok']);
    const c = new TikTokCollector({ http, browser, method: 'http' });
    expect(await c.collect('x')).toMatchObject({ method: 'http' });
    expect(await c.collect('x', { method: 'browser' })).toMatchObject({ method: 'browser' });
    expect(await new TikTokCollector({ http, browser, method: 'http' }).collect('x', { method: 'http' })).toMatchObject({ method: 'http' });
    expect(await new TikTokCollector({ http: scripted('http', ['empty']), browser, method: 'http' }).collect('x')).toMatchObject({ ok: false, kind: 'empty' });
  });

  it('close() closes both paths', async () => {
    const http = scripted('http', ['ok']);
    const browser = scripted('browser', ['ok']);
    await new TikTokCollector({ http, browser, method: 'auto' }).close();
    expect([http.closed, browser.closed]).toEqual([true, true]);
  });
});
