/**
 * A small router over node:http. Handlers return a result; thrown HttpErrors become JSON errors; anything else
 * becomes a 500 with a generic message (the detail goes to the log, never a stack trace to the client). A known path
 * asked with a method it does not serve is a 405 with an `Allow` header listing the ones it does.
 *
 * Hand-written on purpose, rather than hono or fastify: the whole of it is this file (~140 lines: path patterns with
 * :params, GET serving HEAD, 404 vs 405 + Allow, per-route auth levels checked in server.ts), it has no dependency
 * and no adapter between node:http and fetch-style Requests, and every route (api/routes.ts, api/dashboard-routes.ts, the
 * internal store RPC) is mounted the same way. hono would add @hono/node-server and a second request model without
 * removing code the routes rely on; revisit if routes need middleware chains, content negotiation or streaming.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { TagpulseError } from '../errors.ts';

export class HttpError extends TagpulseError {
  constructor(
    readonly status: number,
    override readonly code: string,
    message: string,
    /** Extra response headers, e.g. Allow on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, { retryable: status >= 500 || status === 429 });
  }
}

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  body: () => Promise<unknown>;
}

export type RouteResult =
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { body: string | Buffer; contentType: string; status?: number; headers?: Record<string, string> };

export type Handler = (ctx: RouteContext) => Promise<RouteResult> | RouteResult;

interface Route {
  method: string;
  /** The path as declared, e.g. /api/tags/:platform/:tag/series (the OpenAPI test compares these). */
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  auth: 'none' | 'admin' | 'owner';
}

export class Router {
  readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler, auth: Route['auth'] = 'none'): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/\/:([a-zA-Z]+)/g, (_m, k: string) => {
          keys.push(k);
          return '/([^/]+)';
        }) +
        '/?$',
    );
    this.routes.push({ method, path, pattern, keys, handler, auth });
    return this;
  }

  /** The methods served on a path (GET implies HEAD), for the Allow header of a 405; empty for an unknown path. */
  allowed(pathname: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (!route.pattern.test(pathname)) continue;
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD');
    }
    return [...methods].sort();
  }

  /** The route for a request, or the error to answer: 404 for an unknown path, 405 + Allow for a wrong method. */
  resolve(method: string, pathname: string): { route: Route; params: Record<string, string> } {
    const m = this.match(method, pathname);
    if (m) return m;
    const allow = this.allowed(pathname);
    if (allow.length) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}: use ${allow.join(', ')}`, { allow: allow.join(', ') });
    throw new HttpError(404, 'NOT_FOUND', `no route for ${method} ${pathname}`);
  }

  match(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => {
        params[k] = decodePart(m[i + 1]!, 'path');
      });
      return { route, params };
    }
    return undefined;
  }
}

/** A percent-decoded path segment or query; a bad escape (`%E0%A4%A`, `%zz`) is the client's mistake: a 400. */
export function decodePart(raw: string, where: 'path' | 'query'): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'BAD_URL', `the ${where} has a malformed percent-escape (${JSON.stringify(raw.slice(0, 200))}): encode each byte as %XX of valid UTF-8`);
  }
}

/** Refuse a query string with a malformed percent-escape instead of reading it as replacement characters. */
export function checkQueryEncoding(url: URL): void {
  for (const part of url.search.slice(1).split('&')) decodePart(part.replace(/\+/g, ' '), 'query');
}

/** Parse query-string parameters with zod; a bad value is a 400 saying which parameter and why. */
export function parseQuery<S extends z.ZodType>(schema: S, url: URL): z.output<S> {
  const raw: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = raw[k];
    raw[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return parseInput(schema, raw, 'query parameter');
}

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what = 'field'): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new HttpError(400, 'BAD_REQUEST', r.error.issues.map((i) => `${what} ${i.path.join('.') || '(input)'}: ${i.message}`).join('; '));
  }
  return r.data;
}

export async function readBody(req: IncomingMessage, maxBytes = 50 * 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > maxBytes) throw new HttpError(413, 'TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'request body is not valid JSON');
  }
}

export function send(res: ServerResponse, r: RouteResult, head = false): void {
  const status = r.status ?? 200;
  const security = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (status === 304) {
    // Not modified: the validators and caching headers of the 200 it stands for, no body and no content type.
    res.writeHead(304, { ...security, ...r.headers });
    res.end();
  } else if ('json' in r) {
    const body = JSON.stringify(r.json, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...security, ...r.headers });
    res.end(head ? undefined : body);
  } else {
    res.writeHead(status, { 'content-type': r.contentType, ...security, ...r.headers });
    res.end(head ? undefined : r.body);
  }
}
