/**
 * The README's benchmark table, generated from bench results files (bench/lib/result.ts markdownReport writes them):
 * one row per figure, the newest run of each, with a link to the file it came from. Hand-written because it is a
 * few lines of markdown table parsing that no library does for this format. Used by scripts/bench-table.ts (writes
 * the README) and tests/unit/core/readme-bench.test.ts (checks the README against the results files).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export const BENCH_TABLE_START = '<!-- bench-table:start (generated: node bin/run-ts.js scripts/bench-table.ts bench/results/<file>.md) -->';
export const BENCH_TABLE_END = '<!-- bench-table:end -->';
/** The header of the figures table in every results file. */
export const RESULTS_HEADER = '| # | Figure | Measured | Ratio | Target | Met |';
const README_HEADER = ['| # | Figure | Measured | Ratio | Target | Met | Run |', '|---|---|---|---|---|---|---|'];

export interface FigureRow {
  id: string;
  title: string;
  measured: string;
  ratio: string;
  target: string;
  met: string;
  /** The results file (repository path) the row came from. */
  file: string;
}

/** Cells of one markdown table row; `\|` stays inside its cell. */
export function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

/** The figure rows of one results file's text; throws when the file has no figures table (not a results file). */
export function parseResults(text: string, file: string): FigureRow[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() === RESULTS_HEADER);
  if (at < 0) throw new Error(`${file}: no figures table (expected the header line "${RESULTS_HEADER}")`);
  const rows: FigureRow[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim().startsWith('|')) break;
    const c = cells(line);
    if (c.length !== 6) throw new Error(`${file}: a figures row has ${c.length} cells instead of 6: ${line.slice(0, 80)}`);
    rows.push({ id: c[0]!, title: c[1]!, measured: c[2]!, ratio: c[3]!, target: c[4]!, met: c[5]!, file });
  }
  return rows;
}

/** Rows of the README table (between the markers), parsed back. */
export function parseReadmeTable(readme: string): FigureRow[] {
  const block = readmeBlock(readme);
  return block
    .split('\n')
    .slice(2)
    .filter((l) => l.startsWith('|'))
    .map((l) => {
      const c = cells(l);
      const file = /\]\(([^)]+)\)/.exec(c[6] ?? '')?.[1] ?? '';
      return { id: c[0]!, title: c[1]!, measured: c[2]!, ratio: c[3]!, target: c[4]!, met: c[5]!, file };
    });
}

/** The text between the README's markers (without them). */
export function readmeBlock(readme: string): string {
  const s = readme.indexOf(BENCH_TABLE_START);
  const e = readme.indexOf(BENCH_TABLE_END);
  if (s < 0 || e < s) throw new Error(`README.md has no benchmark table markers (${BENCH_TABLE_START} … ${BENCH_TABLE_END})`);
  return readme.slice(s + BENCH_TABLE_START.length, e).trim();
}

/** Figure ids in reading order: 1, 2, 4a, 4b, 10 (numbers, then letters). */
function idOrder(a: string, b: string): number {
  const na = parseInt(a, 10);
  const nb = parseInt(b, 10);
  return na - nb || a.localeCompare(b);
}

/** Rows merged: a later row of the same figure replaces an earlier one. */
export function mergeRows(...sets: FigureRow[][]): FigureRow[] {
  const by = new Map<string, FigureRow>();
  for (const set of sets) for (const r of set) by.set(r.id, r);
  return [...by.values()].sort((a, b) => idOrder(a.id, b.id));
}

export function renderTable(rows: FigureRow[]): string {
  const run = (file: string) => `[${basename(file, '.md')}](${file})`;
  return [...README_HEADER, ...rows.map((r) => `| ${r.id} | ${r.title} | ${r.measured} | ${r.ratio} | ${r.target} | ${r.met} | ${run(r.file)} |`)].join('\n');
}

/** The README with its table rewritten: its rows, with the given results files' figures replacing theirs. */
export function updateReadme(readme: string, resultFiles: { path: string; text: string }[]): string {
  let existing: FigureRow[] = [];
  try {
    existing = parseReadmeTable(readme);
  } catch {
    throw new Error(`README.md has no benchmark table markers: add a line "${BENCH_TABLE_START}" and a line "${BENCH_TABLE_END}" where the table goes`);
  }
  const rows = mergeRows(existing, ...resultFiles.map((f) => parseResults(f.text, f.path)));
  const s = readme.indexOf(BENCH_TABLE_START);
  const e = readme.indexOf(BENCH_TABLE_END);
  return `${readme.slice(0, s + BENCH_TABLE_START.length)}\n${renderTable(rows)}\n${readme.slice(e)}`;
}

export function readResults(path: string): { path: string; text: string } {
  return { path, text: readFileSync(path, 'utf8') };
}
