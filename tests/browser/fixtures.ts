/**
 * Shared fixtures of the dashboard specs: the server URL from the global setup, a page that fails the test on any
 * console error or uncaught exception, and screenshots attached to the report.
 */
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';

export { expect };

export const dashboardUrl = (path = '/'): string => {
  const url = process.env.TAGPULSE_DASHBOARD_URL;
  if (!url) throw new Error('TAGPULSE_DASHBOARD_URL is not set: the Playwright global setup did not run');
  return url + path;
};

export const test = base.extend<{ problems: string[] }>({
  problems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await use(problems);
      expect(problems, 'the page logged errors').toEqual([]);
      // No hostile text ever ran as script.
      expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null)).toBeNull();
    },
    { auto: true },
  ],
});

/** Attach a full-page screenshot to the test report. */
export async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

/** Number of drawing commands in an SVG path (how many points a line really has). */
export function pathPoints(d: string | null): number {
  return (d ?? '').match(/[ML]/g)?.length ?? 0;
}

/** "16,400,023,795" → 16400023795 (null for "—"). */
export function parseCount(text: string): number | null {
  const m = /[\d,]+(\.\d+)?/.exec(text);
  return m ? Number(m[0].replace(/,/g, '')) : null;
}
