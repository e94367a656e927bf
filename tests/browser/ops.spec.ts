import { test, expect, dashboardUrl, attachScreenshot } from './fixtures.ts';
import { HOSTILE } from './seed.ts';

test('operations: queue health, workers, collector errors and Prometheus metrics', async ({ page }, testInfo) => {
  await page.goto(dashboardUrl('/ops'));
  const queues = page.getByRole('table', { name: 'Job counts per queue' });
  await expect(queues.locator('tbody tr').filter({ hasText: /^collect-tiktok-/ })).toHaveCount(1);
  await expect(queues.locator('tbody tr').filter({ hasText: /^load-/ })).toHaveCount(1);
  // Completed jobs of the live sampling are counted.
  const completed = await queues.locator('tbody tr').filter({ hasText: /^collect-tiktok-/ }).locator('td').nth(5).innerText();
  expect(Number(completed.replace(/,/g, ''))).toBeGreaterThan(0);
  await expect(page.getByRole('table', { name: 'Workers in this process' })).toContainText('yes');
  await expect(page.getByRole('region', { name: 'Summary' })).toContainText('up');
  // Queue health (issue 12): Redis up, workers running, the last successful sample per platform, the capacity line.
  await expect(page.getByRole('region', { name: 'Redis and workers' })).toContainText('up');
  await expect(page.getByRole('table', { name: 'Last successful sample per platform' })).toContainText('tiktok');
  await expect(page.getByRole('table', { name: /^Capacity/ })).toContainText('tiktok');
  const latest = page.getByRole('table', { name: 'Latest failures' });
  await expect(latest).toContainText(HOSTILE.failureMessage);
  await expect(page.locator('b, iframe')).toHaveCount(0);
  await attachScreenshot(page, testInfo, 'operations');

  const metrics = await page.request.get(dashboardUrl('/metrics'));
  expect(metrics.headers()['content-type']).toMatch(/^text\/plain/);
  const text = await metrics.text();
  expect(text).toMatch(/^tagpulse_queue_jobs\{queue="collect-tiktok-[^"]+",state="completed"\} [1-9]\d*$/m);
  expect(text).toMatch(/^tagpulse_observations_total\{platform="tiktok",metric="views"\} [1-9]\d*$/m);
  expect(text).toContain('tagpulse_store_up 1');
});
