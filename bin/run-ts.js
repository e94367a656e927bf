#!/usr/bin/env node
// Runs a TypeScript file through tsx (used by npm scripts such as `npm run bench`).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
const { register } = await import('tsx/esm/api');
register();
const file = process.argv[2];
if (!file) { console.error('usage: run-ts <file.ts> [args...]'); process.exit(2); }
process.argv.splice(2, 1);
await import(pathToFileURL(resolve(file)).href);
