/**
 * Issue 15, CLI start: the published bin runs the compiled CLI as one esbuild bundle (scripts/build.mjs): a command
 * loads a handful of bundle files instead of ~160 modules (94 of them zod's), and the bundle computes exactly what the
 * sources compute. The build runs first when dist/ is not current (as `npm test` does), so this never tests a stale
 * dist and never skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distState } from '../../bin/dist-state.js';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'tagpulse.js');
const TRACE = join(ROOT, 'tests', 'helpers', 'load-trace', 'register.mjs');
const REQUIRE_TRACE = join(ROOT, 'tests', 'helpers', 'load-trace', 'require.cjs');

function node(args: string[], env: Record<string, string> = {}) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TAGPULSE_')) clean[k] = v;
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...clean, TAGPULSE_LOG_LEVEL: 'error', ...env }, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bin runs the CLI bundle', () => {
  const tmp = tempDir('tagpulse-bundle-');
  const data = join(tmp.dir, 'data');
  beforeAll(() => {
    const b = node([join(ROOT, 'scripts', 'build.mjs'), '--if-stale']);
    expect(b.code, b.stderr).toBe(0);
    expect(distState(ROOT)).toBe('current');
    const lines = ['platform,tag,metric,observed_at,value,exact,step,precision'];
    let v = 5_000_000n;
    for (let i = 0; i < 400; i++) {
      v += BigInt(2000 + ((i * 7919) % 1500) + (i > 250 ? 6000 : 0));
      lines.push(`tiktok,bundled,views,${new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString()},${v},true,0,exact`);
    }
    writeFileSync(join(tmp.dir, 'series.csv'), lines.join('\n') + '\n');
    const imp = node([BIN, '--data-dir', data, 'import', join(tmp.dir, 'series.csv')]);
    expect(imp.code, imp.stderr).toBe(0);
  }, 300_000);
  afterAll(() => tmp.cleanup());

  it('`report --json` loads bundle files and chdb only: no zod, commander or ClickHouse client module of its own', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli', 'bundle-main.js'))).toBe(true);
    const r = node(['--import', TRACE, BIN, '--data-dir', data, 'report', 'bundled', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED file:')).map((l) => l.slice('LOADED '.length));
    const app = loaded.filter((u) => !u.includes('/node_modules/') && !/\/bin\/(tagpulse|dist-state|chdb-preload)\.js$/.test(u));
    expect(app.length).toBeGreaterThan(3);
    for (const u of app) expect(u, u).toMatch(/\/dist\/cli\/bundle-[^/]+\.js$/);
    const packages = new Set(loaded.filter((u) => u.includes('/node_modules/')).map((u) => u.replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')));
    expect([...packages]).toEqual(['chdb']);
  });

  it('`report --json` runs chdb/connection from the bundle: of chDB\'s package only the engine is loaded (no adapter file, no @clickhouse/client-common files of its own)', () => {
    const r = node(['--require', REQUIRE_TRACE, BIN, '--data-dir', data, 'report', 'bundled', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).observations).toBe(400);
    const required = r.stderr.split('\n').filter((l) => l.startsWith('REQUIRED ')).map((l) => l.slice('REQUIRED '.length));
    // the engine is loaded (chdb/index.js, the native addon's loader) …
    expect(required.some((f) => /\/node_modules\/chdb\/index\.js$/.test(f))).toBe(true);
    // … but neither the adapter's files nor a second copy of the client's common code (scripts/build.mjs chdbConnectionInside)
    expect(required.filter((f) => /\/node_modules\/chdb\/dist\/connection\//.test(f) || f.includes('/node_modules/@clickhouse/'))).toEqual([]);
    const adapter = readdirSync(join(ROOT, 'dist', 'cli')).filter((f) => /^bundle-.*\.js$/.test(f) && readFileSync(join(ROOT, 'dist', 'cli', f), 'utf8').includes('ChdbConnection is closed'));
    expect(adapter.length).toBe(1);
  });

  it('`report --json` loads zod without the locales it does not use (zod imported as a namespace, so esbuild drops the unused parts)', () => {
    const r = node(['--import', TRACE, BIN, '--data-dir', data, 'report', 'bundled', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const files = r.stderr.split('\n').filter((l) => /^LOADED file:.*\/dist\/cli\/bundle-[^/]+\.js$/.test(l)).map((l) => fileURLToPath(l.slice('LOADED '.length)));
    expect(files.length).toBeGreaterThan(3);
    const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    // zod's English messages are in (the default locale), its German and Spanish ones (two of ~45 locales) are not
    expect(text).toContain('Invalid input');
    expect(text).not.toContain('Eingabe: erwartet');
    expect(text).not.toContain('Entrada inv');
  });

  it('the bundle computes the same report as the sources (fixed --at)', () => {
    const args = [BIN, '--data-dir', data, 'report', 'bundled', '--json', '--at', '2026-01-17T12:30:00.000Z'];
    const bundled = node(args);
    const sources = node(args, { TAGPULSE_FROM_SOURCE: '1' });
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(sources.code, sources.stderr).toBe(0);
    const report = JSON.parse(bundled.stdout) as { observations: number; changePoints: unknown[] };
    expect(report.observations).toBe(397); // the rows up to --at (hourly from 2026-01-01)
    expect(JSON.parse(bundled.stdout)).toEqual(JSON.parse(sources.stdout));
  });

  it('the dashboard assets path in the bundle resolves to the prebuilt assets (dist/dashboard/assets)', () => {
    const cli = join(ROOT, 'dist', 'cli');
    const holders = readdirSync(cli).filter((f) => /^bundle-.*\.js$/.test(f) && readFileSync(join(cli, f), 'utf8').includes('PREBUILT_DIR'));
    expect(holders.length).toBe(1);
    // whitespace-tolerant: the bundle is minified (whitespace and syntax) since the report helper's figure-6b work
    const m = /PREBUILT_DIR\s*=\s*fileURLToPath\(new URL\("([^"]+)",\s*import\.meta\.url\)\)/.exec(readFileSync(join(cli, holders[0]!), 'utf8'));
    expect(m, 'PREBUILT_DIR expression').not.toBeNull();
    const dir = fileURLToPath(new URL(m![1]!, `file://${join(cli, holders[0]!)}`));
    expect(dir).toBe(join(ROOT, 'dist', 'dashboard', 'assets') + '/');
    expect(existsSync(join(dir, 'app.js'))).toBe(true);
  });
});
