/**
 * The import specifiers of TypeScript sources, read from the text (static `import … from`, `export … from`,
 * side-effect `import '…'` and dynamic `import('…')`), with whether each is type-only (erased at run time).
 * A regex reader is enough for this code base's style (one statement per import, no imports in strings); the
 * architecture and CLI-start tests use it.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportRef {
  specifier: string;
  typeOnly: boolean;
  dynamic: boolean;
  line: number;
}

export function importsOf(text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  const stat = /^[ \t]*(import|export)\s+(type\s+)?([^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(stat)) {
    const clause = m[3] ?? '';
    // `import { type A, type B } from` is erased too.
    const named = /^\s*\{([^}]*)\}\s*from\s*$/.exec(clause);
    const allTypeNamed = named ? named[1]!.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type ')) : false;
    refs.push({ specifier: m[4]!, typeOnly: Boolean(m[2]) || allTypeNamed, dynamic: false, line: lineAt(m.index!) });
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) refs.push({ specifier: m[1]!, typeOnly: false, dynamic: true, line: lineAt(m.index!) });
  return refs;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Files reached from `entry` through imports that run at load time (static, not type-only), and the packages they load. */
export function staticClosure(entry: string): { files: string[]; packages: Map<string, string> } {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const r of importsOf(readFileSync(file, 'utf8'))) {
      if (r.typeOnly || r.dynamic) continue;
      if (r.specifier.startsWith('.')) {
        const target = resolve(dirname(file), r.specifier);
        if (existsSync(target)) walk(target);
      } else if (!r.specifier.startsWith('node:') && !packages.has(r.specifier)) packages.set(r.specifier, relative(process.cwd(), file));
    }
  };
  walk(resolve(entry));
  return { files: [...seen], packages };
}
