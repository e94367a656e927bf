/**
 * Instagram hashtag post counts. Instagram shows "N posts" for a tag and never views, so the only metric is `posts`.
 *
 * Where the count lives (reference, "Instagram and YouTube"):
 *  - `GET /api/v1/tags/web_info/?tag_name=<tag>` (header X-IG-App-ID): top-level `count`; some responses carry it as
 *    `data.count` or `data.media_count` (instagrapi's `media_count`), next to a display figure `formatted_media_count`;
 *  - the legacy `explore/tags/<tag>/?__a=1` and GraphQL shapes: `graphql.hashtag.edge_hashtag_to_media.count` /
 *    `data.hashtag.edge_hashtag_to_media.count`.
 * Integer counts are exact; the display figure ("47.3M") is only used when nothing else is there and is stored as
 * rounded. A zero is missing, never a reading.
 *
 * Failures: login wall (`login_required`, `require_login`, a redirect to /accounts/login/ or the login page itself),
 * checkpoint/feedback blocks, "Please wait a few minutes" throttling, 404, 5xx, empty bodies.
 */
import { toCount } from '../../schema/count.ts';
import type { Reading } from '../../schema/observation.ts';
import { fail, ok, type ParseResult } from '../types.ts';
import { parseDisplayCount } from '../common/display-count.ts';
import { field, isObject, parseJson, valueAt } from '../common/json.ts';
import { emptyBodyFailure, statusFailure } from '../common/status.ts';

export interface InstagramParseOptions {
  status?: number;
  /** Location header of a redirect the collector did not follow. */
  location?: string;
}

const NAME = 'Instagram';

/** Exact-count fields, in order of preference; the first present, non-zero one wins. */
const COUNT_PATHS: readonly (readonly string[])[] = [
  ['count'],
  ['data', 'count'],
  ['data', 'media_count'],
  ['media_count'],
  ['graphql', 'hashtag', 'edge_hashtag_to_media', 'count'],
  ['data', 'hashtag', 'edge_hashtag_to_media', 'count'],
];
const DISPLAY_PATHS: readonly (readonly string[])[] = [['data', 'formatted_media_count'], ['formatted_media_count']];

export function parseInstagram(body: string, opts: InstagramParseOptions = {}): ParseResult {
  try {
    return redirectFailure(opts) ?? parseBody(body, opts.status);
  } catch (e) {
    return fail('malformed', `could not parse the Instagram response: ${(e as Error).message.slice(0, 200)}`);
  }
}

