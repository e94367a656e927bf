/**
 * TikTok, browser path: load <origin>/tag/<tag> in headless Chromium (Playwright) and read the counts the way a
 * visitor's browser gets them:
 *  1. the /api/challenge/detail response the page itself fires (signed by the page's own scripts: exact statsV2);
 *  2. else the rehydration JSON in the DOM (the SSR variant that carries the scope);
 *  3. else the visible text (`h2[data-e2e=challenge-vvcount]`).
 * Both 2 and 3 are what parseTikTokPage reads from the rendered DOM.
 *
 * Resources: one Chromium per worker process (launched on first use), one context at a time, recycled after
 * `pagesPerContext` pages and retired at once when TikTok blocks it (403, captcha), so cookies that got flagged are
 * not reused. Playwright launches Chromium with a fresh, empty temporary profile each time and removes it on close.
 * Every request the page makes passes the SSRF guard (see common/browser-guard.ts).
 */
import type { Browser, BrowserContext, Page, Route, WebSocketRoute } from 'playwright-core';
import type { Collector, CollectContext, CollectOutcome, ParseResult, RawResponse } from '../types.ts';
import type { FailureKind } from '../../schema/failure.ts';
import { outcomeOfParse } from '../common/outcome.ts';
import { originOf } from '../common/http.ts';
import { createBrowserGuard, type BrowserGuard } from '../common/browser-guard.ts';
import { parseTikTokApi, parseTikTokPage } from './parse.ts';
import { tagPageUrl } from './http-collector.ts';
import { logger } from '../../util/log.ts';

export const TIKTOK_BROWSER_VERSION = 'tiktok-browser/1.0.0';

/** Launch flags: headless, no GPU, no QUIC (one protocol to route), and none of Chromium's own background traffic. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Failures that mean this context is flagged: drop its cookies and start the next page in a fresh one. */
const RETIRING_KINDS: ReadonlySet<FailureKind> = new Set(['blocked', 'captcha']);
/** API answers that settle the sample even though the DOM was not read: the page would show the same refusal. */
const DECISIVE_API_FAILURES: ReadonlySet<FailureKind> = new Set(['blocked', 'captcha', 'throttled', 'not_found', 'restricted']);
/** After the network went idle, how long a response whose body is still arriving may take. */
const BODY_GRACE_MS = 500;

export interface TikTokBrowserOptions {
  baseUrl: string;
  chromiumPath: string;
  userAgent: string;
  /** Navigation timeout. */
  timeoutMs: number;
  /** How long to wait for the page's own challenge-detail request. */
  apiWaitMs: number;
  pagesPerContext: number;
  /** Public host suffixes the page may load from besides the origin (TikTok's CDNs). */
  allowedHostSuffixes: readonly string[];
}

interface ContextSlot {
  context: BrowserContext;
  guard: BrowserGuard;
  pages: number;
  inFlight: number;
  retired: boolean;
}

interface CapturedApi {
  status: number;
  body: string;
  url: string;
}

export class TikTokBrowserCollector implements Collector {
  readonly platform = 'tiktok';
  readonly version = TIKTOK_BROWSER_VERSION;
  /** Observability (tests, logs): contexts opened and retired since start. */
  readonly stats = { launches: 0, contextsOpened: 0, contextsRetired: 0 };
  readonly #log = logger('tiktok-browser');
  #browser: Promise<Browser> | undefined;
  #slot: ContextSlot | undefined;
  #opening: Promise<ContextSlot> | undefined;
  #closed = false;

  constructor(private readonly opts: TikTokBrowserOptions) {}

