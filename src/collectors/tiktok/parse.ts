/**
 * TikTok parsers: a /tag/<tag> page of any era, or a challenge-detail JSON response, to readings or a classified
 * failure. Pure functions, no I/O.
 *
 * Where the tag totals live (see the reference, "TikTok web formats over the years"):
 *  - /api/challenge/detail/ (and the 2020–21 node/share/tag endpoint): top-level `challengeInfo` + `statusCode`, or
 *    the same under `body`; the 2020 node/share/tag answer `{statusCode: 0, body: {challengeData: {challengeId,
 *    challengeName, views: "<decimal string>", posts: <number>}}}`;
 *  - pages, newest first: `__UNIVERSAL_DATA_FOR_REHYDRATION__` (2023–), `SIGI_STATE` as a JSON script or inline
 *    assignment (2021–2023), `__NEXT_DATA__` (≤2022), then the visible `h2` text and the 2020 meta description.
 * `challengeInfo.statsV2` holds exact counts as strings; `challengeInfo.stats` holds numbers rounded to the display
 * figure. Wherever they come from, counts are read exactly or not at all: a zero is "missing" (TikTok sends 0 for
 * counts it does not fill), junk is `malformed`, and nothing is ever estimated.
 *
 * Hostile input: these functions never throw and do work linear in the input. HTML is scanned with indexOf and
 * regexes run only on small bounded slices; JSON.parse (iterative in V8) is the only full-size parser, and its
 * errors, including RangeError, become `malformed`.
 */
import { toCount, UINT64_MAX } from '../../schema/count.ts';
import type { FailureKind } from '../../schema/failure.ts';
import type { Reading } from '../../schema/observation.ts';
import { fail, ok, type ParseResult } from '../types.ts';
import { capAware, parseDisplayCount, stepFromDigits, type CountReading, type DisplayCount } from '../common/display-count.ts';

export interface ParseOptions {
  /** HTTP status of the response, when there was one. */
  status?: number;
}

export interface DispatchOptions extends ParseOptions {
  contentType?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** Parse any TikTok response for a tag: HTTP-level failures first, then the JSON API or the page parser. */
export function parseTikTok(body: string, opts: DispatchOptions = {}): ParseResult {
  return guarded(() => transportFailure(body, opts.status) ?? (isJsonBody(body, opts.contentType) ? parseApiBody(body) : parsePageBody(body)));
}

/** Parse a /tag/<tag> HTML page of any era. */
export function parseTikTokPage(html: string, opts: ParseOptions = {}): ParseResult {
  return guarded(() => transportFailure(html, opts.status) ?? parsePageBody(html));
}

/** Parse the JSON of /api/challenge/detail/ (or the 2020 node/share/tag endpoint, which has the same challengeInfo). */
export function parseTikTokApi(json: string, opts: ParseOptions = {}): ParseResult {
  return guarded(() => transportFailure(json, opts.status) ?? parseApiBody(json));
}

/**
 * Last line of defence for the "never throws" promise: every expected problem is already a classified result, so
 * an exception here is a bug or an engine limit (RangeError on an absurd input). The sample still has to be
 * recorded as a failure rather than crash the worker.
 */
function guarded(parse: () => ParseResult): ParseResult {
  try {
    return parse();
  } catch (e) {
    return fail('malformed', `could not parse the response: ${errorMessage(e)}`);
  }
}

/** Failures visible before looking at the content: HTTP status, then an empty body (a common bot-detection answer). */
function transportFailure(body: string, status: number | undefined): ParseResult | null {
  if (status === 429) return fail('throttled', 'HTTP 429 Too Many Requests');
  if (status === 401 || status === 403) return fail('blocked', `HTTP ${status}: TikTok refused the request`);
  if (status === 404) return fail('not_found', 'HTTP 404: TikTok has no page for this tag');
  if (status !== undefined && status >= 500 && status <= 599) return fail('server_error', `HTTP ${status} from TikTok`);
  if (body.trim() === '') return fail('empty', 'the response body is empty (TikTok answers suspected bots this way)');
  return null;
}

/** A body that starts like JSON is JSON; one that starts like markup is a page; otherwise trust the content type. */
function isJsonBody(body: string, contentType: string | undefined): boolean {
  const first = /\S/.exec(body)?.[0];
  if (first === '{' || first === '[') return true;
  if (first === '<') return false;
  return /\bjson\b/i.test(contentType ?? '');
}

// ---------------------------------------------------------------------------------------------------------------
// JSON API
// ---------------------------------------------------------------------------------------------------------------

const API: Flavor = { format: 'api', sourcePrefix: 'tiktok.api' };
const NODE_SHARE: Flavor = { format: 'node_share', sourcePrefix: 'tiktok.node_share' };

function parseApiBody(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return fail('malformed', `API body: ${parsed.error}`, undefined, API.format);
  const root = parsed.value;
  if (!isObject(root)) return fail('malformed', 'API body is not a JSON object', undefined, API.format);
  if (isVerifyChallenge(root)) return fail('captcha', 'TikTok answered with a verify (captcha) challenge', '10000', API.format);
  const body = objectAt(root, ['body']);
  // node/share/tag (2020–21) wraps its payload in `body`, with the status code beside it at the top level.
  if (!Object.hasOwn(root, 'challengeInfo') && body) {
    if (Object.hasOwn(body, 'challengeData')) return readChallengeDataScope(root, body, NODE_SHARE);
    if (Object.hasOwn(body, 'challengeInfo')) return readChallengeScope({ ...body, ...statusFieldsOf(root) }, API);
  }
  if (!Object.hasOwn(root, 'challengeInfo') && !STATUS_CODE_KEYS.some((k) => Object.hasOwn(root, k))) {
    return fail('malformed', 'JSON has neither challengeInfo, body.challengeData nor a status code: not a challenge-detail response', undefined, API.format);
  }
  return readChallengeScope(root, API);
}

/** The status code and message fields of a scope (own properties only), to carry them onto a nested scope. */
function statusFieldsOf(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of [...STATUS_CODE_KEYS, ...STATUS_MESSAGE_KEYS]) if (Object.hasOwn(o, k)) out[k] = o[k];
  return out;
}

