/**
 * Opening the embedded store sends no query to chDB (issue 15, figure 6b): the open is the native Session's
 * synchronous constructor, which throws when the dir cannot be opened, so the `SELECT 1` probe it used to send proved
 * nothing more and cost every one-shot command (`tagpulse report`) a query. The failures it could have caught are
 * still reported at open, by code: a lock held by a live process, a permission denied and a read-only filesystem
 * (tests/faults/data-dir-errors.test.ts, through the CLI). Real chDB.
 *
 * How it is observed: every query method of chDB's Session (the class chdb/connection drives) is wrapped to record
 * its SQL while the store opens; the first statement chDB sees is then the caller's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import chdb, { drainPending } from 'chdb';
import { openClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { tempDir } from '../../helpers/tmp.ts';

const METHODS = ['query', 'queryBind', 'queryAsync', 'queryBindAsync'] as const;

describe('embedded store open', () => {
  const t = tempDir('tagpulse-open-');
  afterAll(() => t.cleanup());

  it('sends no query to chDB; the first statement chDB runs is the first one the store is asked for', async () => {
    const proto = (chdb as unknown as { Session: { prototype: Record<string, (...a: unknown[]) => unknown> } }).Session.prototype;
    const sent: string[] = [];
    const originals = METHODS.map((m) => [m, proto[m]!] as const);
    for (const [m, f] of originals) {
      proto[m] = function (this: unknown, sql: unknown, ...rest: unknown[]) {
        sent.push(String(sql));
        return f.call(this, sql, ...rest);
      };
    }
    try {
      const store = await openClickHouseStore({ dataDir: t.dir });
      try {
        expect(sent).toEqual([]);
        expect(await store.ping()).toBe(true);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatch(/^SELECT 1 AS ok\b/);
      } finally {
        await store.close();
      }
    } finally {
      for (const [m, f] of originals) proto[m] = f;
      await drainPending();
    }
  });
});
