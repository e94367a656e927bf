/**
 * A local TikTok-shaped server that speaks TikTok's real formats: current tag pages (__UNIVERSAL_DATA_FOR_REHYDRATION__
 * with exact statsV2 and rounded stats) and /api/challenge/detail/ JSON, with counts that grow over time and optional
 * failure injection (captcha, empty body, hollow, throttled with Retry-After, 403, "Something went wrong").
 * Used by `tagpulse demo`, the tests and the benchmarks. Listens on loopback only.
 *
 * Every count it serves is logged (`served`), so tests can check each stored value against what was really sent.
 */
import http from 'node:http';
import { mulberry32 } from '../analytics/math.ts';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import {
  renderApiDetail,
  renderCaptchaApi,
  renderCaptchaPage,
  renderHollowApi,
  renderNotFoundApi,
  renderNotFoundPage,
  renderRehydrationPage,
  renderSomethingWentWrongPage,
  renderThrottledApi,
  renderSigiScriptPage,
  renderNextDataPage,
  renderH2PostsPage,
} from '../collectors/tiktok/render.ts';

export type FakePageFormat = 'rehydration' | 'sigi' | 'next_data' | 'h2_posts' | 'unknown_2027';

export type InjectedFailure = 'captcha' | 'empty' | 'hollow' | 'throttled' | 'blocked' | 'went_wrong';

export interface FakeTagSpec {
  views0: bigint;
  posts0: bigint;
  /** Growth per real hour at the start. */
  viewsPerHour: number;
  postsPerHour: number;
  /** Exponential growth of the rate: the rate doubles every this many hours (Infinity = linear). */
  rateDoublingHours?: number;
}

export interface FakeTikTokOptions {
  tags?: Record<string, FakeTagSpec>;
  /** Fraction of requests (0..1) answered with an injected failure. Deterministic sequence from `seed`. */
  failureRate?: number;
  failureKinds?: InjectedFailure[];
  /** Tags that always fail with this kind (not_found tags: use notFound). */
  forceFailure?: Record<string, InjectedFailure>;
  notFound?: string[];
  seed?: number;
  /**
   * Page format served on /tag/: default rehydration. `unknown_2027` is a made-up future page whose counts sit where
   * no parser looks (a new script id and key names): what a format change looks like to tagpulse (no_data).
   */
  format?: FakePageFormat;
  /**
   * Serve /tag/ as the SSR shell without counts whose inline script fetch()es /api/challenge/detail/?challengeName=<tag>,
   * like the real page's variant that loads the counts later: only a browser gets numbers from it.
   */
  clientFetch?: boolean;
  /** Simulated time runs this many times faster than real time (demo). */
  timeScale?: number;
  /** Artificial latency per response (ms). */
  latencyMs?: number;
  port?: number;
}

export interface ServedRecord {
  tag: string;
  views: string;
  posts: string;
  at: string;
  path: string;
}

export interface FakeTikTok {
  url: string;
  served: ServedRecord[];
  requests: number;
  failuresInjected: number;
  countsAt(tag: string, atMs: number): { views: bigint; posts: bigint };
  /** Switch the page format from now on (a platform changing its page mid-run). */
  setFormat(format: FakePageFormat): void;
  close(): Promise<void>;
}

/** Deterministic counts for a tag nobody configured, so any tag can be sampled in the demo. */
function defaultSpec(tag: string): FakeTagSpec {
  const h = createHash('sha256').update(tag).digest();
  const views0 = BigInt(h.readUInt32BE(0)) * 1000n + 1_000_000n;
  return { views0, posts0: views0 / 2500n + 10n, viewsPerHour: 50_000 + (h.readUInt16BE(4) % 50_000), postsPerHour: 20 + (h[6]! % 50), rateDoublingHours: 24 + (h[7]! % 72) };
}

function challengeId(tag: string): string {
  return BigInt('0x' + createHash('sha256').update(tag).digest('hex').slice(0, 12)).toString();
}

/**
 * Counts of a tag `hours` after the server started (negative: before it — the demo's archived history).
 * Integral of the rate r(t) = r0 · 2^(t/D): r0 · D/ln2 · (2^(t/D) − 1); linear when D is infinite. Never below 1.
 */
export function countsAfter(s: FakeTagSpec, hours: number): { views: bigint; posts: bigint } {
  const grow = (r0: number) => (s.rateDoublingHours && Number.isFinite(s.rateDoublingHours) ? ((r0 * s.rateDoublingHours) / Math.LN2) * (2 ** (hours / s.rateDoublingHours) - 1) : r0 * hours);
  const at = (base: bigint, r0: number) => {
    const v = base + BigInt(Math.floor(grow(r0)));
    return v < 1n ? 1n : v;
  };
  return { views: at(s.views0, s.viewsPerHour), posts: at(s.posts0, s.postsPerHour) };
}

export { challengeId as fakeChallengeId };