/**
 * 2020 node/share/tag: `{statusCode: 0, body: {challengeData: {challengeId, challengeName, views: "<decimal string>",
 * posts: <number>}}}`. These counts are the display figures expanded, like `stats`: rounded, with the step their own
 * digits show (a `shareMeta` text may show a finer one).
 */
function readChallengeDataScope(root: JsonObject, body: JsonObject, flavor: Flavor): ParseResult {
  try {
    const code = statusCodeOf({ ...body, ...statusFieldsOf(root) });
    if (code !== '0') return failureForStatusCode(code, statusMessageOf(root) || statusMessageOf(body), flavor.format);
    const hollow = (why: string) => fail('hollow', `statusCode 0 but ${why}`, undefined, flavor.format);
    const raw = field(body, 'challengeData');
    if (raw == null) return hollow('no challengeData');
    const data = expectObject(raw, 'body.challengeData');
    const challengeId = challengeIdOf({ id: field(data, 'challengeId') ?? field(data, 'id') });
    if (challengeId === null) return hollow('challengeData has no challengeId (TikTok answers unknown or blocked tags this way)');
    const shareViews = shareMetaViews([data, body, root]);
    const readings: Reading[] = [];
    for (const { metric, key } of [
      { metric: 'views', key: 'views' },
      { metric: 'posts', key: 'posts' },
    ] as const) {
      const value = roundedCountField(data, key, 'body.challengeData');
      const reading = combineRounded(value, metric === 'views' ? shareViews : null, `${flavor.sourcePrefix}.challengeData`, `${flavor.sourcePrefix}.shareMeta`);
      if (reading) readings.push({ metric, ...reading });
    }
    if (readings.length === 0) return hollow(`challenge ${challengeId} has no non-zero count`);
    const name = field(data, 'challengeName');
    const title = typeof name === 'string' && name.trim() !== '' && name.length <= MAX_TITLE_LENGTH ? name : null;
    return ok(readings, flavor.format, { challengeId, ...(title !== null ? { title } : {}) });
  } catch (e) {
    if (e instanceof MalformedScopeError) return fail('malformed', e.message, undefined, flavor.format);
    throw e;
  }
}

/** The captcha answer: `{"code":"10000","type":"verify",…}`, or a `verifyConfig` block. */
function isVerifyChallenge(o: JsonObject): boolean {
  return field(o, 'type') === 'verify' || field(o, 'verifyConfig') != null || codeString(field(o, 'code')) === '10000';
}

// ---------------------------------------------------------------------------------------------------------------
// HTML page
// ---------------------------------------------------------------------------------------------------------------

/** An embedded-state format: where its JSON texts are in the page and where the challenge scope is inside them. */
interface EmbeddedState extends Flavor {
  candidates(html: string): Iterable<string>;
  scope(root: unknown): JsonObject | undefined;
}

