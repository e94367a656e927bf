#!/usr/bin/env node
/**
 * The test command (npm test): build dist/ when stale, then vitest (unit, integration, end-to-end) then Playwright
 * (dashboard in Chromium).
 * Prints one closing line "N passed, N failed" and exits non-zero if anything failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.tmp', 'test-results');
mkdirSync(out, { recursive: true });
const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

// 0. The compiled build the end-to-end tests run through bin/tagpulse.js: rebuilt when older than src/.
if (run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale']) !== 0) {
  console.log('0 passed, 1 failed (npm run build failed)');
  process.exit(1);
}

// 1. vitest
const vitestJson = join(out, 'vitest.json');
const vStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`, ...extra]);
if (existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0 ? 0 : 0);
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A file that fails to load has no tests: count it as a failure.
  for (const f of r.testResults ?? []) if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) failed++;
} else if (vStatus !== 0) failed++;

// 2. Playwright (dashboard tests), when present.
const pwDir = join(root, 'tests', 'browser');
if (!extra.length && existsSync(pwDir) && readdirSync(pwDir).some((f) => f.endsWith('.spec.ts'))) {
  const pwJson = join(out, 'playwright.json');
  const pStatus = run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
  if (existsSync(pwJson)) {
    const r = JSON.parse(readFileSync(pwJson, 'utf8'));
    passed += r.stats?.expected ?? 0;
    failed += (r.stats?.unexpected ?? 0) + (r.stats?.flaky ?? 0 ? 0 : 0);
    skipped += r.stats?.skipped ?? 0;
    if ((r.errors ?? []).length && !(r.stats?.expected ?? 0)) failed++;
  } else if (pStatus !== 0) failed++;
}

if (vStatus !== 0 && failed === 0) failed = 1; // the runner itself failed
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
