/**
 * Issue 15, CLI start: the CLI loads only the module of the command on the command line. The lazy table
 * (commands-index.ts) must describe exactly the commands of the full tree (program.ts), so both print the same help,
 * and naming a command gives that command its real options.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distState, STAMP } from '../../../bin/dist-state.js';
import { importsOf, sourceFiles, staticClosure } from '../../helpers/imports.ts';
import { buildProgram } from '../../../src/cli/program.ts';
import { buildLazyProgram, commandOnLine, COMMANDS, commandName } from '../../../src/cli/commands-index.ts';

describe('lazy command table', () => {
  it('prints the same top-level help as the full command tree', async () => {
    const lazy = await buildLazyProgram(['--help']);
    expect(lazy.helpInformation()).toBe(buildProgram().helpInformation());
  });

  it('configures the named command from its module, with the same help as the full tree', async () => {
    const full = buildProgram();
    for (const entry of COMMANDS) {
      const name = commandName(entry);
      const lazy = await buildLazyProgram(['--data-dir', 'x', name, '--help']);
      const a = lazy.commands.find((c) => c.name() === name)!;
      const b = full.commands.find((c) => c.name() === name)!;
      expect(a.helpInformation(), name).toBe(b.helpInformation());
      expect(a.commands.map((c) => c.name()), name).toEqual(b.commands.map((c) => c.name()));
    }
  });

  it('finds the command after global options, and after `help`', () => {
    expect(commandOnLine(['--data-dir', 'report', 'report', 'x'])).toBe('report');
    expect(commandOnLine(['--log-level', 'debug', 'help', 'status'])).toBe('status');
    expect(commandOnLine(['--help'])).toBeUndefined();
  });
});

describe('what the CLI loads at start', () => {
  it('main.ts loads commander and nothing else until a command is named (no bullmq, ioredis, ClickHouse client, zod, pino)', () => {
    const { packages, files } = staticClosure('src/cli/main.ts');
    expect([...packages.keys()]).toEqual(['commander']);
    expect(files.map((f) => f.replace(/.*\/src\//, 'src/')).sort()).toEqual(['src/cli/commands-index.ts', 'src/cli/exit-codes.ts', 'src/cli/globals.ts', 'src/cli/main.ts']);
  });

  it('`report` does not load the queue (bullmq, ioredis), the collectors or the dashboard', () => {
    const { packages, files } = staticClosure('src/cli/commands/report.ts');
    for (const p of ['bullmq', 'ioredis', 'playwright-core', 'esbuild', 'tsx']) expect(packages.has(p), p).toBe(false);
    expect(files.filter((f) => /\/(queue|workers|collectors|dashboard|runtime)\//.test(f))).toEqual([]);
  });
});

describe('what commands load at start', () => {
  it('no command loads undici at start: http.ts imports it on its first request (status, doctor and run/serve reach http.ts through collectors/registry.ts)', () => {
    const dir = 'src/cli/commands';
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect(staticClosure(join(dir, f)).packages.has('undici'), f).toBe(false);
    // the request path still uses it (a dynamic import)
    const refs = importsOf(readFileSync('src/collectors/common/http.ts', 'utf8')).filter((r) => r.specifier === 'undici' && !r.typeOnly);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.every((r) => r.dynamic)).toBe(true);
  });

  it('`status` loads ioredis and bullmq only when there is a Redis to ask (a dynamic import in readQueues)', () => {
    const { packages } = staticClosure('src/cli/commands/status.ts');
    for (const p of ['ioredis', 'bullmq', 'undici']) expect(packages.has(p), p).toBe(false);
  });

  it('zod is imported as a namespace (import * as z), which lets the CLI bundle leave out the zod the code does not use', () => {
    // `import { z } from 'zod'` binds zod's namespace object as a value, and esbuild then keeps every export of it (its
    // ~45 locales, JSON-schema conversion): 582 KB of the 950 KB `report` loaded, against 152 KB with the namespace import
    const bad: string[] = [];
    for (const file of sourceFiles('src')) {
      const lines = readFileSync(file, 'utf8').split('\n');
      for (const r of importsOf(lines.join('\n'))) {
        if (r.specifier !== 'zod' || r.typeOnly || r.dynamic) continue;
        if (lines[r.line - 1]!.trim() !== "import * as z from 'zod';") bad.push(`${file}:${r.line}: ${lines[r.line - 1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('bin/tagpulse.js never runs a stale build', () => {
  const tree = () => {
    const root = mkdtempSync(join(tmpdir(), 'tagpulse-dist-'));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), '');
    return root;
  };
  const setMtime = (p: string, s: number) => utimesSync(p, s, s);

  it('is current only while the build stamp is at least as new as every source file', () => {
    const root = tree();
    try {
      expect(distState(root)).toBe('missing'); // compiled, but the build never finished (no stamp)
      writeFileSync(join(root, STAMP), '');
      setMtime(join(root, 'src', 'cli', 'main.ts'), 1_000);
      setMtime(join(root, STAMP), 2_000);
      expect(distState(root)).toBe('current');
      setMtime(join(root, 'src', 'cli', 'main.ts'), 3_000); // a source edited after the build
      expect(distState(root)).toBe('stale');
      rmSync(join(root, 'src'), { recursive: true }); // an install without sources runs what it has
      expect(distState(root)).toBe('current');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
