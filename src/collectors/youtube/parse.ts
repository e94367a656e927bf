/**
 * YouTube hashtag pages (`/hashtag/<tag>`): the header's "9.7K videos • 3K channels" in `ytInitialData`.
 *
 * Shapes (reference, "Instagram and YouTube"):
 *  - `header.hashtagHeaderRenderer.hashtagInfoText` (simpleText or runs), title in `.hashtag`;
 *  - newer layouts: `header.pageHeaderRenderer.content.pageHeaderViewModel.metadata.contentMetadataViewModel
 *    .metadataRows[].metadataParts[].text.content` ("9.7K videos", "3K channels").
 * Both figures are display figures: "9.7K" is 9700 ± 50 (step 100), "3K" is 3000 ± 500 (step 1000). Metrics: `posts`
 * (videos) and `channels`. YouTube has no hashtag view totals.
 *
 * Failures: the EU consent interstitial (redirect to consent.youtube.com, "Before you continue to YouTube"), the
 * sign-in wall ("Sign in to confirm you're not a bot", accounts.google.com), Google's "unusual traffic" block, 404.
 */
import type { Reading } from '../../schema/observation.ts';
import { fail, ok, type ParseResult } from '../types.ts';
import { parseDisplayCount } from '../common/display-count.ts';
import { field, isObject, parseJson, textOf, valueAt, type JsonObject } from '../common/json.ts';
import { emptyBodyFailure, statusFailure } from '../common/status.ts';

export interface YouTubeParseOptions {
  status?: number;
  /** Location header of a redirect the collector did not follow. */
  location?: string;
}

const NAME = 'YouTube';
/** How many occurrences of a marker or a JSON end candidate are tried; real pages have one. */
const MAX_TRIES = 64;

export function parseYouTube(html: string, opts: YouTubeParseOptions = {}): ParseResult {
  try {
    return redirectFailure(opts) ?? statusFailure(opts.status, NAME) ?? emptyBodyFailure(html, NAME) ?? parsePage(html);
  } catch (e) {
    return fail('malformed', `could not parse the YouTube page: ${(e as Error).message.slice(0, 200)}`);
  }
}

