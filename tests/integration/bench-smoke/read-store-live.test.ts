/**
 * Figure 7 reads "as of now", so its generated store must be a live one (bench/lib/read-store.ts liveWithinMs): data
 * ending at the hour the store was built, and a cached store whose data ended longer ago built again. On the old fixed
 * end (2026-12-01), read on 2026-12-06, the leaderboard's 24 h window held no data and figure 7e timed reading nothing.
 * On real chDB, with a three-tag store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drainPending } from 'chdb';
import { generateReadStore, readStoreMeta } from '../../../bench/lib/read-store.ts';
import { tempDir } from '../../helpers/tmp.ts';

const HOUR_MS = 3_600_000;

describe('the bench read store, live', () => {
  it('ends at the current hour, is reused while fresh, and is built again once its data is older than allowed', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const store = join(dir, 'store');
      const opts = { tags: 3, days: 1, liveWithinMs: 6 * HOUR_MS };
      const hour = () => new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
      const before = hour();
      const built = await generateReadStore(store, opts);
      await drainPending();
      expect([before, hour()]).toContain(built.endIso);
      expect(built.observations).toBeGreaterThan(3 * 20);
      // fresh: the cached store is returned as it is
      const again = await generateReadStore(store, opts);
      await drainPending();
      expect(again).toEqual(built);
      // its data ended 10 hours ago (> 6 h): built again, ending now
      const metaFile = join(store, 'meta.json');
      const old = { ...JSON.parse(readFileSync(metaFile, 'utf8')), endIso: new Date(Date.parse(built.endIso) - 10 * HOUR_MS).toISOString() };
      writeFileSync(metaFile, JSON.stringify(old));
      const log: string[] = [];
      const rebuilt = await generateReadStore(store, opts, { log: (l) => log.push(l) });
      await drainPending();
      expect([before, hour()]).toContain(rebuilt.endIso);
      expect(readStoreMeta(store)!.endIso).toBe(rebuilt.endIso);
      expect(log.join('\n')).toMatch(/more than 6 h ago: building it again/);
      // without liveWithinMs a cache is reused whatever its end (the fixed-end stores of probes)
      writeFileSync(metaFile, JSON.stringify(old));
      expect((await generateReadStore(store, { tags: 3, days: 1 })).endIso).toBe(old.endIso);
      await drainPending();
    } finally {
      cleanup();
    }
  }, 120_000);
});