const SIGI_SCOPE = (root: unknown): JsonObject | undefined => objectAt(root, ['ChallengePage']);

/** Newest format first: archived pages can carry leftovers of an older format next to the current one. */
const EMBEDDED_STATES: readonly EmbeddedState[] = [
  {
    format: 'rehydration',
    sourcePrefix: 'tiktok.rehydration',
    candidates: (html) => scriptContents(html, '__UNIVERSAL_DATA_FOR_REHYDRATION__'),
    scope: (root) => objectAt(root, ['__DEFAULT_SCOPE__', 'webapp.challenge-detail']),
  },
  { format: 'sigi_script', sourcePrefix: 'tiktok.sigi', candidates: (html) => scriptContents(html, 'SIGI_STATE'), scope: SIGI_SCOPE },
  { format: 'sigi_inline', sourcePrefix: 'tiktok.sigi', candidates: inlineSigiStates, scope: SIGI_SCOPE },
  {
    format: 'next_data',
    sourcePrefix: 'tiktok.next_data',
    candidates: (html) => scriptContents(html, '__NEXT_DATA__'),
    // pageProps exists on every Next.js page; it is a tag scope only if it carries challenge data or a status.
    scope: (root) => {
      const props = objectAt(root, ['props', 'pageProps']);
      return props && (Object.hasOwn(props, 'challengeInfo') || Object.hasOwn(props, 'statusCode')) ? props : undefined;
    },
  },
];

function parsePageBody(html: string): ParseResult {
  const brokenScripts: string[] = [];
  for (const state of EMBEDDED_STATES) {
    const result = readEmbeddedState(html, state, brokenScripts);
    if (result) return result;
  }
  // Scripts are out of the way from here on: their i18n strings ("Couldn't find this hashtag"…) must not count.
  const markup = withoutScripts(html);
  return readVisibleCounts(markup) ?? readMetaDescription(markup) ?? classifyPageWithoutData(markup, brokenScripts);
}

/**
 * The first candidate script that parses and holds the challenge scope decides. Scripts that do not parse are
 * noted: if nothing else on the page has data, the page is `malformed` rather than `no_data`.
 */
function readEmbeddedState(html: string, state: EmbeddedState, brokenScripts: string[]): ParseResult | null {
  for (const text of state.candidates(html)) {
    const parsed = parseJson(text);
    if (!parsed.ok) {
      brokenScripts.push(`${state.format} script: ${parsed.error}`);
      continue;
    }
    const scope = state.scope(parsed.value);
    if (scope) return readChallengeScope(scope, state);
  }
  return null;
}

/** After every data source came up empty: say why, most specific first. */
function classifyPageWithoutData(markup: string, brokenScripts: readonly string[]): ParseResult {
  const text = markup.toLowerCase();
  const captchaMarker = CAPTCHA_MARKERS.find((m) => text.includes(m));
  if (captchaMarker) return fail('captcha', `the page is a verify (captcha) page (found "${captchaMarker}")`);
  if (saysHashtagNotFound(text)) return fail('not_found', `the page says "Couldn't find this hashtag"`);
  if (brokenScripts.length > 0) {
    const more = brokenScripts.length > 1 ? ` (and ${brokenScripts.length - 1} more broken data scripts)` : '';
    return fail('malformed', `page data could not be read: ${brokenScripts[0]}${more}`);
  }
  if (text.includes('something went wrong')) return fail('no_data', 'TikTok served its "Something went wrong" page');
  return fail(
    'no_data',
    'the page has no tag data (no challenge-detail scope, SIGI_STATE, __NEXT_DATA__ or count text); probably the SSR variant that loads the counts later',
  );
}

/** Markup of TikTok's verify page (slider captcha), lowercase. */
const CAPTCHA_MARKERS = ['captcha_container', 'captcha-verify', 'secsdk-captcha', 'verify-bar', 'verify to continue'] as const;

