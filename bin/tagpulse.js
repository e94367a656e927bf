#!/usr/bin/env node
// Entry point. Runs the compiled build (dist/, made by `npm run build`, on install and before `npm test`: the CLI
// bundle dist/cli/bundle-main.js, else the tsc output dist/cli/main.js) when it is current, so users and tests never
// run stale code; otherwise the TypeScript sources through tsx (a dev dependency, present in a clone).
// TAGPULSE_FROM_SOURCE=1 forces the sources. First of all, a command that will open the embedded store starts
// loading chDB's engine on a worker thread (chdb-preload.js), while this thread loads the command.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { preloadChdb } from './chdb-preload.js';
import { distState } from './dist-state.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
preloadChdb(root);
const built = join(root, 'dist', 'cli', 'main.js');
// the build's one-file bundle of that entry (scripts/build.mjs), absent when the build had no esbuild
const bundled = join(root, 'dist', 'cli', 'bundle-main.js');
const state = process.env.TAGPULSE_FROM_SOURCE ? 'skipped' : distState(root);
if (state === 'current') {
  await import(pathToFileURL(existsSync(bundled) ? bundled : built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`error: the compiled build in ${join(root, 'dist')} is ${state} and tsx is not installed to run the sources: run \`npm run build\` (or npm install)\n`);
    process.exit(1);
  }
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
