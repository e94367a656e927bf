/**
 * The Chromium every browser test uses: TAGPULSE_CHROMIUM_PATH, else the one scripts/setup.sh recorded in
 * .tmp/chromium-path (Playwright's build, where there is no system Chromium), else the config default
 * (/usr/bin/chromium). A test that needs a browser calls requireChromium() in beforeAll: with no browser it FAILS
 * with what to do; it never skips (a silently skipped browser test hid that Ubuntu had none, issue 14).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFields } from '../../src/config/config.ts';

const RECORDED = join(import.meta.dirname, '..', '..', '.tmp', 'chromium-path');

export function chromiumPath(env: Record<string, string | undefined> = process.env): string {
  if (env.TAGPULSE_CHROMIUM_PATH) return env.TAGPULSE_CHROMIUM_PATH;
  if (existsSync(RECORDED)) {
    const p = readFileSync(RECORDED, 'utf8').trim();
    if (p) return p;
  }
  return configFields.chromiumPath.default as string;
}

/** The path, or an Error saying which paths were tried and how to get a browser. */
export function requireChromium(env: Record<string, string | undefined> = process.env): string {
  const p = chromiumPath(env);
  if (!existsSync(p)) {
    throw new Error(
      `no Chromium at ${p} (from ${env.TAGPULSE_CHROMIUM_PATH ? 'TAGPULSE_CHROMIUM_PATH' : existsSync(RECORDED) ? '.tmp/chromium-path' : 'the default chromiumPath'}). ` +
        'This test needs a browser: run scripts/setup.sh (it installs one, or Playwright\'s), or set TAGPULSE_CHROMIUM_PATH to a Chromium executable.',
    );
  }
  return p;
}