  async collect(tag: string, _ctx: CollectContext = {}): Promise<CollectOutcome> {
    const url = tagPageUrl(this.opts.baseUrl, tag);
    let slot: ContextSlot;
    try {
      slot = await this.#acquire();
    } catch (e) {
      return this.#closed
        ? { ok: false, kind: 'network', message: 'the browser collector is shutting down', method: 'browser', url, statusCode: 0, platformCode: '' }
        : {
            ok: false,
            kind: 'refused',
            message: `could not start Chromium at ${this.opts.chromiumPath}: ${firstLine(e)}. Install chromium or set chromiumPath (TAGPULSE_CHROMIUM_PATH)`,
            method: 'browser',
            url,
            statusCode: 0,
            platformCode: '',
          };
    }
    try {
      const outcome = await this.#visit(slot, url, tag);
      if (!outcome.ok && RETIRING_KINDS.has(outcome.kind)) this.#retire(slot);
      return outcome;
    } finally {
      this.#release(slot);
    }
  }

  /** Close every context and the browser. Collect calls after this fail fast. */
  async close(): Promise<void> {
    this.#closed = true;
    const browser = this.#browser;
    this.#browser = undefined;
    this.#slot = undefined;
    if (browser) await browser.then((b) => b.close()).catch(() => undefined);
  }

