/**
 * Issue 15, "no import points from a lower layer to a higher one. Show how you checked": this test reads every import
 * specifier in src/ (static, type-only and dynamic: tests/helpers/imports.ts) and checks it against the layer order
 *
 *   0 foundation   src/errors.ts (the base error), util/ (logger, duration parser): import nothing of tagpulse
 *   1 config       the one config table
 *   2 schema       data shapes (observation, failure, tag, jobs, alert rules)
 *   3 collectors, store, analytics, queue, importers
 *                  reading sources, the ClickHouse store, pure analytics, the BullMQ queue definitions and Redis,
 *                  parsing import files (it reuses collectors' count parsing)
 *   4 services, alerts
 *                  use cases over the store and analytics; alerts/ is the alert feature (rules, evaluator, webhook,
 *                  post-load hook), which uses services/series and is used by services/alerts
 *   5 workers, api, dashboard, demo
 *                  BullMQ processors; HTTP (api/ mounts every route, the dashboard's included; dashboard/ holds view models,
 *                  the client and its page assets); demo/ holds the demo's local fake platforms
 *   6 cli, runtime the command line and the process wiring (App)
 *
 * An import may point to its own layer or a lower one. dashboard/client/ is browser code bundled by esbuild: it may
 * import server modules for their types only. Allowed exceptions are listed below, each with its reason.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles } from '../helpers/imports.ts';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

const LAYERS: Record<string, number> = {
  'errors.ts': 0,
  util: 0,
  config: 1,
  schema: 2,
  collectors: 3,
  store: 3,
  analytics: 3,
  queue: 3,
  importers: 3,
  services: 4,
  alerts: 4,
  workers: 5,
  api: 5,
  dashboard: 5,
  demo: 5,
  cli: 6,
  runtime: 6,
};

/** Imports that go up, allowed for a stated reason: "from -> to" (paths relative to src/). */
const ALLOWED_UPWARD: Record<string, string> = {
  'config/config.ts -> schema/alerts.ts':
    'the config table validates the alert rules a user writes (errors at load, with their path); the rule schema is a data shape and lives in schema/, which imports nothing from config/, so this adds no cycle',
};

const rel = (p: string) => relative(SRC, p).split('\\').join('/');
const layerOf = (path: string): { area: string; rank: number } | undefined => {
  const parts = path.split('/');
  const area = parts.length === 1 ? parts[0]! : parts[0]!;
  const rank = LAYERS[area];
  return rank === undefined ? undefined : { area, rank };
};

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  line: number;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const ref of importsOf(readFileSync(file, 'utf8'))) {
      if (!ref.specifier.startsWith('.')) continue;
      out.push({ from: rel(file), to: rel(resolve(dirname(file), ref.specifier)), typeOnly: ref.typeOnly, line: ref.line });
    }
  }
  return out;
}

describe('architecture: layers point down', () => {
  const all = edges();

  it('reads the imports of every source file', () => {
    expect(sourceFiles(SRC).length).toBeGreaterThan(100);
    expect(all.length).toBeGreaterThan(300);
  });

  it('places every folder of src/ in a layer', () => {
    const unplaced = new Set(all.flatMap((e) => [e.from, e.to]).filter((p) => !p.startsWith('dashboard/client/') && !layerOf(p)));
    expect([...unplaced]).toEqual([]);
  });

  it('has no import from a lower layer to a higher one, except the listed ones', () => {
    const violations: string[] = [];
    const used = new Set<string>();
    for (const e of all) {
      if (e.from.startsWith('dashboard/client/')) continue;
      const a = layerOf(e.from)!;
      const b = layerOf(e.to)!;
      if (b.rank <= a.rank) continue;
      const key = `${e.from} -> ${e.to}`;
      if (ALLOWED_UPWARD[key]) {
        used.add(key);
        continue;
      }
      violations.push(`${e.from}:${e.line} (${a.area}, layer ${a.rank}) imports ${e.to} (${b.area}, layer ${b.rank})${e.typeOnly ? ' [type only]' : ''}`);
    }
    expect(violations).toEqual([]);
    // An exception that no longer happens is removed from the list, so the list stays true.
    expect(Object.keys(ALLOWED_UPWARD).filter((k) => !used.has(k))).toEqual([]);
  });

  it('the browser client imports server modules for their types only', () => {
    const runtime = all.filter((e) => e.from.startsWith('dashboard/client/') && !e.to.startsWith('dashboard/client/') && !e.typeOnly);
    expect(runtime.map((e) => `${e.from}:${e.line} -> ${e.to}`)).toEqual([]);
  });

  it('nothing in config/ imports a feature (alerts/, collectors/, services/, …)', () => {
    const fromConfig = all.filter((e) => e.from.startsWith('config/')).map((e) => e.to.split('/')[0]);
    for (const area of fromConfig) expect(['config', 'util', 'errors.ts', 'schema']).toContain(area);
  });

  it('the CLI reaches workers/ only to run them (run, worker, demo wire App; sample builds no job rows by hand)', () => {
    const cliToWorkers = all.filter((e) => e.from.startsWith('cli/') && e.to.startsWith('workers/'));
    expect(cliToWorkers.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('one way into the store: only store/open.ts opens a ClickHouse store', () => {
    const openers = sourceFiles(SRC)
      .filter((f) => /\bopenClickHouseStore\s*\(/.test(readFileSync(f, 'utf8')))
      .map(rel)
      .sort();
    expect(openers).toEqual(['store/clickhouse-store.ts', 'store/open.ts']);
  });

  it('every query lives in store/: no defineQuery and no SQL text outside it', () => {
    const outside = sourceFiles(SRC)
      .filter((f) => !rel(f).startsWith('store/'))
      .filter((f) => /\bdefineQuery\s*\(|\bSELECT\s+[\s\S]{0,200}?\bFROM\s+\$\{T\./.test(readFileSync(f, 'utf8')))
      .map(rel)
      .sort();
    expect(outside).toEqual([]);
  });

  it('one router mounts every HTTP route: routes are added only in api/', () => {
    const adders = sourceFiles(SRC)
      .filter((f) => /\brouter\.add\s*\(/.test(readFileSync(f, 'utf8')))
      .map(rel)
      .filter((p) => !p.startsWith('api/'))
      .sort();
    expect(adders).toEqual([]);
  });
});
