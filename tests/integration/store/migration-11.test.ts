/**
 * Migration 11 (issue 10, truth of the record): a store written before the loader kept a slot's first reading (and
 * before `import --replace` rebuilt what it replaced) can hold rollup buckets that folded in a reading raw FINAL no
 * longer has. The migration derives the rollups again from raw FINAL and empties the per-tag summary computed from
 * them (refilled on read). Real chDB.
 *
 * How the old store is made: two readings of one slot inserted straight into the store (what the old loader did when
 * a collect job was re-delivered): raw FINAL keeps one, the views folded both. Then migration 11's record is deleted,
 * as on a store that never ran it, and the store is opened again.
 */
import { describe, expect, it } from 'vitest';
import { drainPending } from 'chdb';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { T } from '../../../src/store/migrations.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import { refreshSummaries } from '../../../src/services/tag-summaries.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { obs } from '../../helpers/observations.ts';
import { expectRollupsMatchRaw } from '../../helpers/rollup-invariant.ts';

const SLOT = '2026-11-20T10:59:30.000Z';
const tag = 'old_store';
const summaryRows = async (store: ClickHouseStore) => Number(((await (await store.client.query({ query: `SELECT count() AS n FROM ${T.summary}`, format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n);
const rows = [
  obs({ tag, slot: '2026-11-20T10:29:30.000Z', observedAt: '2026-11-20T10:29:31.000Z', value: '8500' }),
  obs({ tag, slot: SLOT, observedAt: '2026-11-20T10:59:40.000Z', fetchedAt: '2026-11-20T10:59:40.000Z', value: '9000' }),
  obs({ tag, slot: '2026-11-20T11:29:30.000Z', observedAt: '2026-11-20T11:29:31.000Z', value: '9100' }),
];
/** A re-fetch of the slot in the next hour, with a higher value than anything raw FINAL keeps in that hour. */
const refetch = obs({ tag, slot: SLOT, observedAt: '2026-11-20T11:00:30.000Z', fetchedAt: '2026-11-20T11:00:30.000Z', value: '99000' });

describe('migration 11: rollups derived again from raw FINAL', () => {
  it('repairs buckets that folded in a reading raw FINAL dropped; the series is unchanged', async () => {
    const t = tempDir('tagpulse-migration-11-');
    try {
      let store = await openClickHouseStore({ dataDir: t.dir });
      try {
        await store.migrate();
        await store.insertObservations(rows);
        await store.insertObservations([refetch]); // the old loader's second insert of the slot
        await store.client.command({ query: `OPTIMIZE TABLE ${T.observations} FINAL` });
        // The store as the old code left it: the rollups disagree with raw FINAL.
        await expect(expectRollupsMatchRaw(store, [tag])).rejects.toThrow();
        // and a summary computed from those rollups
        await refreshSummaries(store, [{ platform: 'tiktok', tag }], Date.parse('2026-11-21T00:00:00.000Z'));
        expect(await summaryRows(store)).toBeGreaterThan(0);
        await store.client.command({ query: `ALTER TABLE ${T.migrations} DELETE WHERE version = 11`, clickhouse_settings: { mutations_sync: '2' } });
      } finally {
        await store.close();
        await drainPending();
      }
      store = await openClickHouseStore({ dataDir: t.dir });
      try {
        expect((await store.migrate()).applied).toEqual([11]);
        await expectRollupsMatchRaw(store, [tag]);
        expect(await summaryRows(store)).toBe(0); // refilled from the repaired rollups on the next read
        const series = (await store.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' })).map((r) => r.value);
        expect(series).toHaveLength(3);
        // Re-running it (an interrupted migration runs its data steps again) changes nothing.
        await store.client.command({ query: `ALTER TABLE ${T.migrations} DELETE WHERE version = 11`, clickhouse_settings: { mutations_sync: '2' } });
        expect((await store.migrate()).applied).toEqual([11]);
        await expectRollupsMatchRaw(store, [tag]);
      } finally {
        await store.close();
        await drainPending();
      }
    } finally {
      t.cleanup();
    }
  }, 120_000);
});
