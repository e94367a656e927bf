/**
 * The SSRF guard of outbound HTTP: loopback/private refused unless that origin was configured, including redirects.
 * Real sockets on 127.0.0.1; nothing leaves the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, RequestRefusedError } from '../../../src/collectors/common/http.ts';
import { startLoopbackServer, type LoopbackServer } from '../../../src/collectors/common/loopback-server.ts';
import { InstagramCollector } from '../../../src/collectors/instagram/collector.ts';

describe('SSRF guard', () => {
  let target: LoopbackServer;
  let redirector: LoopbackServer;
  const hits: string[] = [];

  beforeAll(async () => {
    target = await startLoopbackServer((_req, url, reply) => {
      hits.push(url.pathname);
      reply(200, 'secret internal page', 'text/plain');
    });
    redirector = await startLoopbackServer((_req, url, reply) => {
      if (url.pathname === '/same') return reply(302, '', 'text/plain', { location: '/final' });
      if (url.pathname === '/final') return reply(200, 'ok', 'text/plain');
      reply(302, '', 'text/plain', { location: `${target.url}/admin` });
    });
  });
  afterAll(async () => {
    await target.close();
    await redirector.close();
  });

  it('refuses loopback when the origin was not configured', async () => {
    await expect(httpRequest(`${target.url}/x`)).rejects.toBeInstanceOf(RequestRefusedError);
    await expect(httpRequest('http://localhost:9/x')).rejects.toThrow(/non-public address/);
    expect(hits).toEqual([]);
  });

  it('allows a configured loopback origin, and redirects within it', async () => {
    const res = await httpRequest(`${redirector.url}/same`, { allowPrivateOrigins: [redirector.url] });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${redirector.url}/final`);
  });

  it('refuses a redirect from a configured local server to another loopback port', async () => {
    await expect(httpRequest(`${redirector.url}/go`, { allowPrivateOrigins: [redirector.url] })).rejects.toBeInstanceOf(RequestRefusedError);
    expect(hits).toEqual([]);
  });

  it('fetches only http(s)', async () => {
    await expect(httpRequest('file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(httpRequest('ftp://127.0.0.1/x', { allowPrivateOrigins: ['ftp://127.0.0.1'] })).rejects.toThrow(/only http and https/);
  });

  it('a collector turns the refusal into a `refused` failure (give up), never a value', async () => {
    const collector = new InstagramCollector({ baseUrl: target.url, appId: '1', userAgent: 'test', timeoutMs: 2000 }); // not allow-listed
    const outcome = await collector.collect('mentalhealth');
    expect(outcome).toMatchObject({ ok: false, kind: 'refused', statusCode: 0 });
    expect(hits).toEqual([]);
  });

  it('stopAtRedirect returns the 3xx instead of following it', async () => {
    const res = await httpRequest(`${redirector.url}/go`, { allowPrivateOrigins: [redirector.url], stopAtRedirect: () => true });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${target.url}/admin`);
  });
  it('a kept-alive connection made for a configured origin is not reused by a request that was not allowed there', async () => {
    // Issue 15 (undici port): node's global agent pooled sockets by host and port only, so an idle keep-alive socket
    // opened for `localhost` as a configured origin served the next, unconfigured request to the same name without
    // the connect-time check. Connections now live in separate agents for configured and guarded requests.
    const byName = target.url.replace('127.0.0.1', 'localhost');
    const before = hits.length;
    const ok = await httpRequest(`${byName}/allowed`, { allowPrivateOrigins: [byName] });
    expect(ok.status).toBe(200);
    expect(hits.slice(before)).toEqual(['/allowed']);
    await expect(httpRequest(`${byName}/not-allowed`)).rejects.toThrow(/non-public address/);
    expect(hits.slice(before)).toEqual(['/allowed']);
  });
});