/** "Couldn't find this hashtag", whatever the apostrophe: ', ’ or an entity such as &#39;. */
function saysHashtagNotFound(lowercaseMarkup: string): boolean {
  let at = lowercaseMarkup.indexOf('find this hashtag');
  for (let tries = 0; at !== -1 && tries < MAX_OCCURRENCES; tries++) {
    if (lowercaseMarkup.slice(Math.max(0, at - 16), at).includes('couldn')) return true;
    at = lowercaseMarkup.indexOf('find this hashtag', at + 1);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Challenge scope → readings (shared by the API and every embedded-state format)
// ---------------------------------------------------------------------------------------------------------------

interface Flavor {
  /** `format` of the result. */
  format: string;
  /** Readings are sourced as `<prefix>.statsV2` or `<prefix>.stats`. */
  sourcePrefix: string;
}

const STATUS_CODE_KEYS = ['statusCode', 'status_code'] as const;
const STATUS_MESSAGE_KEYS = ['statusMsg', 'status_msg'] as const;

/** The two tag totals and their keys in stats/statsV2. */
const METRIC_KEYS = [
  { metric: 'views', key: 'viewCount' },
  { metric: 'posts', key: 'videoCount' },
] as const;

/** Thrown (and caught in readChallengeScope) when a field the readings depend on has the wrong type or range. */
class MalformedScopeError extends Error {}

/** A scope is an object with a status code and `challengeInfo`: the API root, `webapp.challenge-detail`, `ChallengePage`, `pageProps`. */
function readChallengeScope(scope: JsonObject, flavor: Flavor): ParseResult {
  try {
    const code = statusCodeOf(scope);
    if (code !== '0') return failureForStatusCode(code, statusMessageOf(scope), flavor.format);
    return readChallengeInfo(field(scope, 'challengeInfo'), flavor, scope);
  } catch (e) {
    if (e instanceof MalformedScopeError) return fail('malformed', e.message, undefined, flavor.format);
    throw e;
  }
}

function readChallengeInfo(raw: unknown, flavor: Flavor, scope: JsonObject): ParseResult {
  const hollow = (why: string) => fail('hollow', `statusCode 0 but ${why}`, undefined, flavor.format);
  if (raw == null) return hollow('no challengeInfo');
  const info = expectObject(raw, 'challengeInfo');
  const challenge = optionalObject(field(info, 'challenge'), 'challengeInfo.challenge');
  const challengeId = challengeIdOf(challenge);
  if (challengeId === null) return hollow('challengeInfo has no challenge id (TikTok answers unknown or blocked tags this way)');
  const readings = readStats(info, flavor.sourcePrefix, shareMetaViews([info, scope]));
  if (readings.length === 0) return hollow(`challenge ${challengeId} has no non-zero count`);
  const title = titleOf(challenge);
  return ok(readings, flavor.format, { challengeId, ...(title !== null ? { title } : {}) });
}

/**
 * Per metric, the exact statsV2 string wins; the rounded stats number is the fallback, with the step its own digits
 * show, refined by the shareMeta text ("5314600.0m views") when that is finer and agrees. A zero is missing, never a
 * reading; a value at an integer cap (2^31−1…) is a lower bound.
 */
function readStats(info: JsonObject, sourcePrefix: string, shareViews: DisplayCount | null): Reading[] {
  const exact = optionalObject(field(info, 'statsV2'), 'challengeInfo.statsV2');
  const rounded = optionalObject(field(info, 'stats'), 'challengeInfo.stats');
  const readings: Reading[] = [];
  for (const { metric, key } of METRIC_KEYS) {
    const text = metric === 'views' ? shareViews : null;
    const v2 = exactCountField(exact, key);
    if (v2 !== null) {
      const { reading, fromDisplay } = capAware({ value: v2, precision: 'exact', step: '0' }, text);
      readings.push({ metric, ...reading, source: fromDisplay ? `${sourcePrefix}.shareMeta` : `${sourcePrefix}.statsV2` });
      continue;
    }
    const v1 = combineRounded(roundedCountField(rounded, key, 'challengeInfo.stats'), text, `${sourcePrefix}.stats`, `${sourcePrefix}.shareMeta`);
    if (v1 !== null) readings.push({ metric, ...v1 });
  }
  return readings;
}

/**
 * A rounded count from a number and, optionally, the display text sent for the same metric. The number's step is
 * what its digits show (trailing zeros); the text's step is its last shown digit. The finer of the two wins when
 * both agree (their intervals overlap); when they disagree the number, the structured field, is kept.
 */
function combineRounded(value: string | null, text: DisplayCount | null, numberSource: string, textSource: string): (CountReading & { source: string }) | null {
  // A display text is a display figure even when it has no suffix: "999 views" is labelled rounded (step 1) like stats.
  const usableText = text && text.value !== '0' ? (text.precision === 'exact' ? { ...text, precision: 'rounded' as const, step: '1' } : text) : null;
  if (value === null) return usableText ? { value: usableText.value, precision: usableText.precision, step: usableText.step, source: textSource } : null;
  const { reading, fromDisplay } = capAware({ value, precision: 'rounded', step: stepFromDigits(BigInt(value)) }, usableText);
  if (fromDisplay || reading.precision === 'lower_bound' || !usableText) return { ...reading, source: fromDisplay ? textSource : numberSource };
  const n = BigInt(value);
  const t = BigInt(usableText.value);
  const gap2 = 2n * (n > t ? n - t : t - n);
  const agree = gap2 <= BigInt(reading.step) + BigInt(usableText.step);
  const textIsFiner = BigInt(usableText.step) < BigInt(reading.step);
  if (agree && textIsFiner) return { value: usableText.value, precision: usableText.precision, step: usableText.step, source: textSource };
  return { ...reading, source: numberSource };
}

/** `shareMeta.desc` of the first scope that has one, read as "<figure> views …" (2020: "37099.0m views - Watch…"). */
function shareMetaViews(scopes: readonly JsonObject[]): DisplayCount | null {
  for (const scope of scopes) {
    const desc = field(objectAt(scope, ['shareMeta']) ?? {}, 'desc');
    if (typeof desc !== 'string') continue;
    const figure = /^\s*(\d[\d.,]*\s?[KMBT]?)\s+views\b/i.exec(desc.slice(0, 200))?.[1];
    const count = figure ? parseDisplayCount(figure) : null;
    if (count) return count;
  }
  return null;
}

/** statsV2 values are exact: a decimal string (or a safe integer). Absent, null or zero → null. */
function exactCountField(stats: JsonObject | null, key: string): string | null {
  const raw = stats ? field(stats, key) : undefined;
  if (raw == null) return null;
  const count = toCount(raw);
  if (count === null) throw new MalformedScopeError(`challengeInfo.statsV2.${key} is not an exact count: ${preview(raw)}`);
  return count === '0' ? null : count;
}

/** stats values are rounded display figures: a non-negative integer number (or digit string). Absent, null or zero → null. */
function roundedCountField(stats: JsonObject | null, key: string, path: string): string | null {
  const raw = stats ? field(stats, key) : undefined;
  if (raw == null) return null;
  const count = typeof raw === 'number' ? integerToCount(raw) : typeof raw === 'string' ? toCount(raw) : null;
  if (count === null) throw new MalformedScopeError(`${path}.${key} is not a count: ${preview(raw)}`);
  return count === '0' ? null : count;
}

/**
 * A JSON number that is a non-negative integer within UInt64. Above 2^53 a double is not exact, but `String(n)` is
 * the shortest decimal that reads back as the same double, i.e. the digits TikTok wrote for its few-significant-digit
 * display figures; the value is labelled rounded anyway, with a step far above the double's error. That holds only
 * while those digits are at most 15 significant ones (every such decimal survives a double unchanged): a longer
 * literal such as 9007199254740993 comes back as 9007199254740992, a number that was never written, so it is refused.
 */
function integerToCount(n: number): string | null {
  if (!Number.isInteger(n) || n < 0) return null;
  const digits = String(n); // plain digits for every integer below 1e21, which covers UInt64
  if (!Number.isSafeInteger(n) && digits.replace(/0+$/, '').length > MAX_EXACT_DOUBLE_DIGITS) return null;
  return /^\d+$/.test(digits) && BigInt(digits) <= UINT64_MAX ? digits : null;
}

/** Significant decimal digits that every double reproduces exactly (DBL_DIG). */
const MAX_EXACT_DOUBLE_DIGITS = 15;

/** Ids are decimal strings (sometimes numbers in old payloads). Absent, empty or "0" → null (a hollow answer). */
function challengeIdOf(challenge: JsonObject | null): string | null {
  const raw = challenge ? field(challenge, 'id') : undefined;
  if (raw == null || raw === '' || raw === '0' || raw === 0) return null;
  const id = typeof raw === 'number' ? toCount(raw) : typeof raw === 'string' && /^\d{1,30}$/.test(raw) ? raw : null;
  if (id === null) throw new MalformedScopeError(`challengeInfo.challenge.id is not a numeric id: ${preview(raw)}`);
  return id;
}

/** Longer than any tag (150); a longer "title" is not one and is left out rather than carried into results. */
const MAX_TITLE_LENGTH = 500;

function titleOf(challenge: JsonObject | null): string | null {
  const raw = challenge ? field(challenge, 'title') : undefined;
  return typeof raw === 'string' && raw.trim() !== '' && raw.length <= MAX_TITLE_LENGTH ? raw : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Platform status codes
// ---------------------------------------------------------------------------------------------------------------

/** TikTok's own status codes (TikTok-Api V5 ERROR_CODES, pyktok, MEOMcGill/pytok). */
const STATUS_CODES: ReadonlyMap<string, { kind: FailureKind; meaning: string }> = new Map<string, { kind: FailureKind; meaning: string }>([
  ['10000', { kind: 'captcha', meaning: 'verify challenge' }],
  ['10202', { kind: 'not_found', meaning: 'hashtag does not exist' }],
  ['10205', { kind: 'not_found', meaning: 'hashtag does not exist' }],
  ['10209', { kind: 'restricted', meaning: 'hashtag is blacklisted' }],
  ['10211', { kind: 'restricted', meaning: 'hashtag is a sensitive word' }],
  ['10212', { kind: 'restricted', meaning: 'hashtag was taken down' }],
  ['10219', { kind: 'restricted', meaning: 'not available in this region' }],
  ['2484', { kind: 'throttled', meaning: 'too many attempts' }],
]);

/**
 * Unknown non-zero codes (10201 "invalid entity" above all) are what TikTok answers to a missing or bad signature or
 * parameter, so they are `blocked`, to be retried, never `not_found`, which would stop sampling a live tag.
 */
function failureForStatusCode(code: string, statusMessage: string, format: string): ParseResult {
  const suffix = statusMessage === '' ? '' : `: ${statusMessage}`;
  const known = STATUS_CODES.get(code);
  if (known) return fail(known.kind, `TikTok status ${code} (${known.meaning})${suffix}`, code, format);
  return fail('blocked', `TikTok status ${code}${suffix} (the request was refused, usually a missing or invalid signature or parameter)`, code, format);
}

/** The first non-zero of statusCode/status_code, "0" when they are zero or absent. */
function statusCodeOf(scope: JsonObject): string {
  for (const key of STATUS_CODE_KEYS) {
    const raw = field(scope, key);
    if (raw == null) continue;
    const code = codeString(raw);
    if (code === null) throw new MalformedScopeError(`${key} is not a status code: ${preview(raw)}`);
    if (code !== '0') return code;
  }
  return '0';
}

function statusMessageOf(scope: JsonObject): string {
  for (const key of STATUS_MESSAGE_KEYS) {
    const raw = field(scope, key);
    if (typeof raw === 'string' && raw.trim() !== '') return raw.trim().slice(0, 200);
  }
  return '';
}

/** A status code as a canonical decimal string; TikTok writes them as numbers or strings ("10000"). */
function codeString(raw: unknown): string | null {
  return typeof raw === 'number' || typeof raw === 'string' ? toCount(raw) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Visible page text
// ---------------------------------------------------------------------------------------------------------------

/**
 * `h2[data-e2e="challenge-vvcount"]` showed "<strong>16.4B</strong> views" until ~Dec 2023 and "1.1M posts" since;
 * `h2[data-e2e="challenge-item-count"]` shows "N videos". The words decide the metric (the vvcount title attribute
 * when there are none), because the same element changed meaning.
 */
function readVisibleCounts(markup: string): ParseResult | null {
  const readings = new Map<string, Reading>();
  const add = (metric: string | null, figure: string) => {
    const count = parseDisplayCount(figure);
    if (metric === null || count === null || count.value === '0' || readings.has(metric)) return;
    readings.set(metric, { metric, value: count.value, precision: count.precision, step: count.step, source: 'tiktok.page.text' });
  };
  for (const el of elementsByDataE2e(markup, 'h2', 'challenge-vvcount')) {
    const figure = splitCountText(el.text);
    if (figure) add(metricForWord(figure.word) ?? metricForWord(el.title), figure.number);
  }
  for (const el of elementsByDataE2e(markup, 'h2', 'challenge-item-count')) {
    const figure = splitCountText(el.text);
    if (figure) add(metricForWord(figure.word) ?? 'posts', figure.number);
  }
  return readings.size === 0 ? null : ok([...readings.values()], 'text', pageIdentity(markup));
}

/**
 * 2020 pages: `<meta name="description" content="#duett | 37.1B people have watched this. …">`. Only consulted when
 * nothing better is on the page.
 */
function readMetaDescription(markup: string): ParseResult | null {
  for (const meta of openTagsWithAttribute(markup, 'meta', 'name="description"')) {
    const content = attribute(meta.source, 'content');
    const figure = content && /\|\s*(\d[\d.,]*\s?[KMBT]?)\s+people have watched this/i.exec(content)?.[1];
    const count = figure ? parseDisplayCount(figure) : null;
    if (count && count.value !== '0') {
      const reading: Reading = { metric: 'views', value: count.value, precision: count.precision, step: count.step, source: 'tiktok.page.meta' };
      return ok([reading], 'meta', pageIdentity(markup));
    }
  }
  return null;
}

/** "16.4B views" → { number: "16.4B", word: "views" }; the word is optional. */
function splitCountText(text: string): { number: string; word: string } | null {
  const match = /^(\d[\d.,]*(?: ?[KMBT])?)(?: ?([a-z]+))?$/i.exec(text);
  return match ? { number: match[1] ?? '', word: match[2] ?? '' } : null;
}

function metricForWord(word: string): 'views' | 'posts' | null {
  const w = word.toLowerCase();
  if (w === 'views' || w === 'view') return 'views';
  if (w === 'posts' || w === 'post' || w === 'videos' || w === 'video') return 'posts';
  return null;
}

/** Title from `h1[data-e2e="challenge-title"]` ("#tag"); id from the app deep link (`…challenge/detail/<id>`). */
function pageIdentity(markup: string): { challengeId?: string; title?: string } {
  const heading = elementsByDataE2e(markup, 'h1', 'challenge-title').next().value;
  const title = heading?.text.replace(/^#/, '');
  const challengeId = deepLinkChallengeId(markup);
  return { ...(challengeId ? { challengeId } : {}), ...(title && title.length <= MAX_TITLE_LENGTH ? { title } : {}) };
}

function deepLinkChallengeId(markup: string): string | null {
  const needle = 'challenge/detail/';
  let at = markup.indexOf(needle);
  for (let tries = 0; at !== -1 && tries < MAX_OCCURRENCES; tries++) {
    const id = /^\d{1,30}/.exec(markup.slice(at + needle.length, at + needle.length + 31))?.[0];
    if (id) return id;
    at = markup.indexOf(needle, at + needle.length);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// HTML scanning: indexOf plus regexes on bounded slices only
// ---------------------------------------------------------------------------------------------------------------

/** How many occurrences of a needle are examined; real pages have one or two, a hostile page may have millions. */
const MAX_OCCURRENCES = 64;
/** Longest opening tag considered (attributes included). */
const MAX_OPEN_TAG = 2048;
/** Longest element content considered for visible counts. */
const MAX_ELEMENT_TEXT = 4096;

/** Contents of every `<script … id="<id>" …>` in page order. */
function* scriptContents(html: string, id: string): Generator<string> {
  const attr = `id="${id}"`;
  let from = 0;
  for (let tries = 0; tries < MAX_OCCURRENCES; tries++) {
    const open = findOpenTag(html, 'script', attr, from);
    if (!open) return;
    const end = html.indexOf('</script', open.end);
    if (end === -1) return; // no later script can be closed either
    yield html.slice(open.end, end);
    from = end;
  }
}

/** 2021 pages: `<script>window['SIGI_STATE']={…};window['SIGI_RETRY']={…}</script>`. */
function* inlineSigiStates(html: string): Generator<string> {
  for (const quote of [`'`, `"`]) {
    const marker = `window[${quote}SIGI_STATE${quote}]=`;
    let at = html.indexOf(marker);
    for (let tries = 0; at !== -1 && tries < MAX_OCCURRENCES; tries++) {
      const start = at + marker.length;
      const scriptEnd = html.indexOf('</script', start);
      if (scriptEnd === -1) break;
      const script = html.slice(start, scriptEnd);
      const retry = script.indexOf(`;window[${quote}SIGI_RETRY${quote}]`);
      yield (retry === -1 ? script : script.slice(0, retry)).trim().replace(/;$/, '');
      at = html.indexOf(marker, scriptEnd);
    }
  }
}

interface OpenTag {
  /** The opening tag's source, `<h2 … >`. */
  source: string;
  /** Index just after its `>`. */
  end: number;
}

/**
 * The first opening tag `<tagName …>` at or after `from` that contains `attr` verbatim (e.g.
 * `data-e2e="challenge-vvcount"`). Looks at most at MAX_OCCURRENCES occurrences of `attr`, each in a window of
 * MAX_OPEN_TAG characters, so a page full of decoys costs little.
 */
function findOpenTag(html: string, tagName: string, attr: string, from: number): OpenTag | null {
  let at = html.indexOf(attr, from);
  for (let tries = 0; at !== -1 && tries < MAX_OCCURRENCES; tries++) {
    const windowStart = Math.max(from, at - MAX_OPEN_TAG);
    const lt = html.slice(windowStart, at).lastIndexOf('<');
    const gt = html.slice(at + attr.length, at + attr.length + MAX_OPEN_TAG).indexOf('>');
    if (lt !== -1 && gt !== -1) {
      const source = html.slice(windowStart + lt, at + attr.length + gt + 1);
      if (isOpenTag(source, tagName)) return { source, end: at + attr.length + gt + 1 };
    }
    at = html.indexOf(attr, at + attr.length);
  }
  return null;
}

/** `<tagName` followed by whitespace, and no other `<` or `>` inside (the attribute was inside this very tag). */
function isOpenTag(source: string, tagName: string): boolean {
  const name = source.slice(1, tagName.length + 1).toLowerCase();
  const inside = source.slice(1, -1);
  return name === tagName && /\s/.test(source.charAt(tagName.length + 1)) && !inside.includes('<') && !inside.includes('>');
}

/** Every opening tag `<tagName …>` containing `attr`, in page order. */
function* openTagsWithAttribute(html: string, tagName: string, attr: string): Generator<OpenTag> {
  let from = 0;
  for (let tries = 0; tries < MAX_OCCURRENCES; tries++) {
    const open = findOpenTag(html, tagName, attr, from);
    if (!open) return;
    yield open;
    from = open.end;
  }
}

/** Visible text (tags stripped, entities decoded, whitespace collapsed) and title of `<tagName data-e2e="…">` elements. */
function* elementsByDataE2e(markup: string, tagName: string, e2e: string): Generator<{ text: string; title: string }> {
  for (const open of openTagsWithAttribute(markup, tagName, `data-e2e="${e2e}"`)) {
    const inner = markup.slice(open.end, open.end + MAX_ELEMENT_TEXT);
    const close = inner.search(new RegExp(`</${tagName}`, 'i'));
    if (close === -1) continue;
    // [^<>] rather than [^>]: a run of stray '<' must not make the strip quadratic.
    const text = decodeEntities(inner.slice(0, close).replace(/<[^<>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
    yield { text, title: attribute(open.source, 'title') ?? '' };
  }
}

/** A double-quoted attribute value from one opening tag's source, entities decoded. */
function attribute(tagSource: string, name: string): string | null {
  const value = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tagSource)?.[1];
  return value === undefined ? null : decodeEntities(value);
}

/** The page without the contents of <script> and <style> elements (their tags stay). Linear. */
function withoutScripts(html: string): string {
  const opening = /<(script|style)/gi;
  const parts: string[] = [];
  let from = 0;
  for (let open = opening.exec(html); open; open = opening.exec(html)) {
    const contentStart = html.indexOf('>', open.index) + 1;
    if (contentStart === 0) break;
    const closing = open[1]?.toLowerCase() === 'script' ? /<\/script/gi : /<\/style/gi;
    closing.lastIndex = contentStart;
    const close = closing.exec(html);
    if (!close) break; // an unterminated script runs to the end of the page
    parts.push(html.slice(from, contentStart));
    from = close.index;
    opening.lastIndex = close.index + 2;
  }
  parts.push(html.slice(from));
  return parts.join('');
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode the entities TikTok pages use in text and attributes; unknown or invalid ones are left as they are. */
function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,8});/g, (whole, ref: string) => {
    if (!ref.startsWith('#')) return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
    const codePoint = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: e instanceof RangeError ? 'JSON is nested too deeply or too large' : `invalid JSON (${errorMessage(e)})` };
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own properties only: a payload's "__proto__" or "constructor" must never reach inherited members. */
function field(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function objectAt(root: unknown, path: readonly string[]): JsonObject | undefined {
  let node = root;
  for (const key of path) node = isObject(node) ? field(node, key) : undefined;
  return isObject(node) ? node : undefined;
}

function expectObject(raw: unknown, path: string): JsonObject {
  if (!isObject(raw)) throw new MalformedScopeError(`${path} is not an object: ${preview(raw)}`);
  return raw;
}

function optionalObject(raw: unknown, path: string): JsonObject | null {
  return raw == null ? null : expectObject(raw, path);
}

/** A short, safe rendering of an unexpected value for messages. */
function preview(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function errorMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}
