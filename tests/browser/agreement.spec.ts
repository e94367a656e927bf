/**
 * One number, one definition (issue 11): for the same tag and time, the overview row, the tag page, the report JSON
 * (the /api/tags/:platform/:tag/report endpoint that `tagpulse report --json` prints) and the leaderboard API's entry
 * show the same velocity, growth and doubling time — same values, same intervals, same window end. Live samples keep
 * arriving every 10 s; every metric ends at the latest full hour, so all four agree within the hour (the test retries
 * once if an hour boundary passes between the reads).
 */
import type { Page } from '@playwright/test';
import { test, expect, dashboardUrl, attachScreenshot } from './fixtures.ts';

/**
 * Every demo tag: three with exact readings, and #tiktoktherapy whose history is known only as rounded display figures
 * (the hourly rollup keeps each bin's rounding step, so the leaderboard widens for it as the report does).
 */
const TAGS = ['mentalhealth', 'suicidepreventionmonth', 'mentalhealthmatters', 'tiktoktherapy'];

interface Row {
  tag: string;
  asOf: string | null;
  velocity24h: number | null;
  velocity24hLow: number | null;
  velocity24hHigh: number | null;
  growth24hPct: number | null;
  growth24hPctLow: number | null;
  growth24hPctHigh: number | null;
  doublingDays: number | null;
  doublingDaysLow: number | null;
  doublingDaysHigh: number | null;
}
interface ReportWindow {
  window: string;
  velocityPerHour: number | null;
  velocityPerHourLow: number | null;
  velocityPerHourHigh: number | null;
  growthPct: number | null;
  growthPctLow: number | null;
  growthPctHigh: number | null;
}
interface Report {
  asOf: string | null;
  windows: ReportWindow[];
  counterDoublingDays: number | null;
  counterDoublingDaysLow: number | null;
  counterDoublingDaysHigh: number | null;
}
interface Entry {
  tag: string;
  windowTo: string | null;
  velocityPerHour: number | null;
  velocityPerHourLow: number | null;
  velocityPerHourHigh: number | null;
  growthPct: number | null;
  growthPctLow: number | null;
  growthPctHigh: number | null;
  doublingDays: number | null;
  doublingDaysLow: number | null;
  doublingDaysHigh: number | null;
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(dashboardUrl(path));
  expect(res.status(), path).toBe(200);
  return (await res.json()) as T;
}

/** The overview page as shown, and the JSON it was drawn from. */
async function overview(page: Page): Promise<{ generatedAt: string; rows: Row[] }> {
  const answer = page.waitForResponse((r) => r.url().includes('/api/overview') && r.status() === 200);
  await page.goto(dashboardUrl('/'));
  const json = (await (await answer).json()) as { generatedAt: string; tags: Row[] };
  await expect(page.locator('table.overview tbody tr')).toHaveCount(json.tags.length);
  return { generatedAt: json.generatedAt, rows: json.tags };
}

async function attempt(page: Page): Promise<boolean> {
  const ov = await overview(page);
  const at = encodeURIComponent(ov.generatedAt);
  const lb = await getJson<{ entries: Entry[] }>(page, `/api/leaderboard?window=24h&limit=100&at=${at}`);
  const cells: Record<string, { velocity: string; growth: string; doubling: string; title: string }> = {};
  for (const tag of TAGS) {
    const tr = page.locator(`tr[data-tag="${tag}"]`);
    cells[tag] = {
      velocity: await tr.locator('.velocity-24h').innerText(),
      growth: await tr.locator('.growth-24h').innerText(),
      doubling: await tr.locator('.doubling').innerText(),
      title: (await tr.locator('.velocity-24h').getAttribute('title')) ?? '',
    };
  }
  for (const tag of TAGS) {
    const row = ov.rows.find((r) => r.tag === tag)!;
    const report = await getJson<Report>(page, `/api/tags/tiktok/${tag}/report?at=${at}`);
    const entry = lb.entries.find((e) => e.tag === tag)!;
    expect(entry, `leaderboard entry of #${tag}`).toBeDefined();
    if (report.asOf !== row.asOf || entry.windowTo !== row.asOf) return false; // an hour boundary passed: retry
    const w24 = report.windows.find((w) => w.window === '24h')!;
    // the same numbers in the three JSON answers, bit for bit
    const fromRow = [row.velocity24h, row.velocity24hLow, row.velocity24hHigh, row.growth24hPct, row.growth24hPctLow, row.growth24hPctHigh, row.doublingDays, row.doublingDaysLow, row.doublingDaysHigh];
    expect(fromRow, `#${tag}: report`).toEqual([w24.velocityPerHour, w24.velocityPerHourLow, w24.velocityPerHourHigh, w24.growthPct, w24.growthPctLow, w24.growthPctHigh, report.counterDoublingDays, report.counterDoublingDaysLow, report.counterDoublingDaysHigh]);
    expect(fromRow, `#${tag}: leaderboard`).toEqual([entry.velocityPerHour, entry.velocityPerHourLow, entry.velocityPerHourHigh, entry.growthPct, entry.growthPctLow, entry.growthPctHigh, entry.doublingDays, entry.doublingDaysLow, entry.doublingDaysHigh]);
    expect(row.velocity24h, `#${tag} has a 24 h velocity`).not.toBeNull();
    expect(row.doublingDays, `#${tag} has a doubling time`).not.toBeNull();

    // the tag page shows the same text as the overview row
    await page.goto(dashboardUrl(`/tag?platform=tiktok&tag=${tag}`));
    const figures = page.getByRole('region', { name: 'Key figures' });
    await expect(figures.locator('.velocity-24h')).toHaveText(new RegExp(`^${escape(cells[tag]!.velocity)}`));
    await expect(figures.locator('.growth-24h')).toHaveText(`${cells[tag]!.growth} vs previous 24h`);
    await expect(figures.locator('.doubling')).toHaveText(`counter doubles in ${cells[tag]!.doubling}`);
    // intervals are shown: "doubles in 54 d (48–61)"
    expect(cells[tag]!.doubling).toMatch(/^[\d,.]+ [dh] \([\d,.]+–[\d,.]+\)$|^[\d,.]+ [dh] \(> [\d,.]+\)$/);
    // the tooltip says exactly which window
    expect(cells[tag]!.title).toContain('over the 24 h ending');
  }
  return true;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test.describe('one definition across views', () => {
  test('overview row, tag page, report JSON and leaderboard entry agree on velocity, growth and doubling time', async ({ page }, testInfo) => {
    let ok = await attempt(page);
    if (!ok) ok = await attempt(page);
    expect(ok, 'the same hour boundary in every answer').toBe(true);
    await page.goto(dashboardUrl('/'));
    const doublingHeader = page.locator('th[title*="7 days"]').filter({ hasText: 'Doubling' });
    await expect(doublingHeader).toHaveCount(1);
    await expect(doublingHeader).toHaveAttribute('title', /average growth over the last 7 days/);
    await attachScreenshot(page, testInfo, 'overview-intervals');
  });
});
