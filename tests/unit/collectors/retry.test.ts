import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestPolitely } from '../../../src/collectors/common/retry.ts';
import { RequestRefusedError } from '../../../src/collectors/common/http.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../src/collectors/common/loopback-server.ts';

describe('polite requests', () => {
  let server: LoopbackServer;
  const seen: Record<string, number> = {};
  beforeAll(async () => {
    server = await startLoopbackServer((_req, url, reply) => {
      const n = (seen[url.pathname] = (seen[url.pathname] ?? 0) + 1);
      if (url.pathname === '/throttled-once' && n === 1) return reply(429, 'slow down', 'text/plain', { 'retry-after': '7' });
      if (url.pathname === '/huge-retry-after' && n === 1) return reply(503, 'busy', 'text/plain', { 'retry-after': '999999' });
      if (url.pathname === '/always-500') return reply(500, 'broken', 'text/plain');
      reply(200, 'ok', 'text/plain');
    });
  });
  afterAll(() => server.close());

  const base = () => ({ allowPrivateOrigins: [server.url], attempts: 3, baseDelayMs: 100, maxDelayMs: 60_000 });

  it('honours Retry-After on 429 (waits at least what it asks)', async () => {
    const waits: number[] = [];
    const res = await requestPolitely(`${server.url}/throttled-once`, { ...base(), sleep: async (ms) => void waits.push(ms) });
    expect(res.status).toBe(200);
    expect(waits).toEqual([7000]);
  });

  it('caps a hostile Retry-After', async () => {
    const waits: number[] = [];
    await requestPolitely(`${server.url}/huge-retry-after`, { ...base(), sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([60_000]);
  });

  it('backs off exponentially and returns the last 5xx after the last try', async () => {
    const waits: number[] = [];
    const res = await requestPolitely(`${server.url}/always-500`, { ...base(), sleep: async (ms) => void waits.push(ms) });
    expect(res.status).toBe(500);
    expect(waits).toEqual([100, 200]);
    expect(seen['/always-500']).toBe(3);
  });

  it('never retries a refusal', async () => {
    const waits: number[] = [];
    await expect(requestPolitely(`${server.url}/x`, { ...base(), allowPrivateOrigins: [], sleep: async (ms) => void waits.push(ms) })).rejects.toBeInstanceOf(RequestRefusedError);
    expect(waits).toEqual([]);
  });
});
