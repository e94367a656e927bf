/** Rewrites the configuration table in README.md from the config module (run after adding a config field). */
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const table = execFileSync(process.execPath, ['bin/run-ts.js', 'scripts/config-table.ts'], { encoding: 'utf8' }).trim();
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf('| key | env | flag |');
const end = readme.indexOf('\n\n', start);
if (start < 0 || end < 0) throw new Error('README has no configuration table to replace');
writeFileSync('README.md', readme.slice(0, start) + table + readme.slice(end));
console.log('README configuration table updated');