export async function startFakeTikTok(o: FakeTikTokOptions = {}): Promise<FakeTikTok> {
  const t0 = Date.now();
  const rand = mulberry32(o.seed ?? 42);
  const served: ServedRecord[] = [];
  const state = { requests: 0, failuresInjected: 0 };
  const specs = o.tags ?? {};
  const scale = o.timeScale ?? 1;
  let format: FakePageFormat = o.format ?? 'rehydration';

  const countsAt = (tag: string, atMs: number) => countsAfter(specs[tag] ?? defaultSpec(tag), ((atMs - t0) * scale) / 3_600_000);

  const pickFailure = (tag: string): InjectedFailure | undefined => {
    if (o.forceFailure?.[tag]) return o.forceFailure[tag];
    if (!o.failureRate) return undefined;
    const r = rand();
    if (r >= o.failureRate) return undefined;
    const kinds = o.failureKinds ?? ['captcha', 'empty', 'throttled', 'hollow'];
    return kinds[Math.floor((r / o.failureRate) * kinds.length) % kinds.length];
  };

  const server = http.createServer((req, res) => {
    state.requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: string, type: string, headers: Record<string, string> = {}) => {
      const send = () => {
        res.writeHead(status, { 'content-type': type, ...headers });
        res.end(body);
      };
      if (o.latencyMs) setTimeout(send, o.latencyMs);
      else send();
    };
    const tagMatch = /^\/tag\/([^/]+)\/?$/.exec(url.pathname);
    const isApi = url.pathname === '/api/challenge/detail/' || url.pathname === '/api/challenge/detail';
    if (!tagMatch && !isApi) {
      if (url.pathname === '/') return reply(200, '<!DOCTYPE html><title>fake TikTok (tagpulse demo)</title><p>Try /tag/mentalhealth</p>', 'text/html; charset=utf-8');
      return reply(404, 'not found', 'text/plain');
    }
    let tag: string;
    try {
      tag = decodeURIComponent(tagMatch ? tagMatch[1]! : (url.searchParams.get('challengeName') ?? '')).toLowerCase();
    } catch {
      return reply(400, 'bad tag', 'text/plain');
    }
    const html = 'text/html; charset=utf-8';
    const json = 'application/json; charset=utf-8';
    if (o.notFound?.includes(tag)) return isApi ? reply(200, renderNotFoundApi(), json) : reply(200, renderNotFoundPage(tag), html);
    const failure = pickFailure(tag);
    if (failure) {
      state.failuresInjected++;
      switch (failure) {
        case 'captcha':
          return isApi ? reply(200, renderCaptchaApi(), json) : reply(200, renderCaptchaPage(), html);
        case 'empty':
          return reply(200, '', isApi ? json : html);
        case 'hollow':
          return reply(200, renderHollowApi(), json);
        case 'throttled':
          return isApi ? reply(200, renderThrottledApi(), json, { 'retry-after': '2' }) : reply(429, 'Too Many Requests', 'text/plain', { 'retry-after': '2' });
        case 'blocked':
          return reply(403, '<html><body>Access Denied</body></html>', html);
        case 'went_wrong':
          return reply(200, renderSomethingWentWrongPage(), html);
      }
    }
    if (o.clientFetch && !isApi) return reply(200, renderClientFetchShell(tag), html);
    const now = Date.now();
    const c = countsAt(tag, now);
    served.push({ tag, views: c.views.toString(), posts: c.posts.toString(), at: new Date(now).toISOString(), path: url.pathname });
    if (served.length > 200_000) served.splice(0, 100_000);
    const args = { tag, challengeId: challengeId(tag), views: c.views, posts: c.posts };
    if (isApi) return reply(200, renderApiDetail(args), json);
    switch (format) {
      case 'unknown_2027':
        return reply(200, renderUnknownFuturePage(args), html);
      case 'sigi':
        return reply(200, renderSigiScriptPage(args), html);
      case 'next_data':
        return reply(200, renderNextDataPage(args), html);
      case 'h2_posts':
        return reply(200, renderH2PostsPage(args), html);
      default:
        return reply(200, renderRehydrationPage(args), html);
    }
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    get requests() {
      return state.requests;
    },
    get failuresInjected() {
      return state.failuresInjected;
    },
    countsAt,
    setFormat: (f) => {
      format = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The SSR shell of a tag page (no counts) plus the page's own request for them, as a browser runs it. */
function renderClientFetchShell(tag: string): string {
  const name = tag.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const tagJs = JSON.stringify(tag).replace(/</g, '\\u003c');
  return [
    `<!DOCTYPE html><html lang="en"><head><meta charSet="UTF-8"/><title>#${name} | TikTok</title></head><body><div id="app">`,
    `<main id="main-content-challenge"><h1 data-e2e="challenge-title">#${name}</h1><h2 data-e2e="challenge-vvcount" title="posts"></h2></main></div>`,
    '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{"__DEFAULT_SCOPE__":{"webapp.app-context":{"language":"en","region":"US"}}}</script>',
    `<script>fetch('/api/challenge/detail/?aid=1988&app_name=tiktok_web&challengeName='+encodeURIComponent(${tagJs})).then(function(r){return r.text()}).catch(function(){})</script>`,
    '</body></html>',
  ].join('');
}

/** A tag page in a format no parser knows (made up): the counts are there, under names nobody reads yet. */
function renderUnknownFuturePage(a: { tag: string; challengeId: string; views: bigint; posts: bigint }): string {
  const name = a.tag.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const state = JSON.stringify({ hashtagDetail: { hid: a.challengeId, label: a.tag, metrics: { plays: a.views.toString(), clips: a.posts.toString() } } }).replace(/</g, '\\u003c');
  return [
    `<!DOCTYPE html><html lang="en"><head><meta charSet="UTF-8"/><title>#${name} | TikTok</title></head><body><div id="root">`,
    `<section class="tag-hero"><h1 class="tag-title">#${name}</h1><p class="tag-metrics"></p></section></div>`,
    `<script id="__TT_APP_STATE__" type="application/json">${state}</script>`,
    '</body></html>',
  ].join('');
}
