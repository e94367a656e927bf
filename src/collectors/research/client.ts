/**
 * TikTok Research API client: a client-credentials token (POST /v2/oauth/token/, valid 2 h, refreshed 5 minutes
 * before it expires or when the API calls it invalid) and video queries (POST /v2/research/video/query/).
 *
 * Credentials come only from the config (researchClientKey / researchClientSecret, secret fields). They go into the
 * token request body and nowhere else: never into URLs, logs, errors or job payloads. Error texts from the API are
 * scrubbed of them as well, in case an endpoint echoes what it was sent.
 */
import * as z from 'zod';
import type { FailureKind } from '../../schema/failure.ts';
import { toCount } from '../../schema/count.ts';
import { httpRequest, retryAfterMs, RequestRefusedError, validateBaseUrl, type HttpResponse } from '../common/http.ts';
import { field, isObject, parseJson } from '../common/json.ts';

/** Refresh this long before the token's stated expiry. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/** The API's cap on max_count and on a create_date window. */
export const MAX_PAGE_SIZE = 100;
export const MAX_WINDOW_DAYS = 30;
export const VIDEO_FIELDS = ['id', 'create_time', 'view_count', 'hashtag_names'] as const;

export interface ResearchCredentials {
  clientKey: string;
  clientSecret: string;
}

export interface ResearchClientOptions {
  baseUrl: string;
  credentials: ResearchCredentials;
  userAgent: string;
  timeoutMs: number;
  allowPrivateOrigins?: string[];
  now?: () => number;
}

/** A failed call, already classified. */
export class ResearchApiError extends Error {
  readonly code = 'RESEARCH_API';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly statusCode = 0,
    readonly platformCode = '',
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface VideoQuery {
  tag: string;
  /** YYYYMMDD, UTC, inclusive. */
  startDate: string;
  endDate: string;
  cursor?: number;
  searchId?: string;
}

export interface Video {
  id: string;
  /** Unix seconds. */
  createTime: number;
  /** Exact view count at query time; null when the API left it out. */
  viewCount: string | null;
}

export interface VideoPage {
  videos: Video[];
  cursor: number;
  hasMore: boolean;
  searchId: string;
}

const RawVideo = z.object({
  id: z.union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative()]).transform(String),
  create_time: z.number().int().nonnegative(),
  view_count: z.number().int().nonnegative().optional(),
});

const RawPage = z.object({
  videos: z.array(RawVideo).default([]),
  cursor: z.number().int().nonnegative().default(0),
  has_more: z.boolean().default(false),
  search_id: z.string().max(200).default(''),
});

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive(), token_type: z.string().optional() });

/**
 * Video ids are 19-digit JSON numbers, beyond 2^53: JSON.parse would round neighbouring ids to the same double and
 * make distinct videos look like repeats. Quote them before parsing. (Only `id` values are touched; the requested
 * fields contain no free text that could hold the pattern.)
 */
export function idsAsStrings(json: string): string {
  return json.replace(/("id"\s*:\s*)(\d{16,})/g, '$1"$2"');
}

/** The query body for `hashtag_name EQ <tag>` in one create_date window. */
export function videoQueryBody(q: VideoQuery): Record<string, unknown> {
  return {
    query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: [q.tag] }] },
    start_date: q.startDate,
    end_date: q.endDate,
    max_count: MAX_PAGE_SIZE,
    ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    ...(q.searchId ? { search_id: q.searchId } : {}),
  };
}

export class ResearchClient {
  readonly #base: string;
  readonly #now: () => number;
  #token: { value: string; refreshAtMs: number } | undefined;

  constructor(private readonly opts: ResearchClientOptions) {
    this.#base = validateBaseUrl(opts.baseUrl, 'Research API origin');
    this.#now = opts.now ?? Date.now;
  }

  get queryUrl(): string {
    return `${this.#base}/v2/research/video/query/?fields=${VIDEO_FIELDS.join(',')}`;
  }

