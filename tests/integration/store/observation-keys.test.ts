/**
 * Issue 15, the overview's first request: the on-read summary refresh (services/tag-summaries.ts refreshOnRead) takes
 * its candidate tags from observation_keys_v1 (migration 32, fed by a view from every raw row) instead of
 * `SELECT DISTINCT platform, tag` over every raw row (0.2–0.9 s at 11M rows). Why this test: the keys must be exactly
 * the raw table's, whatever wrote the rows — collected readings, an import's stage (committed; a dropped one adds
 * nothing), a manual "more than X" figure (lower bounds: the rollups leave them out), a zero, another platform — and
 * a store migrated with data already stored gets its keys copied. Real chDB. Fails on the code before: no such table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { summaryCandidatesQuery } from '../../../src/store/summary-queries.ts';
import { T } from '../../../src/store/migrations.ts';
import { observationLine } from '../../../src/store/rows.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

const at = (h: number) => new Date(Date.UTC(2026, 10, 1) + h * 3_600_000).toISOString();

async function keys(store: ClickHouseStore, from: string): Promise<string[]> {
  const rs = await store.client.query({ query: `SELECT DISTINCT platform, tag FROM ${from} ORDER BY platform, tag`, format: 'JSONEachRow' });
  return ((await rs.json()) as { platform: string; tag: string }[]).map((r) => `${r.platform}|${r.tag}`);
}

describe('observation_keys_v1: the (platform, tag) keys of every stored observation', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('equals SELECT DISTINCT platform, tag over the raw table after collected, imported, manual, zero and other-platform writes', async () => {
    await store.insertObservations([
      obs({ tag: 'collected', observedAt: at(0), value: '100', slot: at(0) }),
      obs({ tag: 'collected', observedAt: at(1), value: '200', slot: at(1) }),
      obs({ tag: 'collected', observedAt: at(1), value: '150', metric: 'posts', slot: at(1) }),
      obs({ tag: 'pressonly', observedAt: at(2), value: '1000000', precision: 'lower_bound', exact: false, source: 'press', method: 'manual', slot: at(2) }),
      obs({ tag: 'zeroonly', observedAt: at(3), value: '0', slot: at(3) }),
      obs({ tag: 'collected', observedAt: at(4), value: '10', platform: 'instagram', slot: at(4) }),
      obs({ tag: 'ünïcode_タグ', observedAt: at(5), value: '42', method: 'manual', source: 'manual', slot: at(5) }),
    ]);
    const line = (tag: string, h: number) => observationLine(obs({ tag, observedAt: at(h), value: String(1000 + h), method: 'import', source: 'import', provenance: 'f.csv' })) + '\n';
    const stage = (await store.openImportStage())!;
    await store.stageObservationLines(stage, line('imported', 6) + line('imported', 7) + line('collected', 8));
    await store.commitImportStage(stage);
    const dropped = (await store.openImportStage())!;
    await store.stageObservationLines(dropped, line('never_committed', 9));
    await store.dropImportStage(dropped);

    const raw = await keys(store, T.observations);
    expect(raw).toEqual(['instagram|collected', 'tiktok|collected', 'tiktok|imported', 'tiktok|pressonly', 'tiktok|zeroonly', 'tiktok|ünïcode_タグ']);
    expect(await keys(store, T.keys)).toEqual(raw);
    // the rollups are no such source: they leave lower bounds and zeros out
    expect(await keys(store, T.daily)).not.toContain('tiktok|pressonly');
    // the candidates of the on-read refresh (no summary rows yet: every key is missing) are those keys
    const cands = await store.run(summaryCandidatesQuery, { hour: at(24) });
    expect(cands.map((c) => `${c.platform}|${c.tag}`).sort()).toEqual([...raw].sort());
    expect(cands.every((c) => c.missing)).toBe(true);
  });

  it('an import stage opened before migration 32 (no keys table of its own) still brings its keys at commit', async () => {
    const stage = (await store.openImportStage())!;
    // what a stage of the earlier version had: the raw table and the rollups, no keys view or table
    await store.client.command({ query: `DROP VIEW import_stage_${stage}__${T.keys}_mv SYNC` });
    await store.client.command({ query: `DROP TABLE import_stage_${stage}__${T.keys} SYNC` });
    const line = observationLine(obs({ tag: 'old_stage', observedAt: at(12), value: '77', method: 'import', source: 'import', provenance: 'g.csv' })) + '\n';
    await store.stageObservationLines(stage, line);
    await store.commitImportStage(stage);
    const raw = await keys(store, T.observations);
    expect(raw).toContain('tiktok|old_stage');
    expect(await keys(store, T.keys)).toEqual(raw);
  });

  it('a store migrated with observations already stored gets their keys (migration 32 copies them)', async () => {
    // the store as it was before migration 32: no keys table, no view, not recorded; rows written meanwhile
    await store.client.command({ query: 'DROP VIEW observation_keys_mv_v1 SYNC' });
    await store.client.command({ query: `DROP TABLE ${T.keys} SYNC` });
    await store.client.command({ query: `ALTER TABLE ${T.migrations} DELETE WHERE version = 32 SETTINGS mutations_sync = 2` });
    await store.insertObservations([obs({ tag: 'before_migration', observedAt: at(10), value: '5', slot: at(10) })]);
    await store.migrate();
    const raw = await keys(store, T.observations);
    expect(raw).toContain('tiktok|before_migration');
    expect(await keys(store, T.keys)).toEqual(raw);
    // and the view feeds it again after the migration
    await store.insertObservations([obs({ tag: 'after_migration', observedAt: at(11), value: '6', slot: at(11) })]);
    expect(await keys(store, T.keys)).toEqual(await keys(store, T.observations));
    expect(await keys(store, T.keys)).toContain('tiktok|after_migration');
  });
});
