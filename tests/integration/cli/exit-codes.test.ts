/**
 * Issue 14, finding 8: one exit-code table (src/cli/exit-codes.ts), written once in docs/exit-codes.md, and the
 * commands use it. `report`, `compare` and `export` of an unknown tag exit NO_DATA (they exited 0 before); a usage
 * error from commander exits USAGE (it exited 1, like a crash); a locked store, a strict import's refusal and a
 * sample's give-up no longer share 2 with usage errors. Real chDB in a temp data dir; one real `tagpulse` process for
 * the usage error (commander's own exit path).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, EXIT_DESCRIPTIONS, type ExitName } from '../../../src/cli/exit-codes.ts';
import { describeError, withStore } from '../../../src/cli/common.ts';
import { runReport } from '../../../src/cli/commands/report.ts';
import { runCompare } from '../../../src/cli/commands/compare.ts';
import { runExport } from '../../../src/cli/commands/export.ts';
import { runImport } from '../../../src/cli/commands/import.ts';
import { StoreLockedError } from '../../../src/store/errors.ts';
import { ExportSecretError } from '../../../src/services/export.ts';
import { EventNotFoundError } from '../../../src/services/events.ts';
import { ConfigError } from '../../../src/config/config.ts';
import { captureIo } from '../../unit/collectors/helpers.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/tmp.ts';

const DOC = readFileSync(new URL('../../../docs/exit-codes.md', import.meta.url), 'utf8');

describe('exit-code table', () => {
  it('docs/exit-codes.md lists exactly the codes of src/cli/exit-codes.ts, each once, with the same meaning', () => {
    const rows = [...DOC.matchAll(/^\|\s*(\d+)\s*\|\s*`([A-Z_]+)`\s*\|\s*(.+?)\s*\|$/gm)].map((m) => ({ code: Number(m[1]), name: m[2] as ExitName, text: m[3] }));
    expect(rows.map((r) => [r.name, r.code])).toEqual(Object.entries(EXIT));
    for (const r of rows) expect(r.text).toBe(EXIT_DESCRIPTIONS[r.name]);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length); // no two meanings share a code
  });

  it('the README points to the table', () => {
    expect(readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')).toContain('docs/exit-codes.md');
  });

  it('errors map to distinct codes: locked store, refusal, not found, usage, runtime', () => {
    expect(describeError(new StoreLockedError('the data dir x is in use')).exitCode).toBe(EXIT.STORE_LOCKED);
    expect(describeError(new ExportSecretError()).exitCode).toBe(EXIT.REFUSED);
    expect(describeError(new EventNotFoundError('no event "x"')).exitCode).toBe(EXIT.NO_DATA);
    expect(describeError(new ConfigError('bad apiPort')).exitCode).toBe(EXIT.USAGE);
    expect(describeError(new Error('boom')).exitCode).toBe(EXIT.ERROR);
    expect(EXIT.STORE_LOCKED).not.toBe(EXIT.USAGE);
  });
});

describe('commands exit with the documented code', () => {
  const t = tempDir();
  const dataDir = join(t.dir, 'data');
  const base = { dataDir, logLevel: 'silent' };

  beforeAll(async () => {
    const csv = join(t.dir, 'known.csv');
    writeFileSync(csv, ['platform,tag,metric,observed_at,value', 'tiktok,knowntag,views,2024-09-01T00:00:00Z,1000', 'tiktok,knowntag,views,2024-09-02T00:00:00Z,2000'].join('\n'));
    expect(await runImport({ ...base, file: csv }, captureIo())).toBe(EXIT.OK);
  });
  afterAll(() => t.cleanup());

  it('report: a known tag exits 0, an unknown tag exits NO_DATA (3), also with --json', async () => {
    expect(await runReport({ ...base, tag: 'knowntag' }, captureIo())).toBe(EXIT.OK);
    const io = captureIo();
    expect(await runReport({ ...base, tag: 'nosuchtag' }, io)).toBe(EXIT.NO_DATA);
    expect(io.lines.join('\n')).toMatch(/no observations yet/);
    const json = captureIo();
    expect(await runReport({ ...base, tag: 'nosuchtag', json: true }, json)).toBe(EXIT.NO_DATA);
    expect(JSON.parse(json.lines.join('\n')).latest).toBeNull();
  });

  it('compare: exits NO_DATA and names the tag when one of the tags has no data', async () => {
    expect(await runCompare({ ...base, tags: ['knowntag'] }, captureIo())).toBe(EXIT.OK);
    const io = captureIo();
    expect(await runCompare({ ...base, tags: ['knowntag', 'nosuchtag'] }, io)).toBe(EXIT.NO_DATA);
    expect(io.errors.join('\n')).toMatch(/no data: #nosuchtag has no observations on tiktok/);
  });

  it('export: exits NO_DATA and writes no file when nothing matches', async () => {
    const cwd = join(t.dir, 'exports');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cwd);
    expect(await runExport({ ...base, tags: 'knowntag' }, captureIo(), cwd)).toBe(EXIT.OK);
    const before = readdirSync(cwd).length;
    const io = captureIo();
    expect(await runExport({ ...base, tags: 'nosuchtag' }, io, cwd)).toBe(EXIT.NO_DATA);
    expect(io.errors.join('\n')).toMatch(/no data: no observations match #nosuchtag.*nothing written/);
    expect(readdirSync(cwd).length).toBe(before);
  });

  it('import: a file whose every row is bad is a usage error (2), not a crash', async () => {
    const bad = join(t.dir, 'bad.csv');
    writeFileSync(bad, ['platform,tag,metric,observed_at,value', 'tiktok,x,views,2024-09-01T00:00:00Z,1e3'].join('\n'));
    expect(await runImport({ ...base, file: bad }, captureIo())).toBe(EXIT.USAGE);
  });

  it('a store held by another process exits STORE_LOCKED (4), with what to do', async () => {
    // This process holds the data dir (open chDB) while a real second process tries to read it.
    await withStore({ ...(await import('../../helpers/config.ts')).testConfig({ dataDir }) }, 'hold', async () => {
      const r = await runCli(['report', 'knowntag', '--data-dir', dataDir]);
      expect(r.stderr).toMatch(/error: .*in use/);
      expect(r.code).toBe(EXIT.STORE_LOCKED);
    });
  }, 90_000);

  it('a usage error from the command line (unknown option, missing argument) exits USAGE (2)', async () => {
    const unknown = await runCli(['report', 'knowntag', '--no-such-flag', '--data-dir', dataDir]);
    expect(unknown.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(unknown.code).toBe(EXIT.USAGE);
    const missing = await runCli(['report', '--data-dir', dataDir]);
    expect(missing.stderr).toMatch(/missing required argument 'tag'/);
    expect(missing.code).toBe(EXIT.USAGE);
    const help = await runCli(['--help']);
    expect(help.code).toBe(EXIT.OK);
  }, 90_000);
});