  /** One page of videos. A token the API calls invalid is replaced once. */
  async queryVideos(q: VideoQuery): Promise<VideoPage> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#accessToken();
      const res = await this.#post(this.queryUrl, JSON.stringify(videoQueryBody(q)), { 'content-type': 'application/json', authorization: `Bearer ${token}` });
      const body = parseJson(idsAsStrings(res.body));
      const error = body.ok ? field(body.value, 'error') : undefined;
      const errorCode = typeof field(error, 'code') === 'string' ? (field(error, 'code') as string) : '';
      if (res.status === 200 && body.ok && (errorCode === '' || errorCode === 'ok')) return this.#page(field(body.value, 'data'));
      const failure = this.#classify(res, errorCode, typeof field(error, 'message') === 'string' ? (field(error, 'message') as string) : res.body.slice(0, 200));
      if (failure.kind === 'auth' && /token/.test(errorCode) && attempt === 0) {
        this.#token = undefined;
        continue;
      }
      throw failure;
    }
  }

  #page(data: unknown): VideoPage {
    const parsed = RawPage.safeParse(data);
    if (!parsed.success) throw new ResearchApiError('malformed', `video query data is not in the documented shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 300)}`, 200);
    return {
      videos: parsed.data.videos.map((v) => ({ id: v.id, createTime: v.create_time, viewCount: v.view_count === undefined ? null : toCount(v.view_count) })),
      cursor: parsed.data.cursor,
      hasMore: parsed.data.has_more,
      searchId: parsed.data.search_id,
    };
  }

  #classify(res: HttpResponse, errorCode: string, message: string): ResearchApiError {
    const text = `Research API ${errorCode || `HTTP ${res.status}`}: ${this.#scrub(message).slice(0, 300)}`;
    if (errorCode === 'daily_quota_limit_exceeded') return new ResearchApiError('quota', text, res.status, errorCode);
    if (res.status === 429 || errorCode === 'rate_limit_exceeded') return new ResearchApiError('throttled', text, res.status, errorCode, retryAfterMs(res.headers['retry-after']) ?? 60_000);
    if (res.status === 401 || res.status === 403 || /token|scope|unauthori[sz]ed|permission/.test(errorCode)) return new ResearchApiError('auth', text, res.status, errorCode);
    if (res.status === 400 || errorCode === 'invalid_params') return new ResearchApiError('refused', `${text} (the query was refused as invalid)`, res.status, errorCode);
    if (res.status >= 500) return new ResearchApiError('server_error', text, res.status, errorCode);
    return new ResearchApiError('malformed', `${text} (unexpected answer)`, res.status, errorCode);
  }

  async #accessToken(): Promise<string> {
    if (this.#token && this.#now() < this.#token.refreshAtMs) return this.#token.value;
    const form = new URLSearchParams({ client_key: this.opts.credentials.clientKey, client_secret: this.opts.credentials.clientSecret, grant_type: 'client_credentials' });
    const res = await this.#post(`${this.#base}/v2/oauth/token/`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-cache' });
    const body = parseJson(res.body);
    const parsed = body.ok ? TokenResponse.safeParse(body.value) : undefined;
    if (res.status === 200 && parsed?.success) {
      this.#token = { value: parsed.data.access_token, refreshAtMs: this.#now() + parsed.data.expires_in * 1000 - TOKEN_REFRESH_MARGIN_MS };
      return this.#token.value;
    }
    const error = body.ok && isObject(body.value) ? body.value : {};
    const code = typeof error.error === 'string' ? error.error : `HTTP ${res.status}`;
    const description = typeof error.error_description === 'string' ? error.error_description : '';
    if (res.status >= 500) throw new ResearchApiError('server_error', `the Research API token endpoint failed: HTTP ${res.status}`, res.status, code);
    throw new ResearchApiError('auth', `the Research API refused the client credentials (${code}${description ? `: ${this.#scrub(description).slice(0, 200)}` : ''})`, res.status, code);
  }

  async #post(url: string, body: string, headers: Record<string, string>): Promise<HttpResponse> {
    try {
      return await httpRequest(url, {
        method: 'POST',
        body,
        headers: { ...headers, 'user-agent': this.opts.userAgent, accept: 'application/json' },
        timeoutMs: this.opts.timeoutMs,
        allowPrivateOrigins: this.opts.allowPrivateOrigins ?? [],
        maxRedirects: 0,
      });
    } catch (e) {
      throw new ResearchApiError(e instanceof RequestRefusedError ? 'refused' : 'network', this.#scrub((e as Error).message));
    }
  }

  /** Remove the credentials and the current token from a text that came from elsewhere. */
  #scrub(text: string): string {
    let out = text;
    for (const secret of [this.opts.credentials.clientKey, this.opts.credentials.clientSecret, this.#token?.value]) {
      if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}
