import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { runParse } from '../../../src/cli/commands/parse.ts';

const fx = (f: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'tiktok', f);

function capture() {
  const lines: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), isTTY: false }, lines };
}

describe('tagpulse parse', () => {
  it('prints one JSON line per observation with file, tag, metric, exact value, step and source', async () => {
    const { io, lines } = capture();
    const code = await runParse({ files: [fx('rehydration-2024.html'), fx('h2-views-2023.html')], json: true }, io);
    expect(code).toBe(0);
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) {
      expect(r).toHaveProperty('file');
      expect(r.platform).toBe('tiktok');
      expect(r.value).toMatch(/^[1-9]\d*$/);
      expect(typeof r.exact).toBe('boolean');
      expect(r.source).toMatch(/^tiktok\./);
    }
    const exact = rows.find((r) => r.source === 'tiktok.rehydration.statsV2');
    expect(exact).toMatchObject({ exact: true, step: '0' });
    const text = rows.find((r) => r.source === 'tiktok.page.text');
    expect(text).toMatchObject({ exact: false, metric: 'views' });
    expect(Number(text.step)).toBeGreaterThan(0);
  });

  it('prints failures with their kind and exits non-zero', async () => {
    const { io, lines } = capture();
    const code = await runParse({ files: [fx('captcha.json'), fx('not-found.html'), fx('empty.html'), '/nonexistent/file.html'], json: true }, io);
    expect(code).toBe(1);
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.map((r) => r.error.kind)).toEqual(['captcha', 'not_found', 'empty', 'missing_file']);
    for (const r of rows) expect(r.error.message.length).toBeGreaterThan(5);
  });
});
