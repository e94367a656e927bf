/**
 * Issue 10/11 (truth of the record; kill -9 never leaves a wrong number): an accepted import's commit attaches its
 * stage's parts to observations_v2 and then to each rollup, one partition at a time. A process killed in between
 * used to leave raw rows without their rollup rows (the next open dropped the stage): the report (raw) and the
 * overview/leaderboard (rollups) then disagreed about one tag. Now the commit writes its intent (the stage's commit
 * log) before the first ATTACH and records each step after it; the next open finishes a begun commit and drops a
 * stage that never began one.
 *
 * A real child process on a real chDB store is killed with SIGKILL at a point of the commit (the store's commit hook),
 * then the test opens the store (migrate(), as the next command does) and checks:
 *  - killed before the commit log: nothing of the file is stored, the stage is gone;
 *  - killed between two raw partitions, between the raw table and the rollups, or after an ATTACH before its step was
 *    recorded: the whole file is stored; each raw row once (no FINAL needed); the hourly and daily rollups give, for
 *    every bucket of the tags, exactly what the raw rows give; no rollup row is stored twice; the stale overview
 *    summary of the tag is gone and, recomputed, agrees with the raw rows; the stage is gone;
 *  - the next short command migrates (the schema stamp was removed when the commit began).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, it, expect } from 'vitest';
import { drainPending } from 'chdb';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { T } from '../../src/store/migrations.ts';
import { schemaStamped } from '../../src/store/schema-stamp.ts';
import { refreshSummaries } from '../../src/services/tag-summaries.ts';
import { importFile } from '../../src/services/import.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rollupVsRaw as sharedRollupVsRaw } from '../helpers/rollup-invariant.ts';
import { COLLECTED, IMPORTED, REPLACED, TAGS } from './import-commit-data.ts';
import { expectRollupsMatchRaw, rollupMismatches } from '../helpers/rollup-invariant.ts';

type Counts = Record<string, number>;

/** Run the child until it commits or is killed at (point, step); its pre-commit counts and how it ended. */
async function runChild(dataDir: string, point: string, step: string, mode?: 'replace'): Promise<{ counts: { stage: string; pre: Counts; staged: Counts }; signal: string | null; out: string }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/faults/import-commit-child.ts', dataDir, point, step, ...(mode ? [mode] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  await once(child, 'exit');
  const line = out.split('\n').find((l) => l.startsWith('{"stage"'));
  if (!line) throw new Error(`child printed no counts:\n${out}`);
  return { counts: JSON.parse(line), signal: child.signalCode, out };
}

