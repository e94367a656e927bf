/**
 * The README's benchmark table is generated from bench results (issue 15): it is exactly what scripts/bench-table.ts
 * renders, every row links a results file in the repository, and for every figure the row shows the title and target
 * of the newest results file that has it. Numbers of a run are not compared (they vary by run); the format is: a
 * results file the script cannot parse fails here.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeRows, parseReadmeTable, parseResults, readmeBlock, renderTable, updateReadme, RESULTS_HEADER } from '../../../bench/lib/readme-table.ts';
import { markdownReport } from '../../../bench/lib/result.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
/** Results files with a figures table (the soak writes its own format), oldest first by date, then name. */
const resultFiles = readdirSync(join(root, 'bench/results'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({ path: `bench/results/${f}`, text: readFileSync(join(root, 'bench/results', f), 'utf8') }))
  .filter((f) => f.text.includes(RESULTS_HEADER))
  .sort((a, b) => a.path.slice(14, 24).localeCompare(b.path.slice(14, 24)));

describe('README benchmark table', () => {
  it('is the generated table (no hand edits), each row linking a results file that exists', () => {
    const rows = parseReadmeTable(readme);
    expect(rows.length).toBeGreaterThan(0);
    expect(readmeBlock(readme)).toBe(renderTable(rows));
    for (const r of rows) expect(existsSync(join(root, r.file)), r.file).toBe(true);
  });

  it('shows, for every figure, the title and target of the newest results file that has it', () => {
    const newest = mergeRows(...resultFiles.map((f) => parseResults(f.text, f.path)));
    const shown = new Map(parseReadmeTable(readme).map((r) => [r.id, r]));
    for (const r of newest) {
      const row = shown.get(r.id);
      expect(row, `figure ${r.id} (${r.file}) is missing from the README: run scripts/bench-table.ts ${r.file}`).toBeDefined();
      expect({ id: r.id, title: row!.title, target: row!.target, date: row!.file.slice(14, 24) }).toEqual({ id: r.id, title: r.title, target: r.target, date: r.file.slice(14, 24) });
    }
  });

  it('reads the format bench/run.ts writes today, and a new run replaces only its own figures', () => {
    const text = markdownReport('tagpulse benchmarks, 2099-01-01', [
      { id: '7a', title: 'A figure | with a pipe', measured: 'a 10 ms; b 5 ms', ratio: 2, ratioOf: 'a ÷ b', target: '≤ 1.5', met: false, notes: ['n'] },
      { id: '7b', title: 'Another', measured: 'x', ratio: 0.25, ratioOf: 'seconds', target: '< 0.5 s', met: true, notes: [] },
    ], { cpu: 'test' });
    const rows = parseResults(text, 'bench/results/2099-01-01.md');
    expect(rows.map((r) => [r.id, r.title, r.ratio, r.target, r.met])).toEqual([
      ['7a', 'A figure \\| with a pipe', '2.00 (a ÷ b)', '≤ 1.5', '**no**'],
      ['7b', 'Another', '0.25 (seconds)', '< 0.5 s', 'yes'],
    ]);
    const updated = updateReadme(readme, [{ path: 'bench/results/2099-01-01.md', text }]);
    const before = parseReadmeTable(readme).filter((r) => r.id !== '7a' && r.id !== '7b');
    const after = parseReadmeTable(updated);
    expect(after.filter((r) => r.id !== '7a' && r.id !== '7b')).toEqual(before);
    expect(after.find((r) => r.id === '7a')).toMatchObject({ title: 'A figure \\| with a pipe', file: 'bench/results/2099-01-01.md' });
    expect(() => parseResults('# no table\n', 'x.md')).toThrow(/no figures table/);
  });
});
