/**
 * Issue 14, finding 1: every tag with data is listed (overview, /api/tags, the compare picker's source), not only
 * tracked ones, with how its data got there. Before, an imported series was invisible: /api/tags answered
 * {"tags":[]} and the overview said "No tags are tracked yet". Real chDB; the series goes in through the real
 * importer's parser; the "track" action goes through POST /api/tracked with the admin token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { parseImport } from '../../../src/importers/series-import.ts';
import { addTracked, removeTracked } from '../../../src/services/tracking.ts';
import { listTags, type TagListing } from '../../../src/services/tag-listing.ts';
import type { Overview } from '../../../src/dashboard/overview.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { obs } from '../../helpers/observations.ts';

const HOUR = 3_600_000;
const TOKEN = 'a-long-admin-token-for-tag-listing';

describe('tags with data are listed, with their source', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;
  const nowMs = Date.now();
  const iso = (msAgo: number) => new Date(nowMs - msAgo).toISOString();

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    // A researcher's imported series (real importer).
    const csv = ['platform,tag,metric,observed_at,value', ...[48, 24, 2].map((h, i) => `tiktok,importedseries,views,${iso(h * HOUR)},${1_000_000 + i * 50_000}`)].join('\n');
    const parsed = await parseImport(csv, 'csv', { file: 'series.csv', importedAt: new Date(nowMs).toISOString() });
    expect(parsed.errors).toEqual([]);
    await store.insertObservations(parsed.observations);
    // A press figure: "more than 2 billion views", a lower bound only.
    await store.insertObservations([obs({ tag: 'pressonly', observedAt: iso(30 * 24 * HOUR), value: '2000000000', exact: false, precision: 'lower_bound', step: '0', method: 'manual', source: 'press' })]);
    // Wayback backfill, a one-off sample, a tracked tag, and a tag whose tracking stopped.
    await store.insertObservations([obs({ tag: 'backfilled', observedAt: iso(400 * 24 * HOUR), value: '5000', method: 'wayback', source: 'wayback' })]);
    await store.insertObservations([obs({ tag: 'sampledonce', observedAt: iso(HOUR), value: '777' })]);
    await store.insertObservations([obs({ tag: 'trackedtag', observedAt: iso(HOUR), value: '9000' }), obs({ tag: 'stopped', observedAt: iso(5 * HOUR), value: '100' })]);
    await addTracked(store, { tags: ['trackedtag', 'stopped', 'notyet'], platform: 'tiktok', every: '1h' });
    await removeTracked(store, { tags: ['stopped'], platform: 'tiktok' });
    const cfg = testConfig({ dataDir: dir.dir });
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, adminToken: TOKEN, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  const byTag = <T extends { tag: string }>(tags: T[]) => new Map(tags.map((t) => [t.tag, t]));

  it('listTags: every (platform, tag) with observations or a schedule, with its origin and whether it is sampled', async () => {
    const tags = byTag(await listTags(store)) as Map<string, TagListing>;
    expect([...tags.keys()].sort()).toEqual(['backfilled', 'importedseries', 'notyet', 'pressonly', 'sampledonce', 'stopped', 'trackedtag']);
    expect(tags.get('importedseries')).toMatchObject({ origins: ['imported'], sampled: false, everyMs: null, observations: 3, lowerBound: null, originText: 'imported; not sampled' });
    expect(tags.get('pressonly')).toMatchObject({ origins: ['imported'], sampled: false, lowerBound: '2000000000' });
    expect(tags.get('backfilled')).toMatchObject({ origins: ['backfilled'], sampled: false, originText: 'backfilled; not sampled' });
    expect(tags.get('sampledonce')).toMatchObject({ origins: ['sampled'], originText: 'sampled once; not sampled' });
    expect(tags.get('trackedtag')).toMatchObject({ origins: ['tracked'], sampled: true, everyMs: HOUR, originText: 'tracked every 1h' });
    expect(tags.get('stopped')).toMatchObject({ origins: ['sampled'], sampled: false, trackingStopped: true, originText: 'sampled; tracking stopped' });
    expect(tags.get('notyet')).toMatchObject({ origins: ['tracked'], sampled: true, observations: 0 });
  });

  it('GET /api/tags lists the imported series (it answered {"tags":[]} before), with latest values', async () => {
    const body = (await (await fetch(`${api.url}/api/tags`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { tags: (TagListing & { latest: { metric: string; value: string; precision: string }[] })[] };
    const tags = byTag(body.tags);
    expect(tags.get('importedseries')!.latest).toEqual([expect.objectContaining({ metric: 'views', value: '1100000', precision: 'exact' })]);
    expect(tags.get('pressonly')!.latest).toEqual([expect.objectContaining({ value: '2000000000', precision: 'lower_bound' })]);
  });

  it('GET /api/overview has a row per tag with data, its source, and the lower bound of a press-only tag', async () => {
    const o = (await (await fetch(`${api.url}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Overview;
    const rows = byTag(o.tags) as Map<string, Overview['tags'][number]>;
    expect(rows.size).toBe(7);
    expect(rows.get('importedseries')).toMatchObject({ origins: ['imported'], sampled: false, stale: false, everyMs: null });
    expect(rows.get('importedseries')!.views).toMatchObject({ value: '1100000', precision: 'exact' });
    expect(rows.get('pressonly')).toMatchObject({ lowerBound: '2000000000', views: { value: '2000000000', precision: 'lower_bound' } });
    expect(rows.get('trackedtag')).toMatchObject({ sampled: true, originText: 'tracked every 1h' });
  });

  it('"track" for an untracked tag with data: POST /api/tracked needs the admin token, then the tag is sampled', async () => {
    const post = (headers: Record<string, string>) => fetch(`${api.url}/api/tracked`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ tags: ['importedseries'], platform: 'tiktok' }) });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(201);
    const tags = byTag(await listTags(store)) as Map<string, TagListing>;
    expect(tags.get('importedseries')).toMatchObject({ origins: ['tracked', 'imported'], sampled: true, originText: 'tracked every 1h (+ imported)' });
  });
});
