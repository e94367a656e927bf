/**
 * Issue 15, figure 6b: bin/chdb-preload.js dlopens chDB's engine (libchdb.so) on a worker thread while the CLI loads
 * the command. On real chDB, in child processes (the process's exit is what could crash): the engine is mapped and
 * chDB's Node addon is not; the command then opens and queries the store through it; the process exits cleanly whether
 * it used chDB, never did, or exited while the dlopen was still running; chDB's JavaScript loaded ahead does not load
 * the engine; and `tagpulse report` answers the same with and without the preload.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/tmp.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const preloadUrl = pathToFileURL(join(root, 'bin', 'chdb-preload.js')).href;

/** Run an ES module body in a child Node process (cwd: the repository), with `preloadChdb`, `require` and `maps()` in scope. */
function child(body: string, env: Record<string, string> = {}): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const code = `
import { preloadChdb, CHDB_JS_MODULES } from ${JSON.stringify(preloadUrl)};
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(${JSON.stringify(join(root, 'package.json'))});
const maps = () => readFileSync('/proc/self/maps', 'utf8');
const mapped = () => ({ engine: /\\/libchdb\\.so/.test(maps()), addon: /chdb_node\\.node/.test(maps()) });
const until = async (f, ms = 20000) => { const end = Date.now() + ms; while (!f()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 5)); } };
${body}
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('chDB preload on a worker thread (real chDB)', () => {
  it('maps the engine without chDB\'s addon, and the store then opens and answers through it; the process exits cleanly', () => {
    const { dir, cleanup } = tempDir();
    try {
      for (let i = 0; i < 3; i++) {
        const r = child(`
const started = preloadChdb(${JSON.stringify(root)}, ['report', 'x'], {});
await until(() => mapped().engine);
const before = mapped();
const { Session } = require('chdb');
const s = new Session(${JSON.stringify(join(dir, 'chdb'))});
const answer = s.query('SELECT 40 + 2 AS x', 'CSV').trim();
s.close();
process.stdout.write(JSON.stringify({ started, before, answer }));
`);
        expect(r.signal, r.stderr).toBeNull();
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ started: true, before: { engine: true, addon: false }, answer: '42' });
      }
    } finally {
      cleanup();
    }
  });

  it('exits cleanly when the command never opens the store, and when it exits while the dlopen still runs', () => {
    for (let i = 0; i < 3; i++) {
      const unused = child(`
preloadChdb(${JSON.stringify(root)}, ['report', 'x'], {});
await until(() => mapped().engine);
await new Promise((r) => setTimeout(r, 50));
process.stdout.write('done');
`);
      expect(unused.signal, unused.stderr).toBeNull();
      expect(unused.status, unused.stderr).toBe(0);
      expect(unused.stdout).toBe('done');
      const early = child(`
preloadChdb(${JSON.stringify(root)}, ['report', 'x'], {});
await new Promise((r) => setTimeout(r, ${20 * i}));
process.stdout.write(String(mapped().addon));
process.exit(0);
`);
      expect(early.signal, early.stderr).toBeNull();
      expect(early.status, early.stderr).toBe(0);
      expect(early.stdout).toBe('false');
    }
  });

  it('loads chDB\'s own JavaScript ahead without loading the engine, and nothing when the command line does not need chDB', () => {
    const r = child(`
for (const m of CHDB_JS_MODULES) require(require('node:path').join(require('node:path').dirname(require.resolve('chdb')), m));
const loaded = Object.keys(require.cache).filter((f) => f.includes('/node_modules/chdb/')).length;
const none = preloadChdb(${JSON.stringify(root)}, ['parse', 'page.html'], {});
await new Promise((r) => setTimeout(r, 300));
process.stdout.write(JSON.stringify({ loaded, none, ...mapped() }));
`);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { loaded: number; none: boolean; engine: boolean; addon: boolean };
    expect(out.loaded).toBeGreaterThanOrEqual(7);
    expect(out).toMatchObject({ none: false, engine: false, addon: false });
  });

  it('`tagpulse report --json` gives the same report with and without the preload', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const lines = ['platform,tag,metric,observed_at,value,exact,step,precision'];
      let v = 1_000_000n;
      for (let i = 0; i < 200; i++) {
        v += BigInt(1000 + i * 10 + (i % 7) * 300);
        lines.push(`tiktok,preloadtag,views,${new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString()},${v},true,0,exact`);
      }
      writeFileSync(join(dir, 'series.csv'), lines.join('\n') + '\n');
      const data = join(dir, 'data');
      const imported = await runCli(['--data-dir', data, 'import', join(dir, 'series.csv')]);
      expect(imported.code, imported.stderr).toBe(0);
      const on = await runCli(['--data-dir', data, 'report', 'preloadtag', '--json']);
      const off = await runCli(['--data-dir', data, 'report', 'preloadtag', '--json'], { TAGPULSE_CHDB_PRELOAD: '0' });
      expect(on.code, on.stderr).toBe(0);
      expect(off.code, off.stderr).toBe(0);
      const strip = (s: string) => {
        const r = JSON.parse(s) as Record<string, unknown>;
        return { ...r, at: undefined, method: { ...(r.method as object), computedAt: undefined } }; // when each report was made
      };
      expect(strip(on.stdout)).toEqual(strip(off.stdout));
      expect((JSON.parse(on.stdout) as { observations: number }).observations).toBe(200);
    } finally {
      cleanup();
    }
  });
});
