/**
 * Hostile responses through the real TikTok HTTP collector (charset decoding, body cap, timeouts) from a local server:
 * wrong or unknown charsets, UTF-16, a 20 MB page, a body over the cap, and a server that drips its answer.
 * The outcome is always a classified result, on time, and a reading only ever carries the served counts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TikTokHttpCollector } from '../../src/collectors/tiktok/http-collector.ts';
import { renderRehydrationPage } from '../../src/collectors/tiktok/render.ts';

const counts = { tag: 'x', challengeId: '5491', views: 124_512_345_678n, posts: 3_456_789n };
const intact = [
  { metric: 'views', value: '124512345678' },
  { metric: 'posts', value: '3456789' },
];
const page = renderRehydrationPage(counts).replace('<title>', '<title>Café – ’ ');
const MB = 1024 * 1024;
const TIMEOUT_MS = 1000;

type Reply = { type: string; body: Buffer } | { drip: true };
const replies: Record<string, Reply> = {
  latin1label: { type: 'text/html; charset=iso-8859-1', body: Buffer.from(page, 'utf8') },
  utf16: { type: 'text/html; charset=utf-16le', body: Buffer.from(page, 'utf16le') },
  utf16mislabeled: { type: 'text/html; charset=utf-8', body: Buffer.from(page, 'utf16le') },
  unknowncharset: { type: 'text/html; charset=x-klingon', body: Buffer.from(page, 'utf8') },
  big: { type: 'text/html', body: Buffer.from(page.replace('<body>', `<body><div>${'<p>lorem 123</p>'.repeat((20 * MB) / 16)}</div>`), 'utf8') },
  overcap: { type: 'text/html', body: Buffer.alloc(40 * MB, 0x61) },
  drip: { drip: true },
};

describe('hostile responses through the HTTP collector', () => {
  let server: http.Server;
  let collector: TikTokHttpCollector;
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const name = /^\/tag\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
      const reply = replies[name];
      if (!reply) return void res.writeHead(404).end();
      if ('drip' in reply) {
        // Headers at once, then one byte every 100 ms for up to 20 s: never idle long enough for a socket timeout.
        res.writeHead(200, { 'content-type': 'text/html' });
        let sent = 0;
        const t = setInterval(() => (++sent > 200 || res.destroyed ? (clearInterval(t), res.end()) : res.write('<')), 100);
        timers.add(t);
        return;
      }
      res.writeHead(200, { 'content-type': reply.type, 'content-length': reply.body.length });
      res.end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    collector = new TikTokHttpCollector({ baseUrl: url, userAgent: 'tagpulse-test', timeoutMs: TIMEOUT_MS, allowPrivateOrigins: [url] });
  });
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const collect = async (tag: string) => {
    const t0 = performance.now();
    const outcome = await collector.collect(tag);
    return { outcome, ms: performance.now() - t0 };
  };
  const readings = (o: Awaited<ReturnType<TikTokHttpCollector['collect']>>) => (o.ok ? o.readings.map((r) => ({ metric: r.metric, value: r.value })) : o.kind);

  it.each(['latin1label', 'utf16', 'unknowncharset'])('%s: decoded well enough to read the exact counts', async (tag) => {
    const { outcome } = await collect(tag);
    expect(readings(outcome)).toEqual(intact);
  });

  it('UTF-16 bytes labelled UTF-8: a classified failure, no reading', async () => {
    const { outcome } = await collect('utf16mislabeled');
    expect(outcome.ok).toBe(false);
  });

  it('a 20 MB page is read, in bounded time', async () => {
    const { outcome, ms } = await collect('big');
    expect(readings(outcome)).toEqual(intact);
    expect(ms).toBeLessThan(15_000);
  });

  it('a body over the 32 MiB cap is refused as a network failure', async () => {
    const { outcome } = await collect('overcap');
    expect(outcome).toMatchObject({ ok: false, kind: 'network', message: expect.stringMatching(/exceeds/) });
  });

  it('a server that drips its answer is cut off near the request timeout, not after the drip ends', async () => {
    const { outcome, ms } = await collect('drip');
    expect(outcome).toMatchObject({ ok: false, kind: 'network' });
    expect(ms).toBeLessThan(TIMEOUT_MS * 3);
  }, 30_000);
});
