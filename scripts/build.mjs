#!/usr/bin/env node
/**
 * `npm run build` (also on install, as `prepare`, and before `npm test`): compile src/ to dist/ with tsc, bundle the
 * CLI, then bundle the dashboard's browser client into dist/dashboard/assets (dist/dashboard/build-assets.js), whose
 * last step writes dist/.build-stamp. bin/tagpulse.js runs dist only while that stamp is newer than every file in src/.
 *
 * The CLI bundle: esbuild bundles the compiled entry dist/cli/main.js into dist/cli/bundle-main.js plus code-split
 * chunks (dist/cli/bundle-*.js, one per lazily loaded command and their shared code), with zod, commander,
 * @clickhouse/client, csv-parse and ipaddr.js inside. Why: Node 20 has no compile cache, and resolving and reading
 * ~160 separate modules (94 of them zod's) cost `tagpulse report --json` about a tenth of its CPU (bench figure 6b).
 * Packages that load files by path or are native (chdb, bullmq's Lua scripts, pino's transports, playwright-core)
 * and the dev tools stay external; chDB's pure-JS adapter for the client (chdb/connection) is bundled, its engine not
 * (chdbConnectionInside). The chunks sit in dist/cli, two levels below the package root like every dist
 * module, so paths relative to a module (package.json, src/dashboard/client) resolve as they do unbundled. The tsc
 * output stays as it is (tsc's incremental build re-emits only changed files, so its output is never overwritten);
 * bin/tagpulse.js runs bundle-main.js, or main.js when a build had no esbuild. Every build first deletes the old
 * bundle files, so a bundle is never older than the tsc output beside it.
 *
 *   node scripts/build.mjs [--if-stale]
 *
 * --if-stale: do nothing when dist is current. Without typescript (a production install) there is nothing to build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
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
/** Packages bundled into the CLI; every other dependency stays external (see above). */
export const BUNDLED = ['zod', 'commander', '@clickhouse/client', 'csv-parse', 'ipaddr.js'];

/**
 * chDB's adapter for @clickhouse/client (`chdb/connection`, plain CommonJS) goes into the bundle, and only chDB itself
 * (its native engine, `chdb`) stays external. Why: the adapter requires @clickhouse/client-common, which the bundled
 * @clickhouse/client already carries; left external, a chDB command resolved, read and compiled that package's ~25
 * files a second time (~20 ms CPU of `tagpulse report --json`, bench figure 6b). Inside, both use the one bundled copy.
 * The adapter's one path back to chDB (`require("../../index.js")`) is rewritten to the external `chdb`, which Node
 * resolves to that same file, so the engine module (and its pending-work registry, drainPending) is one instance.
 */
const chdbConnectionInside = {
  name: 'chdb-connection-inside',
  setup(build) {
    const require = createRequire(join(root, 'package.json'));
    const connectionDir = dirname(require.resolve('chdb/connection'));
    const chdbIndex = require.resolve('chdb');
    // through an ES module that names the adapter's exports: an `import()` of the CommonJS file itself would give its
    // exports as `default` only (a code-split chunk), not as the named exports clickhouse-store.ts reads
    build.onResolve({ filter: /^chdb\/connection$/ }, () => ({ path: 'chdb/connection', namespace: 'chdb-connection-inside' }));
    build.onLoad({ filter: /.*/, namespace: 'chdb-connection-inside' }, () => ({
      contents: `export { createChdbConnection, ChdbConnection } from ${JSON.stringify(join(connectionDir, 'index.js'))};\n`,
      resolveDir: connectionDir,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\.?\// }, (a) => (a.resolveDir === connectionDir && join(a.resolveDir, a.path) === chdbIndex ? { path: 'chdb', external: true } : undefined));
  },
};

async function bundleCli() {
  const cliDir = join(root, 'dist', 'cli');
  for (const f of readdirSync(cliDir)) if (/^bundle-.*\.js$/.test(f)) rmSync(join(cliDir, f));
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('build: esbuild is not installed; the CLI runs the unbundled tsc output\n');
    return;
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].filter((p) => !BUNDLED.includes(p));
  await esbuild.build({
    entryPoints: [{ in: join(cliDir, 'main.js'), out: 'bundle-main' }],
    outdir: cliDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'bundle-[name]-[hash]',
    external,
    plugins: [chdbConnectionInside],
    // CommonJS packages inside the bundle (commander, @clickhouse/client) require Node's built-ins
    banner: { js: "import { createRequire as __tagpulseCreateRequire } from 'node:module'; const require = __tagpulseCreateRequire(import.meta.url);" },
    // whitespace and syntax only (names stay, so stack traces and error names read as in the sources): a third less
    // source for V8 to scan at every start (figure 6b)
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
}

step([tsc, '-p', 'tsconfig.build.json']);
try {
  await bundleCli();
} catch (e) {
  process.stderr.write(`build: bundling the CLI failed: ${e?.message ?? e}\n`);
  process.exit(1);
}
step([join(root, 'dist', 'dashboard', 'build-assets.js')]);
