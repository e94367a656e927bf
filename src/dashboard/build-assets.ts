/**
 * Bundles the dashboard's browser client (TypeScript in src/dashboard/client) with esbuild into one JS and one CSS
 * file. Run as a script (dist/dashboard/build-assets.js, the last step of `npm run build`) it writes them to
 * dist/dashboard/assets/ and then the build stamp dist/.build-stamp, so the server reads prebuilt files and esbuild
 * stays a dev dependency. From the sources (tests, `TAGPULSE_FROM_SOURCE`) assets.ts calls bundleClient() directly.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Client sources; src/dashboard and dist/dashboard are both two levels below the package root. */
const CLIENT_DIR = fileURLToPath(new URL('../../src/dashboard/client/', import.meta.url));

export const ASSET_FILES = { js: 'app.js', css: 'app.css' } as const;

export async function bundleClient(): Promise<{ js: Buffer; css: Buffer }> {
  const esbuild = await import('esbuild');
  const [js, css] = await Promise.all([
    esbuild.build({ entryPoints: [`${CLIENT_DIR}main.ts`], bundle: true, write: false, format: 'iife', target: 'es2020', minify: true, legalComments: 'none', logLevel: 'silent' }),
    esbuild.transform(readFileSync(`${CLIENT_DIR}style.css`, 'utf8'), { loader: 'css', minify: true }),
  ]);
  return { js: Buffer.from(js.outputFiles[0]!.contents), css: Buffer.from(css.code) };
}

// run as the build's script only: never from a CLI bundle chunk that holds this module (scripts/build.mjs)
if (process.argv[1] && import.meta.url.endsWith('/build-assets.js') && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = fileURLToPath(new URL('./assets/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const b = await bundleClient();
  writeFileSync(`${out}${ASSET_FILES.js}`, b.js);
  writeFileSync(`${out}${ASSET_FILES.css}`, b.css);
  writeFileSync(fileURLToPath(new URL('../.build-stamp', import.meta.url)), `${new Date().toISOString()}\n`);
}
