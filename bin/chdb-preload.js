// Why: a one-shot command on the embedded store (`tagpulse report <tag> --json`) spends ~140 ms of its start in
// dlopen of chDB's engine (libchdb.so, ~540 MB: relocations and the engine's static initialisers), on the main
// thread, after ~150 ms of loading its own modules (zod, the ClickHouse client, the command). Both are single-threaded
// and independent, so this starts the dlopen at once on a worker thread, and the main thread's later `require('chdb')`
// finds the library loaded (the dynamic loader matches it by file identity, and serialises the two dlopens, so the
// main thread waits for a dlopen still in progress instead of starting a second). Bench figure 6b.
//
// Hand-written because no library preloads a shared object: Node has no FFI, and process.dlopen is the only way to
// dlopen from JavaScript. It loads libchdb.so directly, not chDB's Node addon (chdb_node.node): the addon registers
// itself with the worker's environment, and a worker exiting with the addon loaded crashed the process (SIGSEGV in its
// exit hooks, on chdb 3.4). libchdb.so is no Node addon, so process.dlopen throws "did not self-register" after
// loading it and then dlcloses it; RTLD_NODELETE (glibc's 0x1000, not in os.constants) keeps it mapped through that
// dlclose. Without it the library was unmapped while the worker's thread-exit destructors still pointed into it
// (SIGSEGV). The worker is unref'd: it never keeps a process alive, and nothing waits for its answer.
//
// Only on Linux with glibc (chDB's Linux builds), only for the one-shot commands that open the store (the table below),
// and only when nothing configures a ClickHouse server: a `--clickhouse-url` flag, TAGPULSE_CLICKHOUSE_URL, or a
// clickhouseUrl in the config file (--config, TAGPULSE_CONFIG or ./tagpulse.config.json). When in doubt it does
// nothing, and the command loads chDB as before. TAGPULSE_CHDB_PRELOAD=0 turns it off (README, CLI): read here, from the
// environment only, because this runs before the configuration is loaded.
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** One-shot commands that open the store (src/cli/commands/*.ts through withStore or openStore; tests/unit/core/chdb-preload.test.ts). */
export const PRELOAD_COMMANDS = new Set(['alerts', 'backfill', 'compare', 'event', 'export', 'import', 'leaderboard', 'migrate', 'report', 'sample', 'status', 'track']);

/** Global options that take a value (src/cli/commands-index.ts VALUE_OPTIONS; the test checks both agree). */
export const VALUE_OPTIONS = new Set(['--data-dir', '--clickhouse-url', '--redis-url', '--log-level', '--log-format', '--config']);

/** glibc's RTLD_NODELETE | RTLD_LAZY. */
const RTLD_NODELETE_LAZY = 0x1000 | 0x1;

/** The value of a global option (`--name v` or `--name=v`), if given. */
function optionValue(args, name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(name + '=')) return args[i].slice(name.length + 1);
  }
  return undefined;
}

/** The command on the line, as commandOnLine (src/cli/commands-index.ts) reads it, or undefined for help. */
export function preloadCommand(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return undefined;
    if (a === '-h' || a === '--help' || a === '-V' || a === '--version') return undefined;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return a;
  }
  return undefined;
}

/** Whether this command line will open the embedded chDB store (false when unsure). */
export function willOpenEmbeddedStore(args, env, cwd = process.cwd()) {
  if (process.platform !== 'linux') return false;
  if (env.TAGPULSE_CHDB_PRELOAD === '0') return false;
  if (args.some((a) => a === '-h' || a === '--help')) return false;
  const command = preloadCommand(args);
  if (command === undefined || !PRELOAD_COMMANDS.has(command)) return false;
  if (optionValue(args, '--clickhouse-url') !== undefined || env.TAGPULSE_CLICKHOUSE_URL) return false;
  const file = optionValue(args, '--config') ?? env.TAGPULSE_CONFIG ?? 'tagpulse.config.json';
  const path = resolve(cwd, file);
  if (existsSync(path)) {
    try {
      const cfg = JSON.parse(readFileSync(path, 'utf8'));
      if (cfg === null || typeof cfg !== 'object' || cfg.clickhouseUrl !== undefined) return false;
    } catch {
      return false; // the config reports it
    }
  }
  return true;
}

// The worker's code: find libchdb.so beside chDB's platform addon (as chdb/dist/loader.js does) and load it.
const WORKER_SOURCE = `
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { root, flags } = require('node:worker_threads').workerData;
const arch = process.arch === 'arm64' ? 'arm64' : process.arch === 'x64' ? 'x64' : null;
if (arch) {
  try {
    const dir = dirname(createRequire(join(root, 'package.json')).resolve('@chdb/lib-linux-' + arch + '-gnu/package.json'));
    process.dlopen({ exports: {} }, join(dir, 'libchdb.so'), flags);
  } catch {
    // "did not self-register" once loaded (expected), or no chDB here: the command loads chDB itself either way
  }
}
`;

/**
 * chDB's own JavaScript modules, which its index.js requires after its native addon (chdb 3.4). Loaded here first,
 * while the worker's dlopen runs, the main thread has them ready instead of loading them (~20 ms) after waiting for
 * that dlopen. None of them loads the addon (the test checks). A path that is not there (another chDB version) is
 * skipped: it only costs the head start.
 */
export const CHDB_JS_MODULES = ['dist/errors.js', 'dist/serialize.js', 'dist/result.js', 'dist/insert.js', 'dist/rawInsert.js', 'dist/streamInsert.js', 'dist/layer3/index.js'];

/** Start loading chDB's engine on a worker thread when this command line will need it. Never throws. */
export function preloadChdb(root, args = process.argv.slice(2), env = process.env) {
  try {
    if (!willOpenEmbeddedStore(args, env)) return false;
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { root, flags: RTLD_NODELETE_LAZY }, env: SHARE_ENV });
    worker.on('error', () => {});
    worker.unref();
  } catch {
    return false;
  }
  try {
    const require = createRequire(join(root, 'package.json'));
    const base = dirname(require.resolve('chdb'));
    for (const m of CHDB_JS_MODULES) {
      try {
        require(join(base, m));
      } catch {
        // not in this chDB version
      }
    }
  } catch {
    // no chDB here: the command says so when it opens the store
  }
  return true;
}
