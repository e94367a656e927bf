/**
 * SSRF: outbound requests to loopback, private, link-local and metadata addresses — by literal IP in any spelling,
 * by a name that resolves there, or by a redirect — are refused unless the origin was configured, on both the HTTP
 * client and the browser guard.
 *
 * No traffic may leave for a non-loopback address, even if a guard regressed: a tripwire on net.Socket#connect
 * records every connection attempt and throws instead of connecting to anything but loopback. The tests assert that
 * the guard refused BEFORE any connection attempt (no attempt recorded, the local servers saw no connection).
 */
import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, beforeAll, afterAll, vi, type MockInstance } from 'vitest';
import { httpRequest, RequestRefusedError } from '../../src/collectors/common/http.ts';
import { createBrowserGuard } from '../../src/collectors/common/browser-guard.ts';
import { createCollectors } from '../../src/collectors/registry.ts';
import { isLoopbackHost } from '../../src/config/config.ts';
import { testConfig } from '../helpers/config.ts';

interface Local {
  url: string;
  port: number;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

/** A loopback server that counts connections; `/go?to=<url>` answers 302 to that URL. */
async function localServer(): Promise<Local> {
  const state = { connections: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to) return void res.writeHead(302, { location: to }).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('SSRF guard', () => {
  let origin: Local; // the configured origin
  let other: Local; // a loopback service nobody configured
  const attempts: string[] = [];
  let tripwire: MockInstance;

  beforeAll(async () => {
    origin = await localServer();
    other = await localServer();
    // http.ts loads undici on its first request (issue 15, CLI start): load it here, so the time a refusal takes (below)
    // is the refusal's, not the one-time load of the library (~0.2 s quiet, over 1 s on a loaded machine)
    await import('undici');
    const connect = net.Socket.prototype.connect;
    tripwire = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const o = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: string; port?: number; path?: string };
      // TCP unless it is a unix socket only (HTTP requests pass their URL path as `path` too, next to host and port).
      if (o.host !== undefined || o.port !== undefined || o.path === undefined) {
        const host = o.host ?? 'localhost';
        attempts.push(`${host}:${o.port}`);
        if (!isLoopbackHost(host)) throw new Error(`tripwire: a connection to ${host} was attempted`);
      }
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    });
  });
  afterAll(async () => {
    tripwire?.mockRestore();
    await origin?.close();
    await other?.close();
  });

  it('the tripwire sees connection attempts and stops non-loopback ones', () => {
    expect(() => net.connect({ host: '10.255.255.1', port: 80 })).toThrow(/tripwire/);
    expect(attempts).toContain('10.255.255.1:80');
  });

