import { test, expect, dashboardUrl, attachScreenshot, pathPoints } from './fixtures.ts';

test.describe('compare', () => {
  test('several tags indexed to 100, then absolute and log; the state is in the URL', async ({ page }, testInfo) => {
    await page.goto(dashboardUrl('/compare?tags=mentalhealth,suicidepreventionmonth,tiktoktherapy&range=30d'));
    const lines = page.locator('.chart path.line');
    await expect(lines).toHaveCount(3);
    for (const d of await lines.evaluateAll((els) => els.map((e) => e.getAttribute('d')))) expect(pathPoints(d)).toBeGreaterThan(100);
    await expect(page.locator('.chart line.reference')).toHaveCount(1);
    await expect(page.locator('.chart-legend')).toContainText('#suicidepreventionmonth');
    await expect(page.getByRole('heading', { level: 2 })).toContainText(['Views, indexed to 100']);
    await attachScreenshot(page, testInfo, 'compare-indexed');

    await page.getByText('Absolute', { exact: true }).click();
    await expect(page).toHaveURL(/mode=absolute/);
    await expect(page.locator('.chart line.reference')).toHaveCount(0);
    await expect(page.locator('.chart text.tick-y').last()).toHaveText(/\d+(\.\d+)?B$/);

    await page.getByText('Log', { exact: true }).click();
    await expect(page).toHaveURL(/mode=log/);
    await expect(page.getByRole('img', { name: /log scale/ })).toBeVisible();
    await expect(page.locator('.chart path.line')).toHaveCount(3);

    await page.reload();
    await expect(page.getByRole('radio', { name: 'Log' })).toBeChecked();
    await expect(page.locator('.chips li')).toHaveCount(3);
  });

  test('adds and removes tags with the keyboard-friendly controls', async ({ page }) => {
    await page.goto(dashboardUrl('/compare?tags=mentalhealth'));
    await expect(page.locator('.chart path.line')).toHaveCount(1);
    await page.getByLabel('Add a tag').fill('#MentalHealthMatters');
    await page.getByLabel('Add a tag').press('Enter');
    await expect(page).toHaveURL(/tags=mentalhealth%2Cmentalhealthmatters/);
    await expect(page.locator('.chart path.line')).toHaveCount(2);
    await page.getByRole('button', { name: 'Remove #mentalhealth', exact: true }).click();
    await expect(page.locator('.chips li')).toHaveCount(1);
    await expect(page.locator('.chips')).toContainText('#mentalhealthmatters');
    await expect(page.locator('.chart path.line')).toHaveCount(1);
  });
});
