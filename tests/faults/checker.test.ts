/**
 * The checker must be able to fail: against a real store holding a lost slot, a phantom slot, an incomplete slot, a raw
 * duplicate and a value the server never sent, it reports each of them (and a clean history as clean).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import type { ServedRecord } from '../../src/demo/fake-tiktok.ts';
import { obs } from '../helpers/observations.ts';
import { tempDir } from '../helpers/tmp.ts';
import { History, checkHistory, isClean, summarize } from './checker.ts';

describe('fault checker', () => {
  const dir = tempDir('tagpulse-checker-');
  let store: ClickHouseStore;
  beforeAll(async () => {
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    // Keep the duplicate parts apart: a background merge must not hide the raw duplicate this test counts.
    await store.client.command({ query: 'SYSTEM STOP MERGES observations_v1' });
  });
  afterAll(async () => {
    await store?.close();
    dir.cleanup();
  });

  const s = (minute: number) => new Date(Date.UTC(2031, 0, 1, 0, minute)).toISOString();
  const served = (tag: string, views: string, posts: string): ServedRecord => ({ tag, views, posts, at: s(0), path: `/tag/${tag}` });
  const both = (tag: string, observedAt: string, views: string, posts: string) => [obs({ tag, observedAt, value: views }), obs({ tag, observedAt, value: posts, metric: 'posts' })];

  it('reports a clean history as clean', async () => {
    const h = new History();
    h.invoke('clean', s(0));
    h.ok('clean', s(0));
    await store.insertObservations(both('clean', s(0), '100', '7'));
    const r = await checkHistory(store, h, { tags: ['clean'], served: [served('clean', '100', '7')] });
    expect(isClean(r)).toBe(true);
    expect(r).toMatchObject({ invoked: 1, acked: 1, storedSlots: 1, rawDuplicateRows: 0 });
  });

  it('finds lost, missing, phantom, incomplete and unserved, and counts raw duplicates', async () => {
    const h = new History();
    for (const m of [0, 1, 2]) h.invoke('dirty', s(m));
    h.ok('dirty', s(0));
    h.ok('dirty', s(1)); // acknowledged, never stored: lost
    h.fault('injected by the test');
    await store.insertObservations(both('dirty', s(0), '100', '7'), { dedupToken: 'first' });
    await store.insertObservations(both('dirty', s(0), '100', '7'), { dedupToken: 'second' }); // raw duplicate
    await store.insertObservations([obs({ tag: 'dirty', observedAt: s(5), value: '999' })]); // phantom, incomplete, unserved
    const r = await checkHistory(store, h, { tags: ['dirty'], served: [served('dirty', '100', '7')] });
    expect(isClean(r)).toBe(false);
    expect(r.lost).toEqual([`dirty@${s(1)}`]);
    expect(r.missing.sort()).toEqual([`dirty@${s(1)}`, `dirty@${s(2)}`]);
    expect(r.phantom).toEqual([`dirty@${s(5)}`]);
    expect(r.incomplete).toEqual([`dirty@${s(5)}`]);
    expect(r.unservedValues).toEqual([`dirty@${s(5)}/views=999`]);
    expect(r.duplicateKeys).toEqual([]); // FINAL merged the duplicate…
    expect(r.rawDuplicateRows).toBe(2); // …which the raw count still shows (views and posts)
    expect(summarize('dirty', r)).toMatch(/lost 1 .*missing 2 .*phantom 1/s);
  });
});
