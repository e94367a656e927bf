/// <reference lib="dom" />
/**
 * JSON API access. Beyond loopback the page is opened with ?token=…; the token is sent as a bearer header on API
 * calls and kept on links (exports, navigation) so they carry the same credential.
 */

const token = new URLSearchParams(location.search).get('token');

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | undefined | null>;

function query(params: Params | undefined, withToken: boolean): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  if (withToken && token) q.set('token', token);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A same-origin URL for a link or a download (keeps the token). */
export function link(path: string, params?: Params): string {
  return path + query(params, true);
}

/** Path segment of a tag route (tags are normalised server-side; still encoded here). */
export const tagPath = (platform: string, tag: string, rest: string) => `/api/tags/${encodeURIComponent(platform)}/${encodeURIComponent(tag)}/${rest}`;

/** True when the page was opened with a token (?token=…): admin actions (e.g. "Track") are offered then. */
export function hasToken(): boolean {
  return Boolean(token);
}

/** POST a JSON body with the page's token; errors as ApiError with the server's message. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return getJson<T>(path, undefined, { method: 'POST', body: JSON.stringify(body) });
}

/**
 * GET JSON revalidated with an ETag: with `etag` the request carries If-None-Match, and a 304 comes back as
 * `{ notModified: true }` (nothing to re-render). The browser's own cache is bypassed so the answer is the server's.
 */
export async function getJsonIfChanged<T>(path: string, params: Params | undefined, etag: string | null, signal?: AbortSignal): Promise<{ notModified: true } | { notModified: false; data: T; etag: string | null }> {
  let res: Response;
  try {
    res = await fetch(path + query(params, false), {
      cache: 'no-store',
      ...(signal ? { signal } : {}),
      headers: { accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, 'NETWORK', 'the tagpulse server did not answer; is it still running?');
  }
  if (res.status === 304) return { notModified: true };
  const body = (await res.json().catch(() => null)) as (T & { error?: { code?: string; message?: string } }) | null;
  if (!res.ok || body === null) throw new ApiError(res.status, body?.error?.code ?? 'HTTP', body?.error?.message ?? `the server answered HTTP ${res.status}`);
  return { notModified: false, data: body, etag: res.headers.get('etag') };
}

export async function getJson<T>(path: string, params?: Params, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path + query(params, false), { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the tagpulse server did not answer; is it still running?');
  }
  const body = (await res.json().catch(() => null)) as (T & { error?: { code?: string; message?: string } }) | null;
  if (!res.ok || body === null) {
    throw new ApiError(res.status, body?.error?.code ?? 'HTTP', body?.error?.message ?? `the server answered HTTP ${res.status}`);
  }
  return body;
}
