/**
 * Renders TikTok tag pages and challenge-detail JSON, in every format `parse.ts` reads, from given counts. Used by
 * the local fake TikTok server and the demo, so that the whole pipeline runs against realistic payloads offline.
 *
 * Faithful to what TikTok sends: `stats` carries the display-rounded figures (one decimal of K/M/B/T, half up),
 * `statsV2` the exact counts as strings, visible text the abbreviated figure. Output is deterministic. Any tag
 * string is safe: it is HTML-escaped in markup, and JSON inside <script> has `<`, `>`, `&`, U+2028 and U+2029
 * escaped so no value can close the script or break the JavaScript around an inline state.
 */
import { formatDisplayCount, roundForDisplay } from '../common/display-count.ts';

export interface ChallengeCounts {
  tag: string;
  challengeId: string;
  views: bigint;
  posts: bigint;
}

export interface ChallengeDetailCounts extends ChallengeCounts {
  /** Include the exact `statsV2` block. Defaults to true for current formats (rehydration, API), false for SIGI_STATE. */
  withStatsV2?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Pages with counts
// ---------------------------------------------------------------------------------------------------------------

/** Current page (Nov 2023 –): `__UNIVERSAL_DATA_FOR_REHYDRATION__` with a `webapp.challenge-detail` scope. */
export function renderRehydrationPage(c: ChallengeDetailCounts): string {
  const scope = { statusCode: 0, statusMsg: '', challengeInfo: challengeInfo(c, c.withStatsV2 ?? true) };
  return page({
    head: tagPageHead(c.tag, c.challengeId, `${formatDisplayCount(c.posts)} posts. Watch the latest videos about #${c.tag} on TikTok.`),
    body: tagPageBody(c.tag, 'posts', `${formatDisplayCount(c.posts)} posts`),
    scripts: rehydrationScript({ 'webapp.challenge-detail': scope }),
  });
}

/** 2022–2023 page: `<script id="SIGI_STATE" type="application/json">`. */
export function renderSigiScriptPage(c: ChallengeDetailCounts): string {
  return page({
    head: tagPageHead(c.tag, c.challengeId, `Watch the latest videos about #${c.tag} on TikTok.`),
    body: tagPageBody(c.tag, 'views', `<strong>${formatDisplayCount(c.views)}</strong> views`),
    scripts: `<script id="SIGI_STATE" type="application/json">${scriptJson(sigiState(c))}</script>`,
  });
}

/** 2021 page: `window['SIGI_STATE']=…;window['SIGI_RETRY']=…` in an inline script. */
export function renderSigiInlinePage(c: ChallengeDetailCounts): string {
  return page({
    head: tagPageHead(c.tag, c.challengeId, `Watch the latest videos about #${c.tag} on TikTok.`),
    body: tagPageBody(c.tag, 'views', `<strong>${formatDisplayCount(c.views)}</strong> views`),
    scripts: `<script>window['SIGI_STATE']=${scriptJson(sigiState(c))};window['SIGI_RETRY']=${scriptJson({ AppContext: 1, SEO: 1, ChallengePage: 1 })}</script>`,
  });
}

/** ≤2022 page: `__NEXT_DATA__` (`props.pageProps.challengeInfo`), with the 2020 meta description. */
export function renderNextDataPage(c: ChallengeCounts): string {
  const nextData = {
    props: {
      initialProps: { $wid: '6853104912835331590', $host: 'www.tiktok.com', $language: 'en', $region: 'US', $pageUrl: `/tag/${c.tag}` },
      pageProps: { statusCode: 0, challengeInfo: challengeInfo(c, false), items: [], hasMore: true, maxCursor: '0', minCursor: '0' },
    },
    page: '/tag/[name]',
    query: { name: c.tag, lang: 'en' },
    buildId: 'kK4v9eGc0cAAsuIL4vn7p',
    assetPrefix: 'https://sf16-scmcdn-va.ibytedtos.com/goofy/tiktok/web/node',
    isFallback: false,
    customServer: true,
    gip: true,
    appGip: true,
  };
  const views = formatDisplayCount(c.views);
  return page({
    head: tagPageHead(c.tag, c.challengeId, `#${c.tag} | ${views} people have watched this. Watch short videos about #${c.tag} on TikTok.`),
    body: tagPageBody(c.tag, 'views', `<strong>${views}</strong> views`),
    scripts: `<script id="__NEXT_DATA__" type="application/json" nonce="8c4d1f1e-tagpulse" crossorigin="anonymous">${scriptJson(nextData)}</script>`,
  });
}

/** ≤Dec 2023 page whose only count is the visible `<h2 data-e2e="challenge-vvcount" title="views">`. */
export function renderH2ViewsPage(c: ChallengeCounts): string {
  return page({
    head: tagPageHead(c.tag, c.challengeId, `Watch the latest videos about #${c.tag} on TikTok.`),
    body: tagPageBody(c.tag, 'views', `<strong>${formatDisplayCount(c.views)}</strong> views`),
    scripts: `<script id="SIGI_STATE" type="application/json">${scriptJson({ AppContext: appContext(), SEO: seo(c.tag) })}</script>`,
  });
}

/** 2024– SSR variant whose only count is the visible `<h2 data-e2e="challenge-vvcount" title="posts">`. */
export function renderH2PostsPage(c: ChallengeCounts): string {
  return page({
    head: tagPageHead(c.tag, c.challengeId, `${formatDisplayCount(c.posts)} posts. Watch the latest videos about #${c.tag} on TikTok.`),
    body: tagPageBody(c.tag, 'posts', `${formatDisplayCount(c.posts)} posts`),
    scripts: rehydrationScript({}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// JSON API
// ---------------------------------------------------------------------------------------------------------------

/** `/api/challenge/detail/?challengeName=<tag>`. */
export function renderApiDetail(c: ChallengeDetailCounts): string {
  return toJson({
    challengeInfo: challengeInfo(c, c.withStatsV2 ?? true),
    shareMeta: { desc: `${formatDisplayCount(c.views)} views - Watch awesome short videos created with trending hashtag #${c.tag}`, title: `#${c.tag} on TikTok` },
    ...apiTrailer(0, ''),
  });
}

export function renderNotFoundApi(): string {
  return toJson(apiTrailer(10205, ''));
}

/** statusCode 0 and a challengeInfo without id or counts: what TikTok answers for unknown tags now and then. */
export function renderHollowApi(): string {
  return toJson({ challengeInfo: { challenge: {}, stats: { videoCount: 0, viewCount: 0 }, statsV2: { videoCount: '0', viewCount: '0' } }, ...apiTrailer(0, '') });
}

export function renderCaptchaApi(): string {
  return toJson({ code: '10000', type: 'verify', subtype: 'slide', region: 'va', detail: 'n6Xh1zt9fTC2Yb8u3dNql-9vCq5X1P2e0vSAp4sH6WQ*', fp: 'verify_lq2c9x1d_Hn7Kf2pA_8Tbm_4Wfr_9ZxM_3QvLsYd1EcRb' });
}

export function renderThrottledApi(): string {
  return toJson({ status_code: 2484, status_msg: 'Too many attempts. Try again in 1 hour.' });
}

// ---------------------------------------------------------------------------------------------------------------
// Failure pages
// ---------------------------------------------------------------------------------------------------------------

/** The page for a tag TikTok does not know: status 10205 in the scope, "Couldn’t find this hashtag" on screen. */
export function renderNotFoundPage(tag: string): string {
  return page({
    head: `<title>#${escapeHtml(tag)} | TikTok</title>${canonical(tag)}`,
    body: `<main id="main-content-challenge"><div class="css-1osbocj-DivErrorContainer e1ksppx10"><p class="css-1y4x9xk-PTitle e1ksppx11">Couldn’t find this hashtag</p><p class="css-1iitc8l-PDesc e1ksppx12">Try searching for another.</p></div></main>`,
    scripts: rehydrationScript({ 'webapp.challenge-detail': { statusCode: 10205, statusMsg: '' } }),
  });
}

/** TikTok's slider-captcha interstitial. */
export function renderCaptchaPage(): string {
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>tiktok-verify-page</title></head><body>',
    '<div id="tiktok-verify-ele"><div id="captcha_container" class="captcha-disable-scroll"><div class="captcha_verify_container style__CaptchaWrapper-sc-1gpeoge-0">',
    '<div class="verify-bar-close"><span class="verify-bar-close--icon"></span></div>',
    '<div class="captcha_verify_bar"><div class="captcha_verify_bar--title">Verify to continue:</div></div>',
    '<div class="captcha_verify_img--wrapper"><img id="captcha-verify-image" class="captcha_verify_img_slide" alt="Captcha"/></div>',
    '<div class="captcha_verify_slide--slidebar"><div class="secsdk-captcha-drag-icon"></div><div class="captcha_verify_slide--text">Drag the puzzle piece into place</div></div>',
    '</div></div></div></body></html>',
  ].join('');
}

/** The error shell TikTok serves intermittently: rehydration data without a tag scope. */
export function renderSomethingWentWrongPage(): string {
  return page({
    head: '<title>TikTok - Make Your Day</title>',
    body: `<main><div class="css-1ojysa6-DivErrorContainer"><p class="css-1y4x9xk-PTitle">Something went wrong</p><p class="css-1iitc8l-PDesc">Sorry, something went wrong, please try again later.</p><button class="css-tlik2g-Button">Refresh</button></div></main>`,
    scripts: rehydrationScript({}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------------

/** `stats` holds the display figures expanded; `statsV2` the exact counts as strings. */
function challengeInfo(c: ChallengeCounts, withStatsV2: boolean): Json {
  const cover = `https://p16-sign-va.tiktokcdn.com/obj/musically-maliva-obj/${c.challengeId}~tplv-tiktok-cover.jpeg`;
  return {
    challenge: {
      id: c.challengeId,
      title: c.tag,
      desc: '',
      splitTitle: '',
      profileLarger: cover,
      profileMedium: cover,
      profileThumb: cover,
      coverLarger: cover,
      coverMedium: cover,
      coverThumb: cover,
      isCommerce: false,
    },
    stats: { videoCount: roundForDisplay(c.posts), viewCount: roundForDisplay(c.views) },
    ...(withStatsV2 ? { statsV2: { videoCount: c.posts.toString(), viewCount: c.views.toString() } } : {}),
  };
}

function sigiState(c: ChallengeDetailCounts): Json {
  return {
    AppContext: appContext(),
    SEO: seo(c.tag),
    ChallengePage: { statusCode: 0, challengeInfo: challengeInfo(c, c.withStatsV2 ?? false) },
    ItemList: { challenge: { list: [], browserList: [], loading: false, statusCode: 0, hasMore: true, cursor: '0' } },
    ItemModule: {},
    SharingMeta: { value: { 'al:ios:url': `snssdk1233://challenge/detail/${c.challengeId}?refer=web`, 'al:android:url': `snssdk1233://challenge/detail/${c.challengeId}?refer=web` } },
  };
}

function appContext(): Json {
  return { appContext: { language: 'en', region: 'US', appId: 1233, appType: 'm', wid: '7312598416029436419', nonce: 'b0b1f7d2-tagpulse', botType: 'others', csrfToken: '' } };
}

function seo(tag: string): Json {
  return { metaParams: { title: `#${tag} Hashtag Videos on TikTok`, canonicalHref: tagUrl(tag), robotsContent: 'index, follow' } };
}

function rehydrationScript(scopes: Record<string, Json>): string {
  const data = {
    __DEFAULT_SCOPE__: {
      'webapp.app-context': { language: 'en', region: 'US', appId: 1988, appType: 'm', botType: 'others', requestId: '20240115093021B4E1C2D3F4A5B6C7D8', clusterRegion: 'US_TTP' },
      'webapp.biz-context': { renderServerRegion: 'US', renderGatewayRegion: 'US' },
      ...scopes,
    },
  };
  return `<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">${scriptJson(data)}</script>`;
}

function apiTrailer(statusCode: number, statusMsg: string): Record<string, Json> {
  return {
    extra: { fatal_item_ids: [], logid: '20240115093021B4E1C2D3F4A5B6C7D8', now: 1705311021000 },
    log_pb: { impr_id: '20240115093021B4E1C2D3F4A5B6C7D8' },
    statusCode,
    statusMsg,
    status_code: statusCode,
    status_msg: statusMsg,
  };
}

function tagPageHead(tag: string, challengeId: string, description: string): string {
  const t = escapeHtml(tag);
  return [
    `<title>#${t} | TikTok</title>`,
    `<meta name="description" content="${escapeHtml(description)}"/>`,
    `<meta property="og:title" content="#${t} on TikTok"/>`,
    `<meta property="og:url" content="${escapeHtml(tagUrl(tag))}"/>`,
    `<meta property="al:ios:url" content="snssdk1233://challenge/detail/${escapeHtml(challengeId)}?refer=web"/>`,
    canonical(tag),
  ].join('');
}

function tagPageBody(tag: string, countTitle: 'views' | 'posts', countHtml: string): string {
  return [
    '<main id="main-content-challenge"><div class="css-1w7pg0y-DivShareLayoutMain ee7zj8d4"><div class="css-1ozfw1e-DivShareInfo ekmpd5l2">',
    `<h1 data-e2e="challenge-title" class="css-1hfpe1r-H1ShareTitle ekmpd5l5">#${escapeHtml(tag)}</h1>`,
    `<h2 data-e2e="challenge-vvcount" title="${countTitle}" class="css-wmmtmv-H2ShareSubTitle ekmpd5l6">${countHtml}</h2>`,
    '</div><div data-e2e="challenge-item-list" class="css-1qb12g8-DivThreeColumnContainer eegew6e2"></div></div></main>',
  ].join('');
}

function page(parts: { head: string; body: string; scripts: string }): string {
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charSet="UTF-8"/><meta name="viewport" content="width=device-width,initial-scale=1"/>',
    parts.head,
    '</head><body><div id="app">',
    parts.body,
    '</div>',
    parts.scripts,
    '</body></html>',
  ].join('');
}

function canonical(tag: string): string {
  return `<link rel="canonical" href="${escapeHtml(tagUrl(tag))}"/>`;
}

function tagUrl(tag: string): string {
  return `https://www.tiktok.com/tag/${encodeURIComponent(tag)}`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

type Json = string | number | boolean | null | bigint | readonly Json[] | { readonly [key: string]: Json };

/** JSON.stringify, except that bigints become JSON numbers with all their digits (JSON.stringify refuses bigints). */
function toJson(value: Json): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([key, v]) => `${JSON.stringify(key)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** JSON safe inside <script>: the escaped characters can only occur in strings, where \uXXXX means the same. */
function scriptJson(value: Json): string {
  return toJson(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
