/**
 * Dashboard tests in Debian's Chromium (no browser download), or whichever Chromium scripts/setup.sh found
 * (TAGPULSE_CHROMIUM_PATH, else .tmp/chromium-path; tests/helpers/chromium.ts). The global setup runs the real pipeline into a temp
 * store and serves the dashboard; every spec reads TAGPULSE_DASHBOARD_URL.
 */
import { defineConfig } from '@playwright/test';
import { chromiumPath } from './tests/helpers/chromium.ts';

const chromium = chromiumPath();

export default defineConfig({
  testDir: 'tests/browser',
  globalSetup: './tests/browser/global-setup.ts',
  outputDir: '.tmp/playwright-results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
    launchOptions: {
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
