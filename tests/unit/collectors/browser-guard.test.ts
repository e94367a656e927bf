import { describe, expect, it } from 'vitest';
import { createBrowserGuard } from '../../../src/collectors/common/browser-guard.ts';

const dnsTable: Record<string, string[]> = {
  'sf16-website.tiktokcdn.com': ['23.45.67.89'],
  'evil.tiktokcdn.com': ['10.0.0.5'],
  'mixed.ttwstatic.com': ['23.1.1.1', '127.0.0.1'],
};
const lookup = async (host: string) => {
  const a = dnsTable[host];
  if (!a) throw new Error('ENOTFOUND');
  return a;
};

describe('browser request guard', () => {
  const guard = createBrowserGuard({ origin: 'http://127.0.0.1:4100', allowedHostSuffixes: ['tiktokcdn.com', '.ttwstatic.com'], lookup });

  it('allows the configured origin, even on loopback', async () => {
    expect(await guard.check('http://127.0.0.1:4100/tag/x?lang=en')).toEqual({ allowed: true });
    expect(await guard.check('http://127.0.0.1:4100/api/challenge/detail/?challengeName=x')).toEqual({ allowed: true });
  });

  it('refuses other loopback ports, private addresses and metadata endpoints', async () => {
    for (const url of ['http://127.0.0.1:4101/', 'http://localhost:4100/', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://[::1]:4100/']) {
      expect((await guard.check(url)).allowed, url).toBe(false);
    }
  });

  it('allows public hosts under an allowed suffix, and only if every address is public', async () => {
    expect(await guard.check('https://sf16-website.tiktokcdn.com/obj/app.js')).toEqual({ allowed: true });
    expect((await guard.check('https://evil.tiktokcdn.com/x')).allowed).toBe(false);
    expect((await guard.check('https://mixed.ttwstatic.com/x')).allowed).toBe(false);
    expect((await guard.check('https://unknown.tiktokcdn.com/x')).allowed).toBe(false); // does not resolve
    expect((await guard.check('https://nottiktokcdn.com/x')).allowed).toBe(false); // suffix must be a domain boundary
    expect((await guard.check('https://example.com/x')).allowed).toBe(false);
  });

  it('refuses non-http schemes and records what it refused', async () => {
    expect((await guard.check('file:///etc/passwd')).allowed).toBe(false);
    expect((await guard.check('ftp://127.0.0.1:4100/')).allowed).toBe(false);
    expect(guard.refused.map((r) => r.url)).toContain('file:///etc/passwd');
    expect(guard.refused.every((r) => r.reason.length > 5)).toBe(true);
  });
});