function redirectFailure(opts: YouTubeParseOptions): ParseResult | null {
  if (opts.status === undefined || opts.status < 300 || opts.status > 399 || !opts.location) return null;
  let host = '';
  let path = '';
  try {
    ({ hostname: host, pathname: path } = new URL(opts.location, 'https://www.youtube.com'));
  } catch {
    return fail('blocked', `YouTube redirected to an invalid location`);
  }
  const where = opts.location.slice(0, 200);
  if (/^consent\.(youtube|google)\./i.test(host)) return fail('consent', `YouTube redirected to its cookie-consent page (${where})`);
  if (/^accounts\.google\./i.test(host) || /\/(ServiceLogin|signin)/i.test(path)) return fail('login_wall', `YouTube redirected to a sign-in page (${where})`);
  if (/\/sorry\//.test(path)) return fail('blocked', `YouTube redirected to Google's "unusual traffic" page (${where})`);
  return fail('blocked', `YouTube redirected to ${where} instead of the hashtag page`);
}

function parsePage(html: string): ParseResult {
  const data = initialData(html);
  if (data === 'broken') return fail('malformed', 'ytInitialData is present but is not valid JSON', undefined, 'yt_initial_data');
  if (data) {
    const header = hashtagHeader(data);
    if (header) return readHeader(header);
  }
  const wall = interstitial(html);
  if (wall) return wall;
  if (!data) return fail('no_data', 'the page has no ytInitialData (not a YouTube hashtag page)');
  return fail('no_data', 'ytInitialData has no hashtag header (no hashtagHeaderRenderer or pageHeaderViewModel): YouTube shows no counts for this tag');
}

/** Interstitials that replace the page: consent, sign-in wall, Google's block page. Checked on the markup. */
function interstitial(html: string): ParseResult | null {
  const head = html.slice(0, 1_000_000);
  if (/Before you continue to YouTube|consent\.youtube\.com\/save|action="https:\/\/consent\.(youtube|google)\.com/i.test(head)) return fail('consent', 'YouTube showed its "Before you continue" consent page');
  if (/Sign in to confirm (you[’']re not a bot|your age)/i.test(head)) return fail('login_wall', 'YouTube asks to sign in ("Sign in to confirm you’re not a bot")');
  if (/unusual traffic from your computer network/i.test(head)) return fail('blocked', 'Google reports unusual traffic from this network');
  return null;
}

/** `var ytInitialData = {…};` or `window["ytInitialData"] = {…};` → the object; 'broken' if present but unparseable. */
function initialData(html: string): JsonObject | 'broken' | null {
  let at = html.indexOf('ytInitialData');
  let found = false;
  for (let tries = 0; at !== -1 && tries < MAX_TRIES; tries++) {
    const assign = /^["'\]]*\s*=\s*/.exec(html.slice(at + 'ytInitialData'.length, at + 'ytInitialData'.length + 16));
    if (assign) {
      found = true;
      const start = at + 'ytInitialData'.length + assign[0].length;
      const end = html.indexOf('</script', start);
      const parsed = end === -1 ? null : jsonPrefix(html.slice(start, end));
      if (parsed) return parsed;
    }
    at = html.indexOf('ytInitialData', at + 1);
  }
  return found ? 'broken' : null;
}

/** The script holds the object and maybe more statements after it: try the whole text, then each `};` boundary. */
function jsonPrefix(script: string): JsonObject | null {
  const whole = parseJson(script.trim().replace(/;$/, ''));
  if (whole.ok) return isObject(whole.value) ? whole.value : null;
  let end = script.indexOf('};');
  for (let tries = 0; end !== -1 && tries < MAX_TRIES; tries++) {
    const part = parseJson(script.slice(0, end + 1));
    if (part.ok) return isObject(part.value) ? part.value : null;
    end = script.indexOf('};', end + 2);
  }
  return null;
}

interface HashtagHeader {
  format: 'hashtag_header' | 'page_header';
  /** Texts carrying the figures, e.g. ["9.7K videos • 3K channels"] or ["9.7K videos", "3K channels"]. */
  texts: string[];
  title: string | null;
}

function hashtagHeader(data: JsonObject): HashtagHeader | null {
  const legacy = valueAt(data, ['header', 'hashtagHeaderRenderer']);
  if (isObject(legacy)) {
    const info = textOf(field(legacy, 'hashtagInfoText'));
    return { format: 'hashtag_header', texts: info ? [info] : [], title: textOf(field(legacy, 'hashtag')) };
  }
  const pageHeader = valueAt(data, ['header', 'pageHeaderRenderer']);
  const viewModel = valueAt(pageHeader, ['content', 'pageHeaderViewModel']);
  if (isObject(viewModel)) {
    const rows = valueAt(viewModel, ['metadata', 'contentMetadataViewModel', 'metadataRows']);
    const texts: string[] = [];
    for (const row of Array.isArray(rows) ? rows.slice(0, MAX_TRIES) : []) {
      const parts = field(row, 'metadataParts');
      for (const part of Array.isArray(parts) ? parts.slice(0, MAX_TRIES) : []) {
        const text = textOf(field(part, 'text'));
        if (text) texts.push(text);
      }
    }
    const title = textOf(valueAt(viewModel, ['title', 'dynamicTextViewModel', 'text'])) ?? textOf(field(pageHeader, 'pageTitle'));
    return { format: 'page_header', texts, title };
  }
  return null;
}

const FIGURES = [
  { metric: 'posts', word: /^videos?$/i },
  { metric: 'channels', word: /^channels?$/i },
] as const;

/** "9.7K videos • 3K channels" → posts 9700 (step 100), channels 3000 (step 1000). */
function readHeader(h: HashtagHeader): ParseResult {
  const readings: Reading[] = [];
  const unreadable: string[] = [];
  for (const part of h.texts.flatMap((t) => t.split(/[•·|]/)).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d[\d.,]*\s?[KMB]?)\s+([A-Za-z]+)$/i.exec(part.replace(/\u00a0/g, ' '));
    const figure = m ? parseDisplayCount(m[1]!) : null;
    const kind = m ? FIGURES.find((f) => f.word.test(m[2]!)) : undefined;
    if (!figure || !kind) {
      unreadable.push(part);
      continue;
    }
    if (figure.value === '0' || readings.some((r) => r.metric === kind.metric)) continue;
    readings.push({ metric: kind.metric, value: figure.value, precision: figure.precision, step: figure.step, source: `youtube.${h.format}.${kind.metric === 'posts' ? 'videos' : 'channels'}` });
  }
  const identity = h.title ? { title: h.title.replace(/^#/, '') } : {};
  if (readings.length) return ok(readings, h.format, identity);
  if (unreadable.length) return fail('malformed', `the hashtag header says ${JSON.stringify(unreadable.join(' • ').slice(0, 120))}, which has no "<n> videos" figure (a non-English page?)`, undefined, h.format);
  return fail('hollow', 'the hashtag header has no video or channel figures', undefined, h.format);
}

/** Does this body look like a YouTube page (for `tagpulse parse` detection)? */
export function sniffYouTube(body: string): boolean {
  return /ytInitialData|ytcfg\.set\(|consent\.youtube\.com/.test(body.slice(0, 2_000_000));
}