  const refused = async (url: string, allow: string[] = []) => {
    const before = attempts.length;
    const t0 = performance.now();
    const err = await httpRequest(url, { allowPrivateOrigins: allow, timeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { err, ms: performance.now() - t0, attempts: attempts.slice(before) };
  };

  it.each([
    ['loopback v4', (l: Local) => `http://127.0.0.1:${l.port}/`],
    ['loopback v4, other /8 address', (l: Local) => `http://127.0.0.2:${l.port}/`],
    ['loopback v6', (l: Local) => `http://[::1]:${l.port}/`],
    ['hex loopback 0x7f000001', (l: Local) => `http://0x7f000001:${l.port}/`],
    ['decimal loopback 2130706433', (l: Local) => `http://2130706433:${l.port}/`],
    ['short loopback 127.1', (l: Local) => `http://127.1:${l.port}/`],
    ['octal loopback 0177.0.0.1', (l: Local) => `http://0177.0.0.1:${l.port}/`],
    ['IPv4-mapped loopback', (l: Local) => `http://[::ffff:127.0.0.1]:${l.port}/`],
    ['IPv4-mapped loopback, long form', (l: Local) => `http://[0:0:0:0:0:ffff:7f00:1]:${l.port}/`],
    ['unspecified 0.0.0.0', (l: Local) => `http://0.0.0.0:${l.port}/`],
    ['unspecified 0', (l: Local) => `http://0:${l.port}/`],
    ['unspecified ::', (l: Local) => `http://[::]:${l.port}/`],
    ['localhost by name', (l: Local) => `http://localhost:${l.port}/`],
    ['private 10/8', () => 'http://10.0.0.1/'],
    ['private 172.16/12', () => 'http://172.16.0.1/'],
    ['private 192.168/16', () => 'http://192.168.1.1/'],
    ['CGNAT 100.64/10', () => 'http://100.64.0.1/'],
    ['cloud metadata 169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv4-mapped private ::ffff:10.0.0.1', () => 'http://[::ffff:10.0.0.1]/'],
    ['IPv6 link-local', () => 'http://[fe80::1]/'],
    ['IPv6 unique local', () => 'http://[fd00::1]/'],
    ['NAT64 of a private address', () => 'http://[64:ff9b::a00:1]/'],
    ['https to metadata', () => 'https://169.254.169.254/'],
  ])('%s is refused before any connection', async (_what, make) => {
    const connections = other.connections;
    const r = await refused(make(other));
    expect(r.err).toBeInstanceOf(RequestRefusedError);
    expect(r.err).toMatchObject({ code: 'HTTP_REFUSED', message: expect.stringMatching(/refused: .*configure this origin explicitly/) });
    expect(r.attempts.filter((a) => !a.startsWith('localhost'))).toEqual([]); // a name is resolved, then refused, inside connect
    expect(other.connections).toBe(connections);
    expect(r.ms).toBeLessThan(1000);
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1:70/', 'data:text/plain,hi', 'javascript:alert(1)'])('%s: only http(s) is fetched', async (url) => {
    const r = await refused(url);
    expect(r.err).toMatchObject({ code: 'HTTP_REFUSED' });
    expect(r.attempts).toEqual([]);
  });

  it('a configured origin is allowed, even on loopback', async () => {
    const res = await httpRequest(`${origin.url}/tag/x`, { allowPrivateOrigins: [origin.url] });
    expect(res.status).toBe(200);
    expect(origin.requests).toBeGreaterThan(0);
    expect(attempts).toContain(`127.0.0.1:${origin.port}`); // the tripwire saw the allowed connection
  });

  it.each([
    ['another loopback port', () => `${other.url}/secret`, true],
    ['localhost on another port', () => `http://localhost:${other.port}/secret`, true],
    ['a private address', () => 'http://10.0.0.1/', false],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/iam/', false],
    ['IPv4-mapped private', () => 'http://[::ffff:10.0.0.1]/', false],
    ['a file URL', () => 'file:///etc/passwd', false],
  ])('a redirect from the configured origin to %s is refused', async (_what, target, local) => {
    const before = { connections: other.connections, requests: other.requests };
    const r = await refused(`${origin.url}/go?to=${encodeURIComponent(target())}`, [origin.url]);
    expect(r.err).toMatchObject({ code: 'HTTP_REFUSED' });
    expect(r.attempts.filter((a) => !a.startsWith('127.0.0.1:') && !a.startsWith('localhost'))).toEqual([]);
    expect(r.attempts.filter((a) => a.endsWith(`:${other.port}`) && a.startsWith('127.0.0.1'))).toEqual([]);
    if (local) expect({ connections: other.connections, requests: other.requests }).toEqual(before);
  });

  it('a redirect within the configured origin is followed', async () => {
    const res = await httpRequest(`${origin.url}/go?to=${encodeURIComponent(`${origin.url}/tag/x`)}`, { allowPrivateOrigins: [origin.url] });
    expect(res.status).toBe(200);
  });

  it('the TikTok collector built from config reports a refused redirect as `refused`, never a value', async () => {
    const cfg = testConfig({ tiktokBaseUrl: `${origin.url}/go?to=${encodeURIComponent(`${other.url}/`)}&x=` });
    const collector = createCollectors(cfg, ['tiktok']).get('tiktok')!;
    const before = other.connections;
    const outcome = await collector.collect('mentalhealth');
    expect(outcome).toMatchObject({ ok: false, kind: 'refused' });
    expect(other.connections).toBe(before);
  });

  it('the browser guard refuses the same addresses (no request leaves Chromium for them)', async () => {
    const before = attempts.length;
    const resolver: Record<string, string[]> = { 'p16.tiktokcdn.com': ['93.184.216.34'], 'evil.tiktokcdn.com': ['10.0.0.1'], 'rebind.tiktokcdn.com': ['93.184.216.34', '127.0.0.1'] };
    const guard = createBrowserGuard({ origin: origin.url, allowedHostSuffixes: ['tiktokcdn.com'], lookup: async (h) => resolver[h] ?? [] });
    const verdicts = async (urls: string[]) => Promise.all(urls.map(async (u) => [u, (await guard.check(u)).allowed] as const));
    expect(await verdicts([`${origin.url}/tag/x`, 'https://p16.tiktokcdn.com/a.js'])).toEqual([
      [`${origin.url}/tag/x`, true],
      ['https://p16.tiktokcdn.com/a.js', true],
    ]);
    const denied = [
      `${other.url}/`,
      `http://localhost:${other.port}/`,
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:10.0.0.1]/',
      `http://0x7f000001:${other.port}/`,
      'https://evil.tiktokcdn.com/x',
      'https://rebind.tiktokcdn.com/x',
      'file:///etc/passwd',
      'ws://127.0.0.1:1/',
    ];
    expect((await verdicts(denied)).filter(([, allowed]) => allowed)).toEqual([]);
    expect(attempts.slice(before)).toEqual([]); // verdicts only: nothing was fetched
  });
});
