/**
 * Issue 15, "the API's edges": a wrong method on a known path is a 405 with an `Allow` header naming the methods the
 * path serves (before: a 404 "no route", as if the path did not exist), for every route the server mounts; an
 * unknown path stays a 404; the right method still works.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import type { Router } from '../../../src/api/router.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';

describe('API method handling', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;
  let router: Router | undefined;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const cfg = testConfig({ dataDir: dir.dir });
    api = await startApiServer({
      store,
      host: '127.0.0.1',
      port: 0,
      mount: (r, deps) => {
        router = r;
        mountAll(r, { ...deps, cfg });
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  it('answers 405 with Allow for a wrong method on every mounted path', async () => {
    const paths = new Map<string, Set<string>>();
    // Concrete paths of every route (":param" filled in), with the methods the router serves there.
    const concrete = (re: RegExp) => re.source.replace(/\\\//g, '/').replace(/^\^/, '').replace(/\/\?\$$/, '').replace(/\(\[\^\/\]\+\)/g, 'x');
    for (const r of router!.routes) {
      const p = concrete(r.pattern) || '/';
      if (!paths.has(p)) paths.set(p, new Set());
    }
    expect(paths.size).toBeGreaterThan(10);
    for (const p of paths.keys()) {
      const allowed = router!.allowed(p);
      expect(allowed.length, p).toBeGreaterThan(0);
      const wrong = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].find((m) => !allowed.includes(m))!;
      const res = await fetch(`${api.url}${p}`, { method: wrong, ...(wrong === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
      expect(res.status, `${wrong} ${p}`).toBe(405);
      expect(res.headers.get('allow')?.split(', '), `${wrong} ${p}`).toEqual(allowed);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(body.error.message).toContain(allowed.join(', '));
    }
  });

  it('keeps 404 for an unknown path and serves the right method', async () => {
    expect((await fetch(`${api.url}/api/no-such-thing`, { method: 'DELETE' })).status).toBe(404);
    const ok = await fetch(`${api.url}/healthz`);
    expect(ok.status).toBe(200);
    const head = await fetch(`${api.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await fetch(`${api.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
