/**
 * A short command on an already-migrated embedded store does not check the migrations again (issue 15, `report
 * --json` start): migrate() stamps the chDB dir with the migrations it recorded, and openStore(…, 'command') skips the
 * check when the stamp names exactly the migrations this code knows. Any other stamp, or none, checks the table and
 * applies what is missing, as before; owners always check. Real chDB.
 *
 * How the skip is observed: the latest migration's record is deleted behind tagpulse's back (as an interrupted run
 * would leave it). A command that checks re-applies it (recorded again); a command that trusts the stamp leaves it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { drainPending } from 'chdb';
import { openStore } from '../../../src/store/open.ts';
import type { ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { migrations, T } from '../../../src/store/migrations.ts';
import { schemaFingerprint, schemaStampFile, schemaStamped } from '../../../src/store/schema-stamp.ts';
import { tempDir } from '../../helpers/tmp.ts';

const LATEST = migrations[migrations.length - 1]!.version;
const cfg = (dataDir: string) => ({ dataDir, clickhouseUrl: undefined, clickhouseReadonlyUrl: undefined, topology: undefined, clusterName: 'tagpulse' }) as Parameters<typeof openStore>[0];

async function recorded(store: ClickHouseStore): Promise<number[]> {
  const r = await store.client.query({ query: `SELECT version FROM ${T.migrations} FINAL ORDER BY version`, format: 'JSONEachRow' });
  return ((await r.json()) as { version: number | string }[]).map((x) => Number(x.version));
}

async function forgetLatest(dataDir: string): Promise<void> {
  const store = (await openStore(cfg(dataDir), 'inspect')) as ClickHouseStore;
  await store.client.command({ query: `ALTER TABLE ${T.migrations} DELETE WHERE version = ${LATEST}`, clickhouse_settings: { mutations_sync: '2' } });
  expect(await recorded(store)).not.toContain(LATEST);
  await store.close();
  await drainPending();
}

async function versionsAfterOpen(dataDir: string, role: 'command' | 'owner'): Promise<number[]> {
  const store = (await openStore(cfg(dataDir), role)) as ClickHouseStore;
  try {
    return await recorded(store);
  } finally {
    await store.close();
    await drainPending();
  }
}

describe('schema stamp: a command on a migrated store skips the migration check', () => {
  const dirs: (() => void)[] = [];
  afterEach(() => dirs.splice(0).forEach((c) => c()));
  const fresh = () => {
    const t = tempDir('tagpulse-stamp-');
    dirs.push(t.cleanup);
    return t.dir;
  };

  it('a fresh store is migrated by the first command and stamped with this code\'s migrations', async () => {
    const dir = fresh();
    expect(schemaStamped(dir)).toBe(false);
    expect(await versionsAfterOpen(dir, 'command')).toEqual(migrations.map((m) => m.version));
    expect(JSON.parse(readFileSync(schemaStampFile(dir), 'utf8')).migrations).toBe(schemaFingerprint());
    expect(schemaStamped(dir)).toBe(true);
  });

  it('a stamped store: the command does not read or re-apply migrations; without the stamp it does', async () => {
    const dir = fresh();
    await versionsAfterOpen(dir, 'command');
    await forgetLatest(dir);
    // stamped: the check is skipped, so the deleted record stays deleted (the old code re-applied it here)
    expect(await versionsAfterOpen(dir, 'command')).not.toContain(LATEST);
    // no stamp: the check runs and records the migration again, then stamps
    writeFileSync(schemaStampFile(dir), 'not json');
    expect(schemaStamped(dir)).toBe(false);
    expect(await versionsAfterOpen(dir, 'command')).toContain(LATEST);
    expect(schemaStamped(dir)).toBe(true);
  });

  it('a stamp of another migration list (an older or newer tagpulse) is not trusted', async () => {
    const dir = fresh();
    await versionsAfterOpen(dir, 'command');
    await forgetLatest(dir);
    writeFileSync(schemaStampFile(dir), JSON.stringify({ migrations: schemaFingerprint().split(',').slice(0, -1).join(',') }));
    expect(await versionsAfterOpen(dir, 'command')).toContain(LATEST);
    expect(schemaStamped(dir)).toBe(true);
  });

  it('an owner always checks the table, stamp or not', async () => {
    const dir = fresh();
    await versionsAfterOpen(dir, 'command');
    await forgetLatest(dir);
    expect(schemaStamped(dir)).toBe(true);
    expect(await versionsAfterOpen(dir, 'owner')).toContain(LATEST);
  });

  it('the stamp lives in the chDB dir (it goes with the data it describes)', async () => {
    const dir = fresh();
    await versionsAfterOpen(dir, 'command');
    expect(schemaStampFile(dir).startsWith(`${dir}/chdb/`)).toBe(true);
    expect(existsSync(schemaStampFile(dir))).toBe(true);
  });
});
