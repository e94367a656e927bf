/**
 * The local HTTP server of tagpulse: JSON API (read-only unless an admin token is given), the owner RPC used by
 * other CLI processes, health and metrics. The dashboard mounts its pages on the same router.
 * Loopback by default; binding beyond loopback requires an admin token.
 */
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import * as z from 'zod';
import type { Store } from '../store/store.ts';
import { dispatchStoreCall } from '../store/methods.ts';
import { getQuery } from '../store/registry.ts';
import { isLoopbackHost } from '../config/config.ts';
import { logger } from '../util/log.ts';
import { HttpError, Router, checkQueryEncoding, decodePart, readBody, send, type RouteResult } from './router.ts';
import { TagpulseError } from '../errors.ts';

export class ApiConfigError extends TagpulseError {
  override readonly code = 'API_CONFIG';
  constructor(message: string) {
    super(message);
  }
}

export interface ApiServerOptions {
  store: Store;
  host: string;
  port: number;
  adminToken?: string | undefined;
  /** Token that other local tagpulse processes use for the store RPC (random per start). */
  ownerToken?: string;
  /** Health of the process per role (the App's); default: the store answers. 503 when not ok. */
  health?: () => Promise<HealthReport>;
  /** Extra routes (API, dashboard, operations). */
  mount?: (router: Router, deps: { store: Store }) => void;
}

/** /healthz: up/down only (it is open beyond loopback), and which parts fail. */
export interface HealthReport {
  ok: boolean;
  store: 'up' | 'down' | 'none';
  redis: 'up' | 'down' | 'none';
  /** Running/total workers of this process. */
  workers: string;
  failing: string[];
}

export interface ApiServer {
  url: string;
  /** Every mounted route (method, declared path, auth), e.g. for the OpenAPI route check. */
  routes: { method: string; path: string; auth: string }[];
  ownerToken: string;
  close(): Promise<void>;
}

function tokenEquals(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const x = req.headers['x-tagpulse-token'];
  return typeof x === 'string' ? x : undefined;
}

/** True when nothing listens on host:port right now (the demo then keeps its default port, else takes any free one). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const log = logger('api');
  if (!isLoopbackHost(o.host) && !o.adminToken) {
    throw new ApiConfigError(
      `refusing to listen on ${o.host} without a token: anyone on the network could read and change this instance. ` +
        'Set TAGPULSE_ADMIN_TOKEN (or --admin-token, 16+ characters), or bind to 127.0.0.1.',
    );
  }
  const ownerToken = o.ownerToken ?? randomBytes(24).toString('hex');
  const router = new Router();
  router.add('GET', '/healthz', async () => {
    if (!o.health) return { json: { ok: true, store: (await o.store.ping()) ? 'up' : 'down' } };
    const h = await o.health();
    return { json: h, status: h.ok ? 200 : 503 };
  });
  router.add(
    'POST',
    '/internal/store/:method',
    async (ctx) => {
      const args = z.record(z.string(), z.unknown()).parse(await ctx.body());
      const result = await dispatchStoreCall(o.store, ctx.params.method!, args, getQuery);
      if (Buffer.isBuffer(result)) return { body: result, contentType: 'application/octet-stream' };
      return { json: { result: result ?? null } };
    },
    'owner',
  );
  o.mount?.(router, { store: o.store });
  const beyondLoopback = !isLoopbackHost(o.host);

  const server = http.createServer(async (req, res) => {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return send(res, { json: { error: { code: 'BAD_URL', message: 'malformed URL' } }, status: 400 });
    }
    try {
      decodePart(url.pathname, 'path');
      checkQueryEncoding(url);
      const m = router.resolve(req.method ?? 'GET', url.pathname);
      const token = bearer(req) ?? url.searchParams.get('token') ?? undefined;
      if (m.route.auth === 'owner' && !tokenEquals(token, ownerToken)) throw new HttpError(401, 'UNAUTHORIZED', 'owner token required');
      if (m.route.auth === 'admin' && !(tokenEquals(token, o.adminToken) || tokenEquals(token, ownerToken))) {
        throw new HttpError(o.adminToken ? 401 : 403, 'UNAUTHORIZED', o.adminToken ? 'this endpoint needs the admin token (Authorization: Bearer <token>)' : 'write endpoints are disabled: start tagpulse with TAGPULSE_ADMIN_TOKEN to enable them');
      }
      // Beyond loopback every request needs a token, not only writes.
      if (beyondLoopback && m.route.auth === 'none' && url.pathname !== '/healthz' && !(tokenEquals(token, o.adminToken) || tokenEquals(token, ownerToken))) {
        throw new HttpError(401, 'UNAUTHORIZED', 'this server is bound beyond loopback: pass the token (Authorization: Bearer <token> or ?token=)');
      }
      const result: RouteResult = await m.route.handler({ req, url, params: m.params, body: () => readBody(req) });
      send(res, result, req.method === 'HEAD');
    } catch (e) {
      if (e instanceof HttpError) {
        send(res, { json: { error: { code: e.code, message: e.message } }, status: e.status, headers: e.headers });
      } else if (e instanceof URIError) {
        send(res, { json: { error: { code: 'BAD_URL', message: 'the URL has a malformed percent-escape' } }, status: 400 });
      } else if (e instanceof z.ZodError) {
        send(res, { json: { error: { code: 'BAD_REQUEST', message: e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } }, status: 400 });
      } else {
        const err = e as Error & { code?: string; retryable?: boolean };
        const known = typeof err.code === 'string' && /^[A-Z_]+$/.test(err.code);
        log.error({ err: err.message, code: err.code, path: url.pathname }, 'request failed');
        // `retryable` travels with the code so a RemoteStore caller (the loader of another process) decides like a local one.
        send(res, { json: { error: { code: known ? err.code : 'INTERNAL', message: known ? err.message : 'internal error; see the server log', retryable: known ? err.retryable !== false : true } }, status: known && err.retryable === false ? 400 : 500 });
      }
    } finally {
      log.debug({ method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new ApiConfigError(`port ${o.port} on ${o.host} is already in use: pick another with --port (or 0 for any free port)`) : e),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
  log.info({ url }, 'API listening');
  return {
    url,
    routes: router.routes.map((r) => ({ method: r.method, path: r.path, auth: r.auth })),
    ownerToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
