/**
 * Issue 13 in real Chromium: the format_drift banner on the overview and the operations page, and a failure's saved
 * response opened from the operations page as plain text: its markup and script shown, never rendered or run.
 */
import { test, expect, dashboardUrl, attachScreenshot } from './fixtures.ts';
import { EVIDENCE } from './seed-evidence.ts';

test('format drift banner on the overview and the operations page', async ({ page }, testInfo) => {
  for (const path of ['/', '/ops']) {
    await page.goto(dashboardUrl(path));
    const banner = page.locator('.drift-banner[data-platform="instagram"]');
    await expect(banner).toContainText('Format drift on instagram');
    await expect(banner).toContainText('the page format seems to have changed');
    await expect(banner).toContainText('tagpulse parse');
    await expect(banner.locator('img')).toHaveCount(0); // the message is text
  }
  await attachScreenshot(page, testInfo, 'drift-banner');
});

test('a failure links to its saved response, shown as text, downloadable', async ({ page }) => {
  await page.goto(dashboardUrl('/ops'));
  const row = page.getByRole('table', { name: 'Latest failures' }).locator('tbody tr').filter({ hasText: `#${EVIDENCE.tag}` }).first();
  const view = row.getByRole('link', { name: 'view' });
  await expect(view).toBeVisible();
  const href = await view.getAttribute('href');
  expect(href).toMatch(/^\/api\/ops\/raw\/instagram--no_data--\d{8}T\d{9}Z--[0-9a-f]{8}$/);
  const download = await row.getByRole('link', { name: 'download' }).getAttribute('href');
  expect(download).toBe(`${href}?download=1`);

  const res = await page.goto(dashboardUrl(href!));
  expect(res!.headers()['content-type']).toBe('text/plain; charset=utf-8');
  expect(res!.headers()['x-content-type-options']).toBe('nosniff');
  // The body is shown as the text it is: the markup is visible, no element of it exists, its script never ran.
  await expect(page.locator('body')).toContainText('<script>window.__xss = "raw"</script>');
  await expect(page.locator('#bold')).toHaveCount(0);
  await expect(page.locator('h1')).toHaveCount(0);
});
