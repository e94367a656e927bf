/**
 * Issue 14, finding 2 (the R and Python half): docs/r-and-python.md has working snippets for requests + pandas,
 * pandas/polars Parquet, httr2 + jsonlite and R arrow. pandas, polars and R's arrow are not installed here, so the
 * snippets are checked for syntax only: Python with `python3 -m py_compile`; R with `parse()` when Rscript exists.
 * Without R the R check cannot run: the test named for it then only checks the R blocks' shape (balanced brackets,
 * the calls the guide promises) and says in its name that R's parser did not run — it does not pass silently.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'r-and-python.md'), 'utf8');
const blocks = (lang: string) => [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const has = (cmd: string) => spawnSync('bash', ['-c', `command -v ${cmd}`]).status === 0;
const RSCRIPT = has('Rscript');

describe('docs/r-and-python.md snippets', () => {
  const python = blocks('python');
  const r = blocks('r');

  it('has the promised snippets: requests + pandas, pandas/polars Parquet, httr2 + jsonlite, R arrow', () => {
    expect(python.length).toBeGreaterThanOrEqual(2);
    expect(r.length).toBeGreaterThanOrEqual(2);
    const py = python.join('\n');
    expect(py).toMatch(/import requests/);
    expect(py).toMatch(/pd\.read_parquet\(/);
    expect(py).toMatch(/pl\.(read|scan)_parquet\(/);
    expect(py).toMatch(/\/api\/tags\/tiktok\/mentalhealth\/report/);
    expect(py).toMatch(/\/api\/tags\/tiktok\/mentalhealth\/series/);
    const rs = r.join('\n');
    expect(rs).toMatch(/library\(httr2\)/);
    expect(rs).toMatch(/library\(jsonlite\)/);
    expect(rs).toMatch(/read_parquet\(/);
  });

  it('every Python snippet compiles (python3 -m py_compile)', () => {
    expect(has('python3'), 'python3 is needed to check the Python snippets').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'tagpulse-snippets-'));
    try {
      python.forEach((code, i) => {
        const file = join(dir, `snippet_${i}.py`);
        writeFileSync(file, code);
        const res = spawnSync('python3', ['-m', 'py_compile', file], { encoding: 'utf8' });
        expect(res.status, `Python snippet ${i + 1}:\n${res.stderr}`).toBe(0);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(RSCRIPT ? 'every R snippet parses (R parse())' : "R snippets: R is not installed here, so R's parse() did not run; checked brackets and quotes only", () => {
    r.forEach((code, i) => {
      if (RSCRIPT) {
        const res = spawnSync('Rscript', ['-e', 'invisible(parse(file("stdin")))'], { input: code, encoding: 'utf8' });
        expect(res.status, `R snippet ${i + 1}:\n${res.stderr}`).toBe(0);
      } else {
        // Without R: strings and comments out, then brackets must balance and pipes must continue onto a line.
        const bare = code.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/gm, '');
        for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) expect(bare.split(open).length, `R snippet ${i + 1}: ${open}${close}`).toBe(bare.split(close).length);
        expect(bare.split('\n').filter((l) => l.trim()).at(-1)!.trim().endsWith('|>'), `R snippet ${i + 1} ends in a pipe`).toBe(false);
      }
    });
  });
});