  async #visit(slot: ContextSlot, url: string, tag: string): Promise<CollectOutcome> {
    const page = await slot.context.newPage();
    try {
      const api = captureChallengeDetail(page, tag);
      let response;
      try {
        response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: this.opts.timeoutMs });
      } catch (e) {
        // A redirect off the configured origin is aborted by the guard: Chromium reports ERR_BLOCKED_BY_CLIENT.
        const refusal = /ERR_BLOCKED_BY_CLIENT/.test(firstLine(e)) ? slot.guard.refused.at(-1) : undefined;
        const failure = refusal
          ? { kind: 'refused' as const, message: `navigation refused: ${refusal.url} — ${refusal.reason}` }
          : { kind: 'network' as const, message: `loading the tag page failed: ${firstLine(e)}` };
        return { ok: false, ...failure, method: 'browser', url, statusCode: 0, platformCode: '' };
      }
      const status = response?.status() ?? 200;
      const headers = response?.headers() ?? {};
      const raw = (at: string, statusCode: number, body: string, h: Record<string, string> = {}): RawResponse => ({ url: at, status: statusCode, headers: h, body, receivedAt: new Date().toISOString() });
      const context = (statusCode: number, at: string, body: string, h: Record<string, string> = {}, retryAfter?: string) => ({
        method: 'browser' as const,
        url: at,
        statusCode,
        retryAfter,
        raw: raw(at, statusCode, body, h),
      });
      if (status >= 300) {
        const body = (await response?.text().catch(() => '')) ?? '';
        return outcomeOfParse(parseTikTokPage(body, { status }), context(status, page.url(), body, headers, headers['retry-after']));
      }
      const captured = await api.wait(this.opts.apiWaitMs);
      let apiFailure: ParseResult | undefined;
      if (captured) {
        const parsed = parseTikTokApi(captured.body, { status: captured.status });
        if (parsed.ok || DECISIVE_API_FAILURES.has(parsed.kind)) return outcomeOfParse(parsed, context(captured.status, provenanceOfApi(captured.url), captured.body));
        apiFailure = parsed;
      }
      const html = await page.content();
      const parsed = parseTikTokPage(html, { status });
      // A page without data says less than the API's own failure (hollow, empty...): report the more specific one.
      const decided = !parsed.ok && parsed.kind === 'no_data' && apiFailure ? apiFailure : parsed;
      const evidence = decided === apiFailure && captured ? context(captured.status, provenanceOfApi(captured.url), captured.body) : context(status, page.url(), html, headers);
      // Provenance stays the page; the evidence is the response the decision was read from.
      return outcomeOfParse(decided, { ...evidence, url: page.url(), statusCode: status });
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async #acquire(): Promise<ContextSlot> {
    for (;;) {
      if (this.#closed) throw new Error('closed');
      const current = this.#slot;
      if (current && !current.retired && current.pages < this.opts.pagesPerContext) {
        current.pages++;
        current.inFlight++;
        return current;
      }
      if (current && !current.retired) this.#retire(current);
      this.#opening ??= this.#openContext()
        .then((s) => (this.#slot = s))
        .finally(() => (this.#opening = undefined));
      await this.#opening;
    }
  }

  #release(slot: ContextSlot): void {
    slot.inFlight--;
    if (slot.retired && slot.inFlight === 0) void slot.context.close().catch(() => undefined);
  }

  /** No new pages in this context; it closes when its last page is done. */
  #retire(slot: ContextSlot): void {
    if (slot.retired) return;
    slot.retired = true;
    this.stats.contextsRetired++;
    if (slot.inFlight === 0) void slot.context.close().catch(() => undefined);
  }

  async #openContext(): Promise<ContextSlot> {
    const browser = await this.#launch();
    const context = await browser.newContext({ userAgent: this.opts.userAgent, locale: 'en-US', viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
    const guard = createBrowserGuard({ origin: this.opts.baseUrl, allowedHostSuffixes: this.opts.allowedHostSuffixes });
    await context.route('**/*', (route) => routeThroughGuard(guard, route));
    await context.routeWebSocket(/.*/, (ws) => webSocketThroughGuard(guard, ws));
    this.stats.contextsOpened++;
    return { context, guard, pages: 0, inFlight: 0, retired: false };
  }

  #launch(): Promise<Browser> {
    if (!this.#browser) {
      const launching = (async () => {
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({ executablePath: this.opts.chromiumPath, headless: true, args: [...CHROMIUM_FLAGS], timeout: Math.max(this.opts.timeoutMs, 30_000) });
        this.stats.launches++;
        browser.on('disconnected', () => {
          if (this.#browser !== launching) return;
          this.#log.warn('Chromium went away; the next sample starts a new one');
          this.#browser = undefined;
          this.#slot = undefined;
        });
        return browser;
      })();
      this.#browser = launching;
      launching.catch(() => {
        if (this.#browser === launching) this.#browser = undefined;
      });
    }
    return this.#browser;
  }
}

async function routeThroughGuard(guard: BrowserGuard, route: Route): Promise<void> {
  const verdict = await guard.check(route.request().url());
  await (verdict.allowed ? route.continue() : route.abort('blockedbyclient')).catch(() => undefined);
}

async function webSocketThroughGuard(guard: BrowserGuard, ws: WebSocketRoute): Promise<void> {
  const verdict = await guard.check(ws.url().replace(/^ws/i, 'http'));
  if (verdict.allowed) ws.connectToServer();
  else await ws.close({ code: 1008, reason: 'refused by tagpulse' }).catch(() => undefined);
}

/**
 * The first /api/challenge/detail response the page fires for this tag. `wait` resolves with it, or with null once
 * the network has been idle (the page will not ask any more) or `ms` have passed.
 */
function captureChallengeDetail(page: Page, tag: string): { wait(ms: number): Promise<CapturedApi | null> } {
  let deliver: (c: CapturedApi) => void = () => undefined;
  const first = new Promise<CapturedApi>((resolve) => (deliver = resolve));
  page.on('response', (res) => {
    if (!isChallengeDetailFor(res.url(), tag)) return;
    res.text().then(
      (body) => deliver({ status: res.status(), body, url: res.url() }),
      () => deliver({ status: res.status(), body: '', url: res.url() }),
    );
  });
  return {
    async wait(ms) {
      const idle = page.waitForLoadState('networkidle', { timeout: ms }).then(
        () => sleep(BODY_GRACE_MS),
        () => undefined,
      );
      return Promise.race([first, idle.then(() => null)]);
    },
  };
}

export function isChallengeDetailFor(raw: string, tag: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (!/\/api\/challenge\/detail\/?$/.test(u.pathname)) return false;
  const name = u.searchParams.get('challengeName');
  return name === null || name.toLowerCase() === tag.toLowerCase();
}

/** The API URL without the page's session parameters (msToken, X-Bogus...): only what identifies the tag. */
function provenanceOfApi(raw: string): string {
  const u = new URL(raw);
  const keep = new URLSearchParams();
  for (const key of ['challengeName', 'challengeId']) {
    const v = u.searchParams.get(key);
    if (v !== null) keep.set(key, v);
  }
  return `${originOf(u)}${u.pathname}?${keep.toString()}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}
