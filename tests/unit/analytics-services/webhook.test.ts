import { describe, it, expect, afterEach } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, retryDelayMs } from '../../../src/alerts/webhook.ts';

const servers: http.Server[] = [];
async function serve(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook?token=secret-token`;
}
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});
const noSleep = async () => undefined;

describe('postWebhook', () => {
  it('backoff doubles per retry', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(500, n))).toEqual([500, 1000, 2000]);
  });

  it('posts JSON and retries until a 2xx, sleeping the backoff in between', async () => {
    const statuses = [500, 502, 204];
    const bodies: string[] = [];
    const url = await serve((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        bodies.push(b);
        res.writeHead(statuses.shift()!).end();
      });
    });
    const slept: number[] = [];
    const out = await postWebhook(url, { a: 1 }, { attempts: 5, backoffMs: 100, timeoutMs: 2000 }, async (ms) => void slept.push(ms));
    expect(out).toEqual({ ok: true, attempts: 3, status: 204 });
    expect(slept).toEqual([100, 200]);
    expect(bodies).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
  });

  it('gives up after the attempts with the last status, and never follows redirects', async () => {
    const url = await serve((_req, res) => res.writeHead(503).end());
    expect(await postWebhook(url, {}, { attempts: 2, backoffMs: 1, timeoutMs: 2000 }, noSleep)).toEqual({ ok: false, attempts: 2, status: 503 });
    const redirect = await serve((_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere' }).end());
    const r = await postWebhook(redirect, {}, { attempts: 1, backoffMs: 1, timeoutMs: 2000 }, noSleep);
    expect(r.ok).toBe(false);
  });

  it('describes network failures by code only (the URL carries a token)', async () => {
    const slow = await serve(() => undefined); // never answers
    const timeout = await postWebhook(slow, {}, { attempts: 1, backoffMs: 1, timeoutMs: 150 }, noSleep);
    expect(timeout).toEqual({ ok: false, attempts: 1, error: 'TIMEOUT' });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await postWebhook(`http://127.0.0.1:${port}/hook?token=secret-token`, {}, { attempts: 1, backoffMs: 1, timeoutMs: 2000 }, noSleep);
    expect(refused).toEqual({ ok: false, attempts: 1, error: 'ECONNREFUSED' });
    expect(JSON.stringify([timeout, refused])).not.toContain('secret-token');
  });
});