function redirectFailure(opts: InstagramParseOptions): ParseResult | null {
  if (opts.status === undefined || opts.status < 300 || opts.status > 399 || !opts.location) return null;
  if (/\/accounts\/login/i.test(opts.location)) return fail('login_wall', `Instagram redirected to its login page (${opts.location.slice(0, 200)})`);
  if (/\/challenge\//i.test(opts.location)) return fail('blocked', `Instagram redirected to a checkpoint (${opts.location.slice(0, 200)})`);
  return fail('blocked', `Instagram redirected to ${opts.location.slice(0, 200)} instead of answering`);
}

function parseBody(body: string, status: number | undefined): ParseResult {
  const first = /\S/.exec(body)?.[0];
  if (first === '{') {
    const parsed = parseJson(body);
    if (parsed.ok && isObject(parsed.value)) {
      const refusal = refusalInJson(parsed.value, status);
      if (refusal) return refusal;
      if (status === undefined || status < 300) return readCounts(parsed.value);
    } else if (status === undefined || status < 300) {
      return fail('malformed', `web_info body: ${parsed.ok ? 'not a JSON object' : parsed.error}`, undefined, 'web_info');
    }
  }
  const transport = statusFailure(status, NAME) ?? emptyBodyFailure(body, NAME);
  if (transport) return transport;
  if (first === '<') return classifyHtml(body);
  return fail('malformed', 'the response is neither JSON nor a page', undefined, 'web_info');
}

/** Instagram's own refusals, which come as JSON with status "fail" (often with HTTP 400/401/429). */
function refusalInJson(root: Record<string, unknown>, status: number | undefined): ParseResult | null {
  const message = typeof field(root, 'message') === 'string' ? (field(root, 'message') as string) : '';
  const quoted = message ? `: "${message.slice(0, 200)}"` : '';
  if (field(root, 'require_login') === true || /login_required/i.test(message)) return fail('login_wall', `Instagram requires a login for this request${quoted}`);
  if (/please wait a few minutes|rate limit|too many requests/i.test(message) || status === 429) return fail('throttled', `Instagram is throttling requests${quoted}`);
  if (/checkpoint_required|challenge_required|feedback_required|useragent mismatch|spam/i.test(message)) return fail('blocked', `Instagram refused the request${quoted}`);
  if (/not found|does not exist|doesn't exist/i.test(message) || status === 404) return fail('not_found', `Instagram has no such hashtag${quoted}`);
  if (field(root, 'status') === 'fail') return fail('blocked', `Instagram answered status "fail"${quoted}`);
  return null;
}

function readCounts(root: Record<string, unknown>): ParseResult {
  const identity = identityOf(root);
  for (const path of COUNT_PATHS) {
    const raw = valueAt(root, path);
    if (raw === undefined || raw === null) continue;
    const value = typeof raw === 'number' || typeof raw === 'string' ? toCount(raw) : null;
    if (value === null) return fail('malformed', `${path.join('.')} is not a count: ${JSON.stringify(raw).slice(0, 60)}`, undefined, 'web_info');
    if (value === '0') continue;
    return ok([{ metric: 'posts', value, precision: 'exact', step: '0', source: `instagram.web_info.${path.join('.')}` }], 'web_info', identity);
  }
  for (const path of DISPLAY_PATHS) {
    const raw = valueAt(root, path);
    const figure = typeof raw === 'string' ? parseDisplayCount(raw) : null;
    if (figure && figure.value !== '0') {
      const reading: Reading = { metric: 'posts', value: figure.value, precision: figure.precision, step: figure.step, source: `instagram.web_info.${path.join('.')}` };
      return ok([reading], 'web_info', identity);
    }
  }
  return fail('hollow', 'Instagram answered without a post count (no count, media_count or edge_hashtag_to_media)', undefined, 'web_info');
}

function identityOf(root: Record<string, unknown>): { challengeId?: string; title?: string } {
  const data = isObject(field(root, 'data')) ? field(root, 'data') : (valueAt(root, ['graphql', 'hashtag']) ?? valueAt(root, ['data', 'hashtag']));
  const name = field(data, 'name');
  const id = field(data, 'id');
  return {
    ...(typeof id === 'string' && /^\d{1,30}$/.test(id) ? { challengeId: id } : {}),
    ...(typeof name === 'string' && name.length > 0 && name.length <= 150 ? { title: name } : {}),
  };
}

/** An HTML answer to a JSON endpoint: the login page (most often) or an interstitial. */
function classifyHtml(html: string): ParseResult {
  const head = html.slice(0, 500_000);
  if (/\/accounts\/login|loginForm|"require_login":\s*true|Log in to Instagram/i.test(head)) return fail('login_wall', 'Instagram answered with its login page');
  if (/\/challenge\/|checkpoint/i.test(head)) return fail('blocked', 'Instagram answered with a checkpoint page');
  return fail('no_data', 'Instagram answered with an HTML page instead of the web_info JSON');
}

/** Does this body look like an Instagram tag response (for `tagpulse parse` detection)? */
export function sniffInstagram(body: string): boolean {
  const head = body.slice(0, 200_000);
  return /^\s*\{/.test(head) && !head.includes('challengeInfo') && /"(media_count|formatted_media_count|edge_hashtag_to_media|require_login)"|login_required/.test(head);
}
