/**
 * Issue 14 in Chromium. (1) A series imported into a FRESH store (the real `import` command, no tracked tag at all) is
 * on the overview, with its source, and in compare's tag picker; a press figure known only as a lower bound is listed
 * with it; an admin can start tracking it from the overview. Before, the overview said "No tags are tracked yet".
 * (2) The sensitive-topic resource line on #suicidepreventionmonth's page of the seeded demo pipeline (global setup),
 * dismissible, and absent on an ordinary tag.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, dashboardUrl, attachScreenshot } from './fixtures.ts';
import { runImport } from '../../src/cli/commands/import.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { mountAll } from '../../src/api/mount-all.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';

const ADMIN = 'an-admin-token-for-the-workflow-spec';

test.describe('a fresh store with an imported series', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;

  test.beforeAll(async () => {
    dir = tempDir('tagpulse-pw-fresh-');
    const dataDir = join(dir.dir, 'data');
    const hours = Array.from({ length: 72 }, (_, i) => 72 - i);
    const now = Date.now();
    const csv = [
      'platform,tag,metric,observed_at,value,exact,step,precision,source,note',
      ...hours.map((h) => `tiktok,researchseries,views,${new Date(now - h * 3_600_000).toISOString()},${1_000_000 + (72 - h) * 25_000},true,0,exact,researcher.csv,`),
      `tiktok,pressfigure,views,${new Date(now - 40 * 86_400_000).toISOString()},2000000000,false,0,lower_bound,press,"more than 2 billion views"`,
    ].join('\n');
    const file = join(dir.dir, 'series.csv');
    writeFileSync(file, csv);
    const lines: string[] = [];
    const code = await runImport({ file, dataDir, logLevel: 'silent' }, { out: (l) => lines.push(l), err: (l) => lines.push(l), isTTY: false });
    expect(code, lines.join('\n')).toBe(0);
    store = await openClickHouseStore({ dataDir });
    const cfg = testConfig({ dataDir });
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, adminToken: ADMIN, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
  });

  test.afterAll(async () => {
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  test('the overview lists the imported series and the press figure, with their source', async ({ page }, testInfo) => {
    await page.goto(`${api.url}/`);
    const row = page.locator('tr[data-tag="researchseries"]');
    await expect(row.getByRole('link', { name: '#researchseries' })).toBeVisible();
    await expect(row.locator('.source-cell')).toHaveText('imported; not sampled');
    await expect(row.locator('td').nth(1)).toHaveText('2,775,000'); // the latest imported reading, exact
    const press = page.locator('tr[data-tag="pressfigure"]');
    await expect(press.locator('td').nth(1)).toHaveText('≥ 2,000,000,000');
    await expect(press.locator('.source-cell')).toContainText('lower bound ≥ 2,000,000,000');
    await expect(page.getByText('No tags with data yet')).toHaveCount(0);
    // The source filter.
    await page.getByLabel('Data source', { exact: true }).selectOption('tracked');
    await expect(page.getByText('No tag matches these filters.')).toBeVisible();
    await page.getByLabel('Data source', { exact: true }).selectOption('imported');
    await expect(page.locator('table.overview tbody tr')).toHaveCount(2);
    await expect(page).toHaveURL(/source=imported/);
    // Without a token there is no Track button (writes need the admin token).
    await expect(page.getByRole('button', { name: 'Track #researchseries' })).toHaveCount(0);
    await attachScreenshot(page, testInfo, 'overview-imported');
  });

  test("compare's tag picker offers the imported tags", async ({ page }) => {
    await page.goto(`${api.url}/compare`);
    const options = page.locator('datalist option');
    await expect(options).toHaveCount(2);
    expect(await options.evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).sort())).toEqual(['pressfigure', 'researchseries']);
    await page.goto(`${api.url}/compare?tags=researchseries`);
    await expect(page.locator('.chips li')).toHaveCount(1);
  });

  test('an admin tracks an imported tag from the overview', async ({ page }) => {
    await page.goto(`${api.url}/?token=${ADMIN}`);
    const row = page.locator('tr[data-tag="researchseries"]');
    await row.getByRole('button', { name: 'Track #researchseries' }).click();
    await expect(row.getByRole('status')).toContainText('tracked every 3,600 s');
    await page.reload();
    await expect(page.locator('tr[data-tag="researchseries"] .source-cell')).toHaveText('tracked every 1h (+ imported)');
  });
});

test.describe('sensitive topics on the demo pipeline', () => {
  test('#suicidepreventionmonth shows a dismissible crisis-resource line; an ordinary tag does not', async ({ page }, testInfo) => {
    await page.goto(dashboardUrl('/tag?platform=tiktok&tag=suicidepreventionmonth'));
    const line = page.getByRole('complementary', { name: 'Support resources' });
    await expect(line).toContainText('988 Suicide & Crisis Lifeline');
    await expect(line).toContainText('Crisis Text Line');
    await expect(line.getByRole('link', { name: /Find a Helpline/ })).toHaveAttribute('href', 'https://findahelpline.com');
    await attachScreenshot(page, testInfo, 'tag-care-line');
    await line.getByRole('button', { name: 'Dismiss support resources' }).click();
    await expect(line).toHaveCount(0);
    await page.reload();
    await expect(page.locator('h1')).toContainText('#suicidepreventionmonth');
    await expect(page.getByRole('complementary', { name: 'Support resources' })).toHaveCount(0); // stays dismissed this session
    await page.goto(dashboardUrl('/tag?platform=tiktok&tag=tiktoktherapy'));
    await expect(page.locator('h1')).toContainText('#tiktoktherapy');
    await expect(page.locator('.chart path.line').first()).toBeVisible();
    await expect(page.getByRole('complementary', { name: 'Support resources' })).toHaveCount(0);
  });
});
