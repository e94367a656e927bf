import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFields } from '../../../src/config/config.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('documents every config field and its env name', () => {
    for (const [key, def] of Object.entries(configFields)) {
      expect(readme, key).toContain(`\`${key}\``);
      expect(readme, def.env).toContain(`\`${def.env}\``);
    }
  });
  it('gives the two set-up commands, and CI runs exactly the test one', () => {
    expect(readme).toContain('scripts/setup.sh && npm start');
    expect(readme).toContain('scripts/setup.sh && npm test');
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    expect(ci.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '))).toEqual(['scripts/setup.sh && npm test']);
  });

  it('lists only commands that exist, and every command that exists', async () => {
    const { buildProgram } = await import('../../../src/cli/program.ts');
    const names = buildProgram().commands.map((c) => c.name()).filter((n) => n !== 'help');
    const documented = new Set([...readme.matchAll(/^\| `tagpulse ([a-z]+)/gm)].map((m) => m[1]!));
    expect([...documented].sort()).toEqual([...names].sort());
  });
});
