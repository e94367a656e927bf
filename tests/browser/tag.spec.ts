import { readFileSync } from 'node:fs';
import { test, expect, dashboardUrl, attachScreenshot, pathPoints } from './fixtures.ts';
import { CONFLICT, HOSTILE } from './seed.ts';

const tagUrl = (tag: string, extra = '') => dashboardUrl(`/tag?platform=tiktok&tag=${tag}${extra}`);

test.describe('tag page', () => {
  test('draws the counter and the velocity with data, and shows the key figures', async ({ page }, testInfo) => {
    await page.goto(tagUrl('suicidepreventionmonth'));
    const counter = page.locator('.chart').first();
    const line = counter.locator('path.line');
    await expect(line).toHaveCount(1);
    // 14 days of hourly history plus live samples, in the default 30-day range.
    expect(Number(await line.getAttribute('data-points'))).toBeGreaterThan(300);
    expect(pathPoints(await line.getAttribute('d'))).toBeGreaterThan(300);
    await expect(counter.locator('text.tick-y').first()).toHaveText(/\d+(\.\d+)?[KMB]$/);
    const velocity = page.locator('.chart').nth(1).locator('path.line');
    expect(pathPoints(await velocity.getAttribute('d'))).toBeGreaterThan(100);
    await expect(page.locator('h1')).toContainText('Breakout');
    const figures = page.getByRole('region', { name: 'Key figures' });
    await expect(figures).toContainText(/Latest views\s*\d{3},\d{3},\d{3}/);
    await expect(figures).toContainText(/Velocity 24h\s*[\d,]+\/h/);
    // The campaign event of this tag is drawn and listed.
    await expect(counter.locator('rect.ann-event title')).toContainText(['Campaign launch — partner videos went live']);
    await page.getByText(/^Annotations \(\d+\)$/).click();
    await expect(page.locator('.annotations-list')).toContainText('Campaign launch');
    await attachScreenshot(page, testInfo, 'tag-suicidepreventionmonth');
  });

  test('rounded history: marked as such, with a rounding band on the velocity and a provisional lifecycle', async ({ page }, testInfo) => {
    await page.goto(tagUrl('tiktoktherapy', '&range=all'));
    const band = page.locator('.chart').nth(1).locator('path.band');
    await expect(band).toHaveCount(1);
    expect(pathPoints(await band.getAttribute('d'))).toBeGreaterThan(20);
    await expect(page.locator('.chart-legend').first()).toContainText('rounded display figure');
    await expect(page.getByRole('region', { name: 'Lifecycle' })).toContainText('provisional');
    const quality = page.getByRole('region', { name: 'Data quality' });
    await expect(quality).toContainText(/% rounded display figures/);
    await attachScreenshot(page, testInfo, 'tag-tiktoktherapy-all');
    // The latest readings of a range inside the imported history are its rounded figures, shown as such. (With
    // range=all the demo's live samples, exact, soon fill the 20 latest readings.)
    const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
    await page.goto(tagUrl('tiktoktherapy', `&from=${day(4 * 86_400_000)}T00%3A00%3A00Z&to=${day(3 * 86_400_000)}T23%3A59%3A59Z`));
    await expect(quality.locator('.count-rounded').first()).toHaveText(/^≈ \d+(\.\d)?M$/);
  });

  test('the range picker, custom dates and the scale change the chart and the URL', async ({ page }) => {
    await page.goto(tagUrl('mentalhealth'));
    const line = page.locator('.chart').first().locator('path.line');
    const before = Number(await line.getAttribute('data-points'));
    await page.getByText('24 h', { exact: true }).click();
    await expect(page).toHaveURL(/range=24h/);
    await expect(page.getByRole('radio', { name: '24 h' })).toBeChecked();
    await expect.poll(async () => Number(await line.getAttribute('data-points'))).toBeLessThan(before);
    expect(Number(await line.getAttribute('data-points'))).toBeGreaterThan(20);

    const linear = await line.getAttribute('d');
    await page.getByText('Log', { exact: true }).click();
    await expect(page).toHaveURL(/scale=log/);
    await expect(page.getByRole('radio', { name: 'Log' })).toBeChecked();
    await expect(page.getByRole('img', { name: /Cumulative views of #mentalhealth, log scale/ })).toBeVisible();
    await expect(line).not.toHaveAttribute('d', linear!);

    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const end = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From (UTC)').fill(day);
    await page.getByLabel('To (UTC)').fill(end);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(new RegExp(`from=${day}T00%3A00%3A00Z&to=${end}T23%3A59%3A59Z`));
    await expect(page.locator('.chart').first().locator('..').locator('p.muted').first()).toContainText(`${Number(day.slice(8))} `);
    // 24 hourly readings in a one-day window (inclusive bounds).
    await expect.poll(async () => Number(await line.getAttribute('data-points'))).toBeLessThanOrEqual(48);
  });

  test('a deep link restores metric, range and scale', async ({ page }) => {
    await page.goto(tagUrl('tiktoktherapy', '&metric=posts&range=7d&scale=log'));
    await expect(page.getByRole('radio', { name: 'Posts' })).toBeChecked();
    await expect(page.getByRole('radio', { name: '7 days' })).toBeChecked();
    await expect(page.getByRole('radio', { name: 'Log' })).toBeChecked();
    await expect(page.getByRole('img', { name: /Cumulative posts of #tiktoktherapy, log scale/ })).toBeVisible();
    await page.goBack().catch(() => undefined);
  });

  test('exports download files with the right content, and the citation describes them', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(tagUrl('suicidepreventionmonth', '&range=7d'));
    const download = async (label: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: label }).click()]);
      return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
    };
    const csv = await download('Download CSV');
    expect(csv.name).toMatch(/^tagpulse-suicidepreventionmonth-views-\d{8}\.csv$/);
    const lines = csv.bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toMatch(/platform.*tag.*metric.*observed_at.*value/);
    expect(lines.length).toBeGreaterThan(7 * 24);
    expect(lines.slice(1).every((l) => l.includes('suicidepreventionmonth') && l.includes('views'))).toBe(true);

    const jsonl = await download('Download JSONL');
    const rows = jsonl.bytes.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { tag: string; metric: string; value: string });
    expect(rows.length).toBe(lines.length - 1);
    expect(rows.every((r) => r.tag === 'suicidepreventionmonth' && r.metric === 'views' && /^\d+$/.test(String(r.value)))).toBe(true);

    const parquet = await download('Download Parquet');
    expect(parquet.name).toMatch(/\.parquet$/);
    expect(parquet.bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(parquet.bytes.subarray(-4).toString()).toBe('PAR1');

    await page.getByRole('button', { name: 'Copy citation' }).click();
    const citation = page.locator('.citation-text');
    await expect(citation).toContainText(`#suicidepreventionmonth TikTok views`);
    await expect(citation).toContainText(`${lines.length - 1} observations`);
    // Same snapshot as the buttons: the hash in the citation is the hash of the CSV just downloaded.
    const { createHash } = await import('node:crypto');
    await expect(citation).toContainText(`sha256:${createHash('sha256').update(csv.bytes).digest('hex')}`);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await citation.innerText());
  });

  test('hostile text from events, notes, provenance and failures is shown as text and never runs', async ({ page }, testInfo) => {
    await page.goto(tagUrl('mentalhealth', '&range=7d'));
    // Event name and note: an SVG tooltip title and the annotation list, as text.
    await expect(page.locator('.chart').first().locator('rect.ann-event title')).toContainText([`${HOSTILE.eventName} — ${HOSTILE.eventNote}`]);
    await page.getByText(/^Annotations \(\d+\)$/).click();
    await expect(page.locator('.annotations-list')).toContainText(`${HOSTILE.eventName} — ${HOSTILE.eventNote}`);
    // Failure message.
    await expect(page.getByRole('region', { name: 'Data quality' })).toContainText(HOSTILE.failureMessage);
    await expect(page.locator('script:not([src])')).toHaveCount(0);
    await expect(page.locator('img, iframe, b')).toHaveCount(0);

    // The imported press figure: note and javascript: provenance as plain text, not a link.
    const series = (await (await page.request.get(dashboardUrl('/api/tags/tiktok/tiktoktherapy/series?metric=views'))).json()) as { points: { observed_at: string; precision: string }[] };
    const press = Date.parse(series.points.find((p) => p.precision === 'lower_bound')!.observed_at);
    const iso = (ms: number) => new Date(ms).toISOString();
    await page.goto(tagUrl('tiktoktherapy', `&from=${iso(press - 3 * 3_600_000)}&to=${iso(press + 3 * 3_600_000)}`));
    const readings = page.getByRole('table', { name: 'Latest readings' });
    await expect(readings).toContainText(HOSTILE.obsNote);
    await expect(readings).toContainText(HOSTILE.provenance);
    await expect(readings.locator('a[href^="javascript"]')).toHaveCount(0);
    await expect(readings).toContainText('≥ 600,000,000');
    // A lower bound is not a counter reading: drawn as its own point, not joined to the line.
    const counter = page.locator('.chart').first();
    await expect(counter.locator('g.points[data-series="lower bound (at least)"] circle')).toHaveCount(1);
    const linePoints = Number(await counter.locator('path.line').getAttribute('data-points'));
    expect(pathPoints(await counter.locator('path.line').getAttribute('d'))).toBe(linePoints);
    await expect(counter.locator('.chart-legend')).toContainText('lower bound (at least)');
    await expect(page.locator('img, iframe')).toHaveCount(0);
    await attachScreenshot(page, testInfo, 'tag-hostile-text');
  });

  test('two sources contradicting each other at one instant: both kept, shown in the data-quality panel', async ({ page }) => {
    // Issue 10: a collected display figure says 1.0B where the imported history says 16B; nothing is replaced or merged.
    const series = (await (await page.request.get(dashboardUrl('/api/tags/tiktok/mentalhealth/series?metric=views'))).json()) as { points: { observed_at: string; value: string; provenance: string }[] };
    const other = series.points.find((p) => p.provenance === CONFLICT.provenance)!;
    const history = series.points.find((p) => p.observed_at === other.observed_at && p.provenance !== CONFLICT.provenance)!;
    expect(history.value).not.toBe(CONFLICT.value);
    const report = (await (await page.request.get(dashboardUrl('/api/tags/tiktok/mentalhealth/report?metric=views'))).json()) as { conflicts: { at: string; values: { value: string; chosen: boolean }[] }[] };
    expect(report.conflicts).toEqual([{ at: other.observed_at, metric: 'views', values: [expect.objectContaining({ value: history.value, chosen: true }), expect.objectContaining({ value: CONFLICT.value, chosen: false })] }]);

    const t = Date.parse(other.observed_at);
    const iso = (ms: number) => new Date(ms).toISOString();
    await page.goto(tagUrl('mentalhealth', `&from=${iso(t - 3 * 3_600_000)}&to=${iso(t + 3 * 3_600_000)}`));
    const conflicts = page.getByRole('table', { name: 'Conflicts between sources' });
    await expect(conflicts.locator('tbody tr')).toHaveCount(1);
    await expect(conflicts).toContainText(`✓ ${BigInt(history.value).toLocaleString('en-US')} from seed.history (import, seed-history.csv)`);
    await expect(conflicts).toContainText(`1,000,000,000 (rounded) from ${CONFLICT.source} (http, ${CONFLICT.provenance})`);
  });
});
