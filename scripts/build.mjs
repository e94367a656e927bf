#!/usr/bin/env node
/**
 * `npm run build` (also on install, as `prepare`, and before `npm test`): compile src/ to dist/ with tsc, then bundle
 * the dashboard's browser client into dist/dashboard/assets (dist/dashboard/build-assets.js), whose last step writes
 * dist/.build-stamp. bin/tagpulse.js runs dist only while that stamp is newer than every file in src/.
 *
 *   node scripts/build.mjs [--if-stale]
 *
 * --if-stale: do nothing when dist is current. Without typescript (a production install) there is nothing to build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { distState } from '../bin/dist-state.js';

const root = new URL('..', import.meta.url).pathname;
if (process.argv.includes('--if-stale') && distState(root) === 'current') process.exit(0);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  process.stderr.write('build: typescript is not installed (production install?); dist/ is left as it is\n');
  process.exit(0);
}
const step = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`build: \`node ${args.join(' ')}\` failed\n`);
    process.exit(r.status ?? 1);
  }
};
step([tsc, '-p', 'tsconfig.build.json']);
step([join(root, 'dist', 'dashboard', 'build-assets.js')]);
