/**
 * Issue 14, findings 5 and 7: scripts/setup.sh on machines other than this Debian one, and browser tests that fail
 * (never skip) without a browser. setup.sh runs for real in CI (.ci/run); here its decisions are checked in dry-run
 * mode (TAGPULSE_SETUP_DRY_RUN=1) on a PATH built for each case (fake `node`, `id`, `apt-get`), so no case installs
 * anything. The Playwright download fallback itself cannot run on this machine (no internet beyond npm): only the
 * decision to use it is tested.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, requireChromium } from '../../helpers/chromium.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SETUP = join(ROOT, 'scripts', 'setup.sh');

/** Commands setup.sh needs from the system, linked into a private bin dir; `fakes` replace or add commands. */
function withPath(fakes: Record<string, string | null>, fn: (path: string) => void): void {
  const bin = mkdtempSync(join(tmpdir(), 'tagpulse-setup-bin-'));
  try {
    const which = (c: string) => spawnSync('bash', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim();
    for (const c of ['bash', 'env', 'uname', 'id', 'sed', 'cut', 'dirname', 'mkdir', 'cat', 'rm', 'node', 'npm', 'npx', 'redis-server']) {
      if (c in fakes) continue;
      const p = which(c);
      if (p) symlinkSync(p, join(bin, c));
    }
    for (const [c, body] of Object.entries(fakes)) {
      if (body === null) continue; // absent
      writeFileSync(join(bin, c), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, c), 0o755);
    }
    fn(bin);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

function setup(path: string, dry = true): { code: number | null; out: string } {
  const env: Record<string, string> = { PATH: path, HOME: tmpdir() };
  if (dry) env.TAGPULSE_SETUP_DRY_RUN = '1';
  const r = spawnSync('/bin/bash', [SETUP], { env, encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('scripts/setup.sh', () => {
  it('is valid bash', () => {
    expect(spawnSync('bash', ['-n', SETUP], { encoding: 'utf8' }).status).toBe(0);
  });

  it('without Node: stops with advice (nvm, NodeSource, Homebrew) instead of "npm: command not found"', () => {
    withPath({ node: null, npm: null, npx: null }, (bin) => {
      const r = setup(bin);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/Node\.js was not found/);
      expect(r.out).toMatch(/nvm install 20/);
      expect(r.out).toMatch(/deb\.nodesource\.com\/setup_20\.x/);
      expect(r.out).toMatch(/brew install node@20/);
      expect(r.out).not.toMatch(/command not found/);
    });
  });

  it('with Node 20.10 (no import.meta.dirname) or 18: too old, with the same advice', () => {
    for (const v of ['v20.10.0', 'v18.19.1']) {
      withPath({ node: `echo ${v}` }, (bin) => {
        const r = setup(bin);
        expect(r.code, r.out).toBe(1);
        expect(r.out).toContain(`Node.js ${v.slice(1)} is too old`);
        expect(r.out).toMatch(/nvm install 20/);
      });
    }
  });

  it('on this Debian machine: nothing to install, the system Chromium is used (dry run)', () => {
    withPath({ chromium: 'echo "Chromium 1.0 fake"' }, (bin) => {
      const r = setup(`${bin}`);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/would run: .*apt-get/);
      expect(r.out).toMatch(/dry run: nothing was changed/);
    });
  });

  it('not root and no sudo: says what it needs rather than failing on a permission error', () => {
    withPath({ id: 'echo 1000', 'apt-get': 'echo apt-get "$@"', 'redis-server': null }, (bin) => {
      const r = setup(bin);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/installing redis-server needs root: run this script as root or with sudo rights, or install them yourself \(apt-get install redis-server\)/);
    });
  });

  it('as root: apt-get without sudo', () => {
    withPath({ id: 'echo 0', 'apt-get': 'echo apt-get "$@"', 'redis-server': null, chromium: 'echo "Chromium 1.0 fake"' }, (bin) => {
      const r = setup(bin);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/would run: apt-get update -qq/);
      expect(r.out).toMatch(/would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server/);
      expect(r.out).not.toMatch(/sudo/);
    });
  });

  it('no system Chromium (Ubuntu: snap only): falls back to Playwright\'s Chromium and records its path for the tests', () => {
    withPath({ 'apt-get': 'echo apt-get "$@"' }, (bin) => {
      const r = setup(bin);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/would run: npx playwright install chromium/);
      expect(r.out).toMatch(/would record .* in \.tmp\/chromium-path/);
      expect(r.out).toMatch(/export TAGPULSE_CHROMIUM_PATH=/);
    });
  });
});

describe('browser tests use the Chromium setup found, and fail without one', () => {
  it('TAGPULSE_CHROMIUM_PATH wins; a missing browser is an error that says what to do', () => {
    expect(chromiumPath({ TAGPULSE_CHROMIUM_PATH: '/opt/some/chrome' })).toBe('/opt/some/chrome');
    expect(() => requireChromium({ TAGPULSE_CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(/no Chromium at \/nonexistent\/chromium \(from TAGPULSE_CHROMIUM_PATH\).*run scripts\/setup\.sh.*TAGPULSE_CHROMIUM_PATH/);
  });

  it('no test hard-codes /usr/bin/chromium or skips when a browser is missing', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|mjs)$/.test(f)) files.push(p);
      }
    };
    walk(join(ROOT, 'tests'));
    const offenders = files
      .filter((f) => !f.endsWith(join('tests', 'unit', 'deploy', 'setup.test.ts')))
      .filter((f) => {
        const s = readFileSync(f, 'utf8');
        return /['"]\/usr\/bin\/chromium['"]/.test(s) || /skipIf\([^)]*(chromium|CHROMIUM|browser)/.test(s);
      });
    expect(offenders.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
    expect(readFileSync(join(ROOT, 'playwright.config.ts'), 'utf8')).toMatch(/chromiumPath\(\)/);
  });
});