async function rows<R>(store: ClickHouseStore, query: string): Promise<R[]> {
  const r = await store.client.query({ query, query_params: { tags: TAGS }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  return (await r.json()) as R[];
}
const n = async (store: ClickHouseStore, query: string) => Number((await rows<{ n: string }>(store, query))[0]!.n);
const TAGS_SQL = 'tag IN ({tags:Array(String)})';

const rollupVsRaw = (store: ClickHouseStore, table: string) => sharedRollupVsRaw(store, table, TAGS);

/** Open the store (the hook records which steps the recovery merged), run f, close. */
async function withStore<R>(dataDir: string, f: (s: ClickHouseStore, merged: string[]) => Promise<R>): Promise<R> {
  const merged: string[] = [];
  const store = await openClickHouseStore({ dataDir, onImportCommitStep: (point, step) => void (point === 'merged' && merged.push(step)) });
  try {
    return await f(store, merged);
  } finally {
    await store.close();
    await drainPending();
  }
}

const stageTables = (store: ClickHouseStore) => rows<{ name: string }>(store, "SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'import_stage_')");

describe('fault: an import killed with SIGKILL while it commits its stage (real chDB, child process)', () => {
  it('killed before the commit began: nothing of the file is stored and the stage is dropped at the next open', async () => {
    const t = tempDir('tagpulse-commit-kill-');
    try {
      const child = await runChild(t.dir, 'begin', '*');
      expect(child.signal, child.out).toBe('SIGKILL');
      await withStore(t.dir, async (store) => {
        expect((await stageTables(store)).length).toBeGreaterThan(0); // the killed import's stage is still there
        await store.migrate();
        expect(await stageTables(store)).toEqual([]);
        for (const table of [T.observations, T.hourly, T.daily]) {
          expect(await n(store, `SELECT count() AS n FROM ${table} WHERE ${TAGS_SQL}`), table).toBe(child.counts.pre[table]);
        }
        expect(await n(store, `SELECT count() AS n FROM ${T.observations} WHERE ${TAGS_SQL} AND method = 'import'`)).toBe(0);
      });
    } finally {
      t.cleanup();
    }
  }, 120_000);

  const midCommit: [string, string, string][] = [
    ['between the two raw partitions', 'recorded', `${T.observations}:2025`],
    ['between the raw table and the rollups', 'recorded', `${T.observations}:2026`],
    ['after a raw ATTACH, before its step was recorded', 'attached', `${T.observations}:2026`],
    ['after a rollup ATTACH, before its step was recorded', 'attached', `${T.hourly}:202611`],
  ];
  it.each(midCommit)('killed %s: the next open stores the whole file, raw and rollups agree, each row once', async (_what, point, step) => {
    const t = tempDir('tagpulse-commit-kill-');
    try {
      const child = await runChild(t.dir, point, step);
      expect(child.signal, child.out).toBe('SIGKILL');
      expect(child.out).not.toContain('committed');
      const { pre, staged } = child.counts;
      expect(staged[T.observations]).toBe(IMPORTED.length);
      expect(schemaStamped(t.dir)).toBe(false); // so the next short command runs migrate()

      await withStore(t.dir, async (store, merged) => {
        // What the kill left: some raw rows attached, the rollups behind (the disagreement this test is about).
        const rawLeft = await n(store, `SELECT count() AS n FROM ${T.observations} WHERE ${TAGS_SQL}`);
        expect(rawLeft).toBeGreaterThan(pre[T.observations]!);

        await store.migrate();
        expect(await stageTables(store)).toEqual([]);

        // Raw: the whole file, each row once (counted without FINAL).
        const raw = await n(store, `SELECT count() AS n FROM ${T.observations} WHERE ${TAGS_SQL}`);
        expect(raw).toBe(COLLECTED.length + IMPORTED.length);
        expect(await n(store, `SELECT count() AS n FROM ${T.observations} FINAL WHERE ${TAGS_SQL}`)).toBe(raw);

        // Rollups: every bucket equals what the raw rows give, and no rollup row is stored twice.
        for (const table of [T.hourly, T.daily]) {
          const { stored, fromRaw } = await rollupVsRaw(store, table);
          expect(stored.length, table).toBeGreaterThan(0);
          expect(stored, table).toEqual(fromRaw);
          expect(await n(store, `SELECT count() AS n FROM ${table} WHERE ${TAGS_SQL}`), table).toBeLessThanOrEqual(pre[table]! + staged[table]!);
        }

        // Only a step killed during its attach is attached again and merged; the others are just attached.
        expect(merged).toEqual(point === 'attached' ? [step] : []);

        // The overview summary computed before the import is gone (recomputed on the next read), and recomputed it
        // agrees with the raw rows: hours with a reading, latest value.
        expect(await n(store, `SELECT count() AS n FROM ${T.summary} FINAL WHERE ${TAGS_SQL}`)).toBe(0);
        const summaries = await refreshSummaries(store, TAGS.map((tag) => ({ platform: 'tiktok', tag })));
        for (const tag of TAGS) {
          const s = summaries.find((x) => x.tag === tag)!;
          const hours = await n(store, `SELECT uniqExact(toStartOfHour(observed_at)) AS n FROM ${T.observations} FINAL WHERE tag = '${tag}' AND value > 0 AND precision != 'lower_bound'`);
          const last = (await rows<{ v: string }>(store, `SELECT toString(argMax(value, observed_at)) AS v FROM ${T.observations} FINAL WHERE tag = '${tag}'`))[0]!.v;
          expect(s.sample_hours, tag).toBe(hours);
          expect(String(s.latest_value), tag).toBe(last);
        }
      });
    } finally {
      t.cleanup();
    }
  }, 120_000);

  it('a commit that fails half way (no kill) is neither taken back by the import nor left half done: this process finishes it at its next migrate', async () => {
    const t = tempDir('tagpulse-commit-fail-');
    let failAt: string | undefined = `${T.observations}:2026`;
    const store = await openClickHouseStore({
      dataDir: t.dir,
      onImportCommitStep: (point, step) => {
        if (point === 'recorded' && step === failAt) throw new Error('simulated failure after the raw attach');
      },
    });
    try {
      await store.migrate();
      expect(schemaStamped(t.dir)).toBe(true);
      const file = join(t.dir, 'half.csv');
      const csv = IMPORTED.map((o) => `tiktok,${o.tag},views,${o.observedAt},${o.value}`);
      writeFileSync(file, ['platform,tag,metric,observed_at,value', ...csv].join('\n'));
      const out = importFile(store, { file, format: 'csv', ctx: { file: 'half.csv', importedAt: new Date().toISOString() }, batchSize: 7 });
      await expect(out).rejects.toThrow(/finished at the next open/);
      // The import's clean-up did not drop the begun commit's stage; raw rows are attached, the rollups are behind.
      expect((await stageTables(store)).length).toBeGreaterThan(0);
      expect(await n(store, `SELECT count() AS n FROM ${T.observations} WHERE ${TAGS_SQL}`)).toBe(IMPORTED.length);
      expect(await n(store, `SELECT count() AS n FROM ${T.hourly} WHERE ${TAGS_SQL}`)).toBe(0);
      expect(schemaStamped(t.dir)).toBe(false);

      failAt = undefined;
      await store.migrate();
      expect(await stageTables(store)).toEqual([]);
      expect(await n(store, `SELECT count() AS n FROM ${T.observations} WHERE ${TAGS_SQL}`)).toBe(IMPORTED.length);
      for (const table of [T.hourly, T.daily]) {
        const { stored, fromRaw } = await rollupVsRaw(store, table);
        expect(stored.length, table).toBeGreaterThan(0);
        expect(stored, table).toEqual(fromRaw);
      }
      expect(schemaStamped(t.dir)).toBe(true);
    } finally {
      await store.close();
      await drainPending();
      t.cleanup();
    }
  }, 120_000);

  // Issue 10, truth of the record: an import with --replace rebuilds the replaced hours' rollup buckets from raw FINAL
  // (the views had folded the replaced readings in). The rebuild is a step of the commit: a kill before it, or between
  // its delete and its insert, is finished by the next open.
  const rebuildKills: [string, string, string][] = [
    ['after the last attach, before the rebuild', 'rebuild', '*'],
    ['between the hourly rollup\'s delete and its re-insert', 'rebuild-deleted', T.hourly],
    ['between the daily rollup\'s delete and its re-insert', 'rebuild-deleted', T.daily],
  ];
  it.each(rebuildKills)('--replace killed %s: the next open finishes the rebuild; rollups equal raw FINAL', async (_what, point, step) => {
    const t = tempDir('tagpulse-rebuild-kill-');
    try {
      const child = await runChild(t.dir, point, step, 'replace');
      expect(child.signal, child.out).toBe('SIGKILL');
      expect(child.out).not.toContain('committed');
      await withStore(t.dir, async (store) => {
        // What the kill left: raw holds the new readings, the rollups disagree with it (the replaced readings are
        // still folded in, or the buckets being rebuilt are gone).
        expect(await rollupMismatches(store, TAGS)).toBeGreaterThan(0);
        await store.migrate();
        expect(await stageTables(store)).toEqual([]);
        await expectRollupsMatchRaw(store, TAGS);
        // Raw FINAL holds the replacements, each key once.
        const imported = await rows<{ at: string; v: string }>(store, `SELECT toString(observed_at) AS at, toString(value) AS v FROM ${T.observations} FINAL WHERE ${TAGS_SQL} AND method = 'import' ORDER BY tag, observed_at`);
        expect(imported).toHaveLength(IMPORTED.length);
        const replaced = new Set(REPLACED.map((o) => o.value));
        expect(imported.filter((r) => replaced.has(r.v))).toHaveLength(REPLACED.length);
        // The overview summary computed before the replacement is gone; recomputed, its latest value is raw's.
        expect(await n(store, `SELECT count() AS n FROM ${T.summary} FINAL WHERE ${TAGS_SQL}`)).toBe(0);
      });
    } finally {
      t.cleanup();
    }
  }, 180_000);
});
