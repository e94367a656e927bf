/**
 * Issue 15 in real Chromium: the overview asks the server for one page at a time.
 * - finding "the client renders all rows": only the page asked for is rendered; "rows a–b of N", previous/next, and
 *   the page in the URL (back button);
 * - sorting by a header and typing in the filter (debounced) change the request the server gets, and the order shown
 *   is the server's;
 * - finding "refreshes every 30 s whether or not the last refresh finished": while a refresh is unanswered no second
 *   request goes out, however much time passes (Playwright's fake clock moves the timers; no timing assertions);
 *   the refresh sends If-None-Match, and a 304 leaves the DOM untouched (not one mutation).
 * Headers are buttons with aria-sort. Issue 11 (asked again by 15): the column tooltips quote docs/analytics.md's
 * definitions word for word and name their window; the velocity cells show their interval.
 */
import { readFileSync } from 'node:fs';
import type { Page, Request, Route } from '@playwright/test';
import { test, expect, dashboardUrl, parseCount } from './fixtures.ts';

interface PageJson {
  total: number;
  totalAll: number;
  page: number;
  pageSize: number;
  sort: string;
  dir: string;
  tags: { tag: string; platform: string; views: { value: string } | null }[];
}

const isOverview = (url: string) => new URL(url).pathname === '/api/overview';
const rowsShown = (page: Page) => page.locator('table.overview tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-tag')));

async function apiPage(page: Page, query: string): Promise<PageJson> {
  const res = await page.request.get(dashboardUrl(`/api/overview?${query}`));
  expect(res.status()).toBe(200);
  return (await res.json()) as PageJson;
}

/** Counts the page's calls to fetch('/api/overview…') synchronously, in the page (no event lag). */
async function countOverviewFetches(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __overviewFetches: number };
    w.__overviewFetches = 0;
    const original = window.fetch.bind(window);
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (new URL(url, location.href).pathname === '/api/overview') w.__overviewFetches += 1;
      return original(input, init);
    };
  });
}
const overviewFetches = (page: Page) => page.evaluate(() => (window as unknown as { __overviewFetches: number }).__overviewFetches);

