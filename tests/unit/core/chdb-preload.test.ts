/**
 * Issue 15, figure 6b: bin/chdb-preload.js starts loading chDB's engine on a worker thread when the command line will
 * open the embedded store. These tests pin when it does (only then: never for help, a ClickHouse server, or a command
 * that does not open the store) and that its reading of the command line is the CLI's own (commands-index.ts).
 * tests/integration/cli/chdb-preload.test.ts runs the preload itself, on real chDB.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRELOAD_COMMANDS, VALUE_OPTIONS as BIN_VALUE_OPTIONS, preloadCommand, willOpenEmbeddedStore } from '../../../bin/chdb-preload.js';
import { commandName, commandOnLine, COMMANDS, VALUE_OPTIONS } from '../../../src/cli/commands-index.ts';
import { mulberry32 } from '../../../src/analytics/math.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('chDB preload: which command lines', () => {
  it('reads the command as commandOnLine does, for random command lines without help', () => {
    expect([...BIN_VALUE_OPTIONS].sort()).toEqual([...VALUE_OPTIONS].sort());
    const words = ['report', 'status', 'x', 'help', '--data-dir', '--log-level', '--json', '--at', '2026-01-01', '--clickhouse-url', '--config', 'import', '--', '-p', 'run'];
    const rnd = mulberry32(15);
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const args = Array.from({ length: Math.floor(rnd() * 6) }, () => words[Math.floor(rnd() * words.length)]!);
      const line = commandOnLine(args);
      const bin = preloadCommand(args);
      // `help <name>` names a command for commandOnLine; the preload reads it as `help` (no store), on purpose
      if (bin === 'help') continue;
      expect(bin, args.join(' ')).toBe(line);
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('names only commands of the command table, each of which opens the store (withStore, or openStore for migrate)', () => {
    const names = new Map(COMMANDS.map((e) => [commandName(e), e]));
    for (const c of PRELOAD_COMMANDS) {
      expect(names.has(c), c).toBe(true);
      const file = join('src/cli/commands', `${c}.ts`);
      expect(readFileSync(file, 'utf8'), file).toMatch(/\b(withStore|openStore)\(/);
    }
    // and every command module that opens a store for one command is in the set
    for (const name of names.keys()) {
      let src: string;
      try {
        src = readFileSync(join('src/cli/commands', `${name}.ts`), 'utf8');
      } catch {
        continue; // serve lives in dashboard-commands.ts: a server, not a one-shot command
      }
      if (/\b(withStore|openStore)\(/.test(src)) expect(PRELOAD_COMMANDS.has(name), name).toBe(true);
    }
  });

  it('preloads for a store command on the embedded default, and not for help, other commands or a server', () => {
    const { dir, cleanup } = tempDir();
    try {
      const env = {};
      const yes = (args: string[], e: Record<string, string | undefined> = env) => willOpenEmbeddedStore(args, e, dir);
      expect(yes(['report', 'x', '--json'])).toBe(true);
      expect(yes(['--data-dir', '/tmp/d', 'import', 'f.csv'])).toBe(true);
      expect(yes(['--data-dir', 'report', 'status'])).toBe(true); // a data dir named report
      expect(yes(['--help'])).toBe(false);
      expect(yes(['report', '--help'])).toBe(false);
      expect(yes(['help', 'report'])).toBe(false);
      expect(yes([])).toBe(false);
      expect(yes(['parse', 'page.html'])).toBe(false);
      expect(yes(['run'])).toBe(false);
      expect(yes(['config'])).toBe(false);
      expect(yes(['report', 'x', '--clickhouse-url', 'http://127.0.0.1:8123'])).toBe(false);
      expect(yes(['--clickhouse-url=http://127.0.0.1:8123', 'report', 'x'])).toBe(false);
      expect(yes(['report', 'x'], { TAGPULSE_CLICKHOUSE_URL: 'http://127.0.0.1:8123' })).toBe(false);
      expect(yes(['report', 'x'], { TAGPULSE_CLICKHOUSE_URL: '' })).toBe(true); // empty is unset, as in the config
      expect(yes(['report', 'x'], { TAGPULSE_CHDB_PRELOAD: '0' })).toBe(false);
      // a config file that names a server
      writeFileSync(join(dir, 'tagpulse.config.json'), JSON.stringify({ clickhouseUrl: 'http://127.0.0.1:8123' }));
      expect(yes(['report', 'x'])).toBe(false);
      writeFileSync(join(dir, 'tagpulse.config.json'), JSON.stringify({ logLevel: 'debug' }));
      expect(yes(['report', 'x'])).toBe(true);
      writeFileSync(join(dir, 'tagpulse.config.json'), '{ not json');
      expect(yes(['report', 'x'])).toBe(false); // the config reports it; nothing is started
      writeFileSync(join(dir, 'other.json'), JSON.stringify({ clickhouseUrl: 'http://127.0.0.1:8123' }));
      expect(yes(['--config', 'other.json', 'report', 'x'])).toBe(false);
      expect(yes(['report', 'x'], { TAGPULSE_CONFIG: 'other.json' })).toBe(false);
    } finally {
      cleanup();
    }
  });
});
