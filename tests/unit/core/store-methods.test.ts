/**
 * Issue 15, "the remote store, its dispatcher and the split store come from one method table with zod argument
 * schemas": the owner's internal API validates every call (before, upsertEvents and upsertAlertDeliveries passed
 * whatever arrived straight to the store), and the split store routes by the table's side.
 */
import { describe, expect, it } from 'vitest';
import { STORE_METHODS, dispatchStoreCall } from '../../../src/store/methods.ts';
import { splitStore } from '../../../src/store/split-store.ts';
import { RemoteStore } from '../../../src/store/remote-store.ts';
import { QueryValidationError, StoreError } from '../../../src/store/errors.ts';
import { seriesQuery } from '../../../src/store/queries.ts';
import { getQuery } from '../../../src/store/registry.ts';
import type { Store } from '../../../src/store/store.ts';

/** A store that records which methods it was asked for (routing and validation only; no data behind it). */
function recordingStore(calls: string[]): Store {
  const rec = (name: string, result: unknown = undefined) => async () => {
    calls.push(name);
    return result;
  };
  return {
    backend: 'chdb',
    migrate: rec('migrate', { applied: [] }) as Store['migrate'],
    insertObservations: rec('insertObservations', 0) as Store['insertObservations'],
    insertObservationLines: rec('insertObservationLines', 0) as Store['insertObservationLines'],
    openImportStage: rec('openImportStage', null) as Store['openImportStage'],
    stageObservationLines: rec('stageObservationLines', 0) as Store['stageObservationLines'],
    commitImportStage: rec('commitImportStage', 0) as Store['commitImportStage'],
    dropImportStage: rec('dropImportStage') as Store['dropImportStage'],
    importStageReadings: rec('importStageReadings', []) as Store['importStageReadings'],
    rebuildRollups: rec('rebuildRollups') as Store['rebuildRollups'],
    insertFailures: rec('insertFailures', 0) as Store['insertFailures'],
    upsertTracked: rec('upsertTracked') as Store['upsertTracked'],
    upsertEvents: rec('upsertEvents') as Store['upsertEvents'],
    upsertAlertDeliveries: rec('upsertAlertDeliveries') as Store['upsertAlertDeliveries'],
    upsertTagSummaries: rec('upsertTagSummaries') as Store['upsertTagSummaries'],
    run: rec('run', []) as Store['run'],
    runWithStats: rec('runWithStats', { rows: [], stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 } }) as Store['runWithStats'],
    exportBytes: rec('exportBytes', Buffer.alloc(0)) as Store['exportBytes'],
    ping: rec('ping', true) as Store['ping'],
    close: async () => undefined,
  };
}

describe('store method table', () => {
  it('the internal API rejects malformed arguments before they reach the store, naming the field', async () => {
    const calls: string[] = [];
    const store = recordingStore(calls);
    const bad = await dispatchStoreCall(store, 'upsertEvents', { rows: [{ slug: 42, name: 'x' }] }, getQuery).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(QueryValidationError);
    expect((bad as Error).message).toMatch(/rows\.0\.slug/);
    const badAlert = await dispatchStoreCall(store, 'upsertAlertDeliveries', { rows: [{ rule: 'r' }] }, getQuery).catch((e: unknown) => e);
    expect(badAlert).toBeInstanceOf(QueryValidationError);
    expect(await dispatchStoreCall(store, 'nope', {}, getQuery).catch((e: unknown) => e)).toBeInstanceOf(StoreError);
    expect(await dispatchStoreCall(store, 'toString', {}, getQuery).catch((e: unknown) => e)).toBeInstanceOf(StoreError);
    expect(await dispatchStoreCall(store, 'run', { name: 'no_such_query' }, getQuery).catch((e: unknown) => e)).toBeInstanceOf(StoreError);
    expect(calls).toEqual([]);
    await dispatchStoreCall(store, 'upsertEvents', { rows: [{ slug: 'e', name: 'E', startAt: '2024-01-01T00:00:00.000Z', endAt: '2024-01-02T00:00:00.000Z', tags: [], note: '' }] }, getQuery);
    await dispatchStoreCall(store, 'run', { name: seriesQuery.name, params: { platform: 'tiktok', tag: 't', metric: 'views' } }, getQuery);
    expect(calls).toEqual(['upsertEvents', 'run']);
  });

  it('the split store sends reads to the read-only store and writes to the read-write one', async () => {
    const rw: string[] = [];
    const ro: string[] = [];
    const s = splitStore(recordingStore(rw), recordingStore(ro));
    await s.insertObservations([]);
    await s.upsertTracked([]);
    await s.migrate();
    await s.run(seriesQuery, { platform: 'tiktok', tag: 't', metric: 'views' });
    await s.exportBytes(seriesQuery, { platform: 'tiktok', tag: 't', metric: 'views' }, 'CSVWithNames');
    await s.ping();
    expect(rw).toEqual(['insertObservations', 'upsertTracked', 'migrate']);
    expect(ro).toEqual(['run', 'exportBytes', 'ping']);
    for (const [name, m] of Object.entries(STORE_METHODS)) expect(typeof (s as unknown as Record<string, unknown>)[name], `${name} (${m.side})`).toBe('function');
  });

  it('the remote store has every method of the table, and ping says false when the owner is gone', async () => {
    const remote = new RemoteStore('http://127.0.0.1:9', 'token');
    for (const name of Object.keys(STORE_METHODS)) expect(typeof (remote as unknown as Record<string, unknown>)[name], name).toBe('function');
    expect(await remote.ping()).toBe(false);
  });
});