test.describe('overview pages from the server', () => {
  test('sortable headers are buttons with aria-sort; clicking one asks the server and shows its order', async ({ page }) => {
    await page.goto(dashboardUrl('/'));
    await expect(page.locator('table.overview tbody tr').first()).toBeVisible();
    const sortable = page.locator('table.overview th:has(button.sort)');
    expect(await sortable.count()).toBeGreaterThanOrEqual(10);
    const states = await sortable.evaluateAll((ths) => ths.map((th) => th.getAttribute('aria-sort')));
    expect(states.every((s) => s === 'none' || s === 'ascending' || s === 'descending')).toBe(true);
    expect(states.filter((s) => s !== 'none')).toEqual(['descending']); // the default: velocity 24 h, descending
    await expect(page.locator('th[aria-sort="descending"]')).toContainText('Velocity');

    const request = page.waitForRequest((r) => isOverview(r.url()) && new URL(r.url()).searchParams.get('sort') === 'views');
    const response = page.waitForResponse((r) => isOverview(r.url()) && new URL(r.url()).searchParams.get('sort') === 'views');
    await page.getByRole('button', { name: 'Views', exact: true }).click();
    const asked = new URL((await request).url()).searchParams;
    expect(Object.fromEntries(asked)).toMatchObject({ sort: 'views', dir: 'desc', page: '1', pageSize: '100' });
    const answer = (await (await response).json()) as PageJson;
    await expect(page.locator('th[aria-sort="descending"]')).toContainText('Views');
    // The rows are the server's, in the server's order (exact counts, descending).
    expect(await rowsShown(page)).toEqual(answer.tags.map((t) => t.tag));
    const values = answer.tags.filter((t) => t.views).map((t) => BigInt(t.views!.value));
    expect(values).toEqual([...values].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
    const shown = (await page.locator('table.overview tbody tr td:nth-child(2)').allInnerTexts()).map((t) => parseCount(t));
    expect(shown.filter((v) => v !== null)).toEqual(values.map((v) => Number(v)));

    // Ascending is another request; the page shows its answer.
    const asc = page.waitForResponse((r) => isOverview(r.url()) && new URL(r.url()).searchParams.get('dir') === 'asc');
    await page.getByRole('button', { name: 'Views', exact: true }).click();
    const ascAnswer = (await (await asc).json()) as PageJson;
    await expect(page.locator('th[aria-sort="ascending"]')).toContainText('Views');
    expect(await rowsShown(page)).toEqual(ascAnswer.tags.map((t) => t.tag));
    await expect(page).toHaveURL(/sort=views&dir=asc/);
  });

  test('pages: only the page is rendered, "rows a–b of N", previous/next, the page in the URL and the back button', async ({ page }) => {
    const all = await apiPage(page, 'sort=tag&dir=asc&pageSize=500');
    expect(all.total).toBeGreaterThanOrEqual(4);
    const order = all.tags.map((t) => t.tag);
    await page.goto(dashboardUrl('/?sort=tag&dir=asc&pageSize=2'));
    await expect.poll(() => rowsShown(page)).toEqual(order.slice(0, 2));
    const pages = Math.ceil(all.total / 2);
    await expect(page.locator('.pager')).toContainText(`rows 1–2 of ${all.total} tags · page 1 of ${pages}`);
    await expect(page.locator('.summary')).toContainText(`rows 1–2 of ${all.total} tags`);
    await expect(page.getByRole('button', { name: 'Previous page' })).toBeDisabled();

    const next = page.waitForRequest((r) => isOverview(r.url()) && new URL(r.url()).searchParams.get('page') === '2');
    await page.getByRole('button', { name: 'Next page' }).click();
    expect(new URL((await next).url()).searchParams.get('pageSize')).toBe('2');
    await expect(page).toHaveURL(/[?&]page=2(&|$)/);
    await expect.poll(() => rowsShown(page)).toEqual(order.slice(2, 4));
    await expect(page.locator('.pager')).toContainText(`rows 3–4 of ${all.total} tags · page 2 of ${pages}`);
    await expect(page.getByRole('button', { name: 'Previous page' })).toBeEnabled();

    // To the last page: Next is disabled there.
    for (let p = 3; p <= pages; p++) {
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect(page.locator('.pager')).toContainText(`page ${p} of ${pages}`);
    }
    await expect(page.getByRole('button', { name: 'Next page' })).toBeDisabled();
    await expect.poll(() => rowsShown(page)).toEqual(order.slice((pages - 1) * 2));

    // The back button returns to the page before; a shared link opens on the page it names.
    await page.goBack();
    await expect(page.locator('.pager')).toContainText(`page ${pages - 1} of ${pages}`);
    await expect.poll(() => rowsShown(page)).toEqual(order.slice((pages - 2) * 2, (pages - 1) * 2));
    await page.goto(dashboardUrl('/?sort=tag&dir=asc&pageSize=2&page=2'));
    await expect.poll(() => rowsShown(page)).toEqual(order.slice(2, 4));
    // A page past the end (e.g. after the filter left fewer rows) shows the last page instead of an empty one.
    await page.goto(dashboardUrl('/?sort=tag&dir=asc&pageSize=2&page=99'));
    await expect(page.locator('.pager')).toContainText(`page ${pages} of ${pages}`);
    await expect(page).toHaveURL(new RegExp(`[?&]page=${pages}(&|$)`));
  });

  test('the filter asks the server once typing pauses (debounced), and resets to page 1', async ({ page }) => {
    const asked: string[] = [];
    page.on('request', (r: Request) => {
      if (isOverview(r.url())) asked.push(new URL(r.url()).searchParams.get('q') ?? '');
    });
    await page.clock.install();
    await page.goto(dashboardUrl('/?sort=tag&dir=asc&pageSize=2&page=2'));
    await expect(page.locator('table.overview tbody tr').first()).toBeVisible();
    await page.clock.pauseAt(Date.now() + 5_000);
    await page.getByLabel('Filter tags', { exact: true }).pressSequentially('mental');
    // Six keystrokes, no request yet: the debounce timer has not run.
    expect(asked.filter((q) => q !== '')).toEqual([]);
    const filtered = page.waitForResponse((r) => isOverview(r.url()) && new URL(r.url()).searchParams.get('q') === 'mental');
    await page.clock.runFor(1_000);
    const answer = (await (await filtered).json()) as PageJson;
    expect(answer).toMatchObject({ page: 1, total: 2 });
    expect(asked.filter((q) => q !== '')).toEqual(['mental']); // one request for the whole word
    await expect.poll(() => rowsShown(page)).toEqual(['mentalhealth', 'mentalhealthmatters']);
    await expect(page).toHaveURL(/q=mental/);
    await expect(page).not.toHaveURL(/[?&]page=/);
  });

  test('the refresh never overlaps a slow answer, sends If-None-Match, and a 304 leaves the DOM untouched', async ({ page }) => {
    await countOverviewFetches(page);
    const seen: { ifNoneMatch: string | null }[] = [];
    let etag: string | null = null;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let mode: 'pass' | 'hold' | 'not-modified' = 'pass';
    await page.route((url) => isOverview(url.href), async (route: Route) => {
      const headers = route.request().headers();
      seen.push({ ifNoneMatch: headers['if-none-match'] ?? null });
      if (mode === 'not-modified') {
        // The server's 304 (tested in tests/integration/dashboard/api.test.ts) for the ETag the page holds; the
        // If-None-Match it was asked with is checked below.
        await route.fulfill({ status: 304, headers: { etag: etag!, 'cache-control': 'no-cache' } });
        return;
      }
      if (mode === 'hold') await held; // a slow server
      const res = await route.fetch();
      if (res.status() === 200) etag = res.headers()['etag'] ?? null;
      await route.fulfill({ response: res });
    });
    await page.clock.install();
    await page.goto(dashboardUrl('/'));
    await expect(page.locator('table.overview tbody tr').first()).toBeVisible();
    await page.clock.pauseAt(Date.now() + 5_000);
    expect(await overviewFetches(page)).toBe(1);
    expect(etag).toMatch(/^W\/"ov-/);
    expect(seen[0]!.ifNoneMatch).toBeNull(); // the first load asks for the data, not whether it changed

    // The first refresh, answered slowly: however long it takes, no second request goes out.
    mode = 'hold';
    await page.clock.runFor(31_000);
    expect(await overviewFetches(page)).toBe(2);
    await page.clock.runFor(10 * 60_000); // twenty refresh periods
    expect(await overviewFetches(page)).toBe(2);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[1]!.ifNoneMatch).toBe(etag);

    // Once it is answered, the next refresh comes one period later (and only one).
    mode = 'not-modified';
    release();
    await expect
      .poll(async () => {
        await page.clock.runFor(31_000);
        return overviewFetches(page);
      })
      .toBe(3);
    await expect.poll(() => seen.length).toBe(3);

    // A 304 re-renders nothing: mark the table and watch every mutation under <main> across two refreshes.
    await page.evaluate(() => {
      const w = window as unknown as { __mutations: number; __table: Element | null };
      w.__mutations = 0;
      w.__table = document.querySelector('table.overview');
      new MutationObserver((list) => (w.__mutations += list.length)).observe(document.querySelector('main')!, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const before = await page.locator('main').innerHTML();
    for (const n of [4, 5]) {
      await expect
        .poll(async () => {
          await page.clock.runFor(31_000);
          return overviewFetches(page);
        })
        .toBe(n);
      await expect.poll(() => seen.length).toBe(n);
      expect(seen[n - 1]!.ifNoneMatch).toBe(etag); // still revalidating the page it shows
    }
    expect(await page.evaluate(() => (window as unknown as { __mutations: number }).__mutations)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __table: Element | null }).__table === document.querySelector('table.overview'))).toBe(true);
    expect(await page.locator('main').innerHTML()).toBe(before);
  });

  test('column tooltips name their window and quote the definitions of docs/analytics.md word for word', async ({ page }) => {
    const doc = readFileSync(new URL('../../docs/analytics.md', import.meta.url), 'utf8').replace(/\*\*|`/g, '').replace(/\s*\n\s*/g, ' ');
    const velocity = ['v = (C(T) − C(T − W)) / W', 'the latest hour boundary ≤ at where C is known. Every window and rate ends at T.', 'Coverage = share of [T − W, T] covered by sampling intervals that are not gaps.', 'Below windowMinCoverage (0.75) the velocity is null', 'While |Δ| < 2q the start moves back hour by hour (widened); if the data run out, the velocity is null with its interval (never 0/h)', '[(Δ − u)/W, (Δ + u)/W]'];
    const growth = ['Growth % of window W = (v[T−W, T] / v[T−2W, T−W] − 1)·100', 'on the two fixed windows, with its interval from the two velocity intervals (a null bound = unbounded)', 'The point is null unless both velocities are known (covered, informative, not interpolated) and the previous one is > 0'];
    const doubling = ['Theil–Sen slope of ln C(h) at the hour boundaries h ∈ [T − 7 d, T] where C is known, per day', 'the 7-day average growth, not the current 24 h rate', 'a bound whose rate may be ≤ 0 is null (unbounded)'];
    for (const quote of [...velocity, ...growth, ...doubling]) expect(doc, `docs/analytics.md still says: ${quote}`).toContain(quote);
    await page.goto(dashboardUrl('/'));
    await expect(page.locator('table.overview tbody tr').first()).toBeVisible();
    const title = (sort: string) => page.locator(`th:has(button[data-sort="${sort}"])`).getAttribute('title');
    const columns: [string, string[], RegExp][] = [
      ['velocity24h', velocity, /^Velocity over the 24 h window ending at T \(W = 24 h\)/],
      ['velocity7d', velocity, /^Velocity over the 7 d window ending at T \(W = 7 d\)/],
      ['growth24hPct', growth, /^Growth of the 24 h velocity against the 24 h before it \(W = 24 h\)/],
      ['growth7dPct', growth, /^Growth of the 7 d velocity against the 7 d before it \(W = 7 d\)/],
      ['doublingDays', doubling, /average growth over the last 7 days/],
    ];
    for (const [sort, quotes, window] of columns) {
      const t = (await title(sort)) ?? '';
      expect(t, sort).toMatch(window);
      for (const quote of quotes) expect(t, `${sort} tooltip quotes docs/analytics.md`).toContain(quote);
    }
    // The cell's own tooltip names the hour its window ends at; a rounded series shows its interval in the cell.
    const cell = page.locator('tr[data-tag="tiktoktherapy"] .velocity-24h');
    await expect(cell).toHaveAttribute('title', /^mean increase per hour over the 24 h ending \d+ \w+ \d{4}, \d\d:00 UTC \(T\); rounding interval /);
    await expect(cell).toHaveText(/^[\d,]+\/h \([\d,]+\/h – [\d,]+\/h\)$/);
  });
});
