/**
 * The dashboard's page shell and assets. The client is TypeScript in ./client, bundled at build time by esbuild
 * (build-assets.ts, a step of `npm run build`) into one JS file, next to one CSS file, both served under a
 * content hash with a one-year immutable cache; the small HTML shell is revalidated on every load. Pages carry a
 * strict Content-Security-Policy: scripts and styles only from this origin, no inline code, no framing.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { RouteResult } from '../api/router.ts';
import { ASSET_FILES } from './build-assets.ts';

/**
 * Prebuilt assets: dist/dashboard/assets, never next to the sources. Found from the module's dir one level up, so the
 * path holds both for dist/dashboard/assets.js and for the CLI bundle's chunks in dist/cli (scripts/build.mjs).
 */
const PREBUILT_DIR = fileURLToPath(new URL('../dashboard/assets/', import.meta.url));

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f4e79"/><path d="M5 22 L11 16 L16 19 L27 8" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

interface Asset {
  name: string;
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface Bundle {
  js: Asset;
  css: Asset;
  favicon: Asset;
}

function asset(base: string, ext: string, body: Buffer, contentType: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${base}-${hash}.${ext}`, body, contentType, etag: `"${hash}"` };
}

/**
 * The client (one JS, one CSS): the files the build made when running compiled code, else (running the sources,
 * where esbuild is installed as a dev dependency) bundled now, ~50 ms once per process.
 */
export async function buildBundle(): Promise<Bundle> {
  const prebuilt = existsSync(`${PREBUILT_DIR}${ASSET_FILES.js}`);
  const { js, css } = prebuilt
    ? { js: await readFile(`${PREBUILT_DIR}${ASSET_FILES.js}`), css: await readFile(`${PREBUILT_DIR}${ASSET_FILES.css}`) }
    : await (await import('./build-assets.ts')).bundleClient();
  return {
    js: asset('app', 'js', js, 'text/javascript; charset=utf-8'),
    css: asset('app', 'css', css, 'text/css; charset=utf-8'),
    favicon: { name: 'favicon.svg', body: Buffer.from(FAVICON), contentType: 'image/svg+xml', etag: '"favicon-1"' },
  };
}

/** Serve one asset by name; a stale hash (an old page) is a 404 so a browser never caches the wrong file. */
export function serveAsset(bundle: Bundle, name: string, ifNoneMatch: string | undefined): RouteResult | undefined {
  const a = [bundle.js, bundle.css, bundle.favicon].find((x) => x.name === name);
  if (!a) return undefined;
  const headers = { 'cache-control': 'public, max-age=31536000, immutable', etag: a.etag };
  if (ifNoneMatch === a.etag) return { body: '', contentType: a.contentType, status: 304, headers };
  return { body: a.body, contentType: a.contentType, headers };
}

const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/compare', label: 'Compare' },
  { href: '/ops', label: 'Operations' },
];

/**
 * The HTML shell of every page. The client renders the view named by the path; the query string carries the view
 * state. `token` (only present beyond loopback) is forwarded to the asset URLs so they load with the same credential.
 */
export function pageShell(bundle: Bundle, path: string, token: string | undefined): RouteResult {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const nav = NAV.map((n) => `<a href="${n.href}${attr(q)}"${n.href === path ? ' aria-current="page"' : ''}>${n.label}</a>`).join('');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tagpulse</title>
<link rel="icon" href="/assets/${bundle.favicon.name}${attr(q)}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${bundle.css.name}${attr(q)}">
<script defer src="/assets/${bundle.js.name}${attr(q)}"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header"><a class="brand" href="/${attr(q)}"><span class="brand-mark" aria-hidden="true"></span>tagpulse</a><nav aria-label="Main">${nav}</nav></header>
<main id="main" tabindex="-1"><p class="loading" role="status">Loading…</p></main>
<noscript><p class="notice">The tagpulse dashboard needs JavaScript. The same data is available as JSON under /api/.</p></noscript>
</body>
</html>
`;
  return { body: html, contentType: 'text/html; charset=utf-8', headers: PAGE_HEADERS };
}
