/**
 * Rewrites the README's benchmark table (between its bench-table markers) from bench results files: each figure of
 * the given files replaces that figure's row; other rows stay. Run after `npm run bench`:
 *
 *   node bin/run-ts.js scripts/bench-table.ts bench/results/<file>.md [more files, later ones win]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { readResults, updateReadme } from '../bench/lib/readme-table.ts';

const root = resolve(new URL('..', import.meta.url).pathname);
const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node bin/run-ts.js scripts/bench-table.ts bench/results/<file>.md [...]');
  process.exit(2);
}
const readmePath = resolve(root, 'README.md');
try {
  const results = files.map((f) => ({ ...readResults(resolve(f)), path: relative(root, resolve(f)) }));
  writeFileSync(readmePath, updateReadme(readFileSync(readmePath, 'utf8'), results));
  console.log(`README benchmark table updated from ${results.map((r) => r.path).join(', ')}`);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
