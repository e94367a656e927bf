/**
 * Instagram hashtag post counts. Instagram shows "N posts" for a tag and never views, so the only metric is `posts`.
 *
 * Where the count lives (reference, "Instagram and YouTube"):
 *  - `GET /api/v1/tags/web_info/?tag_name=<tag>` (header X-IG-App-ID): top-level `count`; some responses carry it as
 *    `data.count` or `data.media_count` (instagrapi's `media_count`), next to a display figure `formatted_media_count`;
 *  - the legacy `explore/tags/<tag>/?__a=1` and GraphQL shapes: `graphql.hashtag.edge_hashtag_to_media.count` /
 *    `data.hashtag.edge_hashtag_to_media.count`;
 *  - the classic tag page `https://www.instagram.com/explore/tags/<tag>/` (≤2021): `window._sharedData = {…};` →
 *    `entry_data.TagPage[0].graphql.hashtag.edge_hashtag_to_media.count`, or, when the page loads it separately,
 *    `window.__additionalDataLoaded('/explore/tags/<tag>/', {graphql: {hashtag: …}});`.
 * Integer counts are exact; the display figure ("47.3M") is only used when nothing else is there and is stored as
 * rounded. A count at an integer cap (media_count 2147483647) is a lower bound, or the display figure when that says
 * more. A zero is missing, never a reading.
 *
 * Failures: login wall (`login_required`, `require_login`, a redirect to /accounts/login/ or the login page itself),
 * checkpoint/feedback blocks, "Please wait a few minutes" throttling, 404, 5xx, empty bodies.
 */
import { toCount } from '../../schema/count.ts';
import type { Reading } from '../../schema/observation.ts';
import { fail, ok, type ParseResult } from '../types.ts';
import { capAware, parseDisplayCount } from '../common/display-count.ts';
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
  if (first === '<') return readTagPage(body) ?? classifyHtml(body);
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

function readCounts(root: Record<string, unknown>, format = 'web_info'): ParseResult {
  const identity = identityOf(root);
  const display = DISPLAY_PATHS.map((path) => ({ path, raw: valueAt(root, path) }))
    .map(({ path, raw }) => ({ path, figure: typeof raw === 'string' ? parseDisplayCount(raw) : null }))
    .find((d) => d.figure !== null && d.figure.value !== '0');
  for (const path of COUNT_PATHS) {
    const raw = valueAt(root, path);
    if (raw === undefined || raw === null) continue;
    const value = typeof raw === 'number' || typeof raw === 'string' ? toCount(raw) : null;
    if (value === null) return fail('malformed', `${path.join('.')} is not a count: ${JSON.stringify(raw).slice(0, 60)}`, undefined, format);
    if (value === '0') continue;
    const { reading, fromDisplay } = capAware({ value, precision: 'exact', step: '0' }, display?.figure);
    const source = `instagram.${format}.${(fromDisplay && display ? display.path : path).join('.')}`;
    return ok([{ metric: 'posts', ...reading, source }], format, identity);
  }
  if (display?.figure) {
    const { figure, path } = display;
    const reading: Reading = { metric: 'posts', value: figure.value, precision: figure.precision, step: figure.step, source: `instagram.${format}.${path.join('.')}` };
    return ok([reading], format, identity);
  }
  return fail('hollow', 'Instagram answered without a post count (no count, media_count or edge_hashtag_to_media)', undefined, format);
}

/**
 * The classic tag page (explore/tags/<tag>/, until ~2021): the count sits in `window._sharedData` (TagPage) or in the
 * `window.__additionalDataLoaded(path, {...})` call that follows it. Returns null when the page has neither, so the
 * page is classified as a login wall, checkpoint or an unknown page.
 */
function readTagPage(html: string): ParseResult | null {
  let sawTagPage = false;
  for (const text of assignedJson(html, 'window._sharedData', '=')) {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail('malformed', `window._sharedData: ${parsed.error}`, undefined, 'shared_data');
    const entry = valueAt(parsed.value, ['entry_data']);
    if (field(entry, 'LoginAndSignupPage') !== undefined) return fail('login_wall', 'Instagram answered with its login page (_sharedData LoginAndSignupPage)');
    const tagPage = valueAt(entry, ['TagPage', '0']);
    if (!isObject(tagPage)) continue;
    sawTagPage = true;
    if (valueAt(tagPage, ['graphql', 'hashtag']) !== undefined || valueAt(tagPage, ['data', 'hashtag']) !== undefined) return readCounts(tagPage, 'shared_data');
  }
  for (const text of assignedJson(html, 'window.__additionalDataLoaded(', ',')) {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail('malformed', `window.__additionalDataLoaded: ${parsed.error}`, undefined, 'additional_data');
    if (isObject(parsed.value) && (valueAt(parsed.value, ['graphql', 'hashtag']) !== undefined || valueAt(parsed.value, ['data', 'hashtag']) !== undefined)) {
      return readCounts(parsed.value, 'additional_data');
    }
  }
  return sawTagPage ? fail('hollow', 'Instagram tag page (TagPage) without the hashtag data', undefined, 'shared_data') : null;
}

/** Longest script scanned for embedded JSON; real tag pages carry well under 1 MB. */
const MAX_EMBEDDED_SCRIPT = 8 * 1024 * 1024;
/** How many occurrences of a marker are looked at; real pages have one. */
const MAX_MARKERS = 8;

/**
 * The JSON text after `marker` (and after the first `separator` that follows it) up to the end of its script, without
 * the trailing `;` or `);`. Linear: indexOf only.
 */
function* assignedJson(html: string, marker: string, separator: string): Generator<string> {
  let at = html.indexOf(marker);
  for (let tries = 0; at !== -1 && tries < MAX_MARKERS; tries++) {
    const end = html.indexOf('</script', at);
    if (end === -1 || end - at > MAX_EMBEDDED_SCRIPT) return;
    const sep = html.indexOf(separator, at + marker.length);
    if (sep !== -1 && sep < end) {
      const brace = html.indexOf('{', sep);
      if (brace !== -1 && brace < end) yield html.slice(brace, end).trim().replace(/\)?\s*;?\s*$/, '');
    }
    at = html.indexOf(marker, end);
  }
}

function identityOf(root: unknown): { challengeId?: string; title?: string } {
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

/**
 * Does this body look like an Instagram tag response (for `tagpulse parse` detection)? JSON with Instagram's count or
 * refusal keys, or an Instagram page: its `_sharedData`/`__additionalDataLoaded` state or its own meta/canonical tags.
 */
export function sniffInstagram(body: string): boolean {
  const head = body.slice(0, 200_000);
  if (head.includes('challengeInfo')) return false;
  if (/^\s*\{/.test(head)) return /"(media_count|formatted_media_count|edge_hashtag_to_media|require_login)"|login_required/.test(head);
  if (!/^\s*</.test(head)) return false;
  return (
    /window\._sharedData\s*=|window\.__additionalDataLoaded\(/.test(head) ||
    /<meta[^<>]{0,200}content="Instagram"|href="https:\/\/www\.instagram\.com\/explore\/tags\//i.test(head)
  );
}
