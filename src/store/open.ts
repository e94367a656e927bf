/**
 * The one way a store is opened. Every process that needs the store says which role it plays, and this decides the
 * connection, whether the schema is migrated, and who holds an embedded data dir (chDB allows one process per dir):
 *  - 'command': a short CLI command. Embedded: if a long-running owner serves its API (holder.json), talk to it
 *    (RemoteStore); else open the dir, say so in holder.json while holding it, and migrate unless the chDB dir is
 *    stamped with exactly the migrations this code knows (schema-stamp.ts). Server: open it.
 *  - 'owner': a long-running process (run, serve, worker with the load queue): open, hold the dir, migrate.
 *  - 'inspect': `tagpulse doctor`: as 'command', but never migrates nor writes holder.json (a diagnosis changes
 *    nothing).
 *  - 'schema': `tagpulse migrate`: open with the configured topology (single/cluster DDL needs a server); the
 *    caller migrates or prints.
 *  - 'reader': the read-only ClickHouse user for the API's reads in server mode (clickhouseReadonlyUrl).
 * close() on the returned store also releases holder.json when this process wrote it.
 */
import type { Config } from '../config/config.ts';
import type { Store } from './store.ts';
import { openClickHouseStore } from './clickhouse-store.ts';
import { clearHolder, readHolder, writeHolder } from './owner.ts';
import { StoreError } from './errors.ts';
import { schemaStamped } from './schema-stamp.ts';

export type StoreRole = 'command' | 'inspect' | 'owner' | 'schema' | 'reader';

export type StoreConfig = Pick<Config, 'dataDir' | 'clickhouseUrl' | 'clickhouseReadonlyUrl' | 'topology' | 'clusterName'>;

export interface OpenStoreOptions {
  /** Who holds an embedded dir, for other processes' messages: 'tagpulse report', 'tagpulse run'. */
  command?: string;
}

export async function openStore(cfg: StoreConfig, role: StoreRole, opts: OpenStoreOptions = {}): Promise<Store> {
  const server = { dataDir: cfg.dataDir, ...(cfg.topology ? { topology: cfg.topology } : {}), cluster: cfg.clusterName };
  if (role === 'reader') {
    if (!cfg.clickhouseUrl || !cfg.clickhouseReadonlyUrl) throw new StoreError('a read-only store needs clickhouseUrl and clickhouseReadonlyUrl', { retryable: false });
    return openClickHouseStore({ ...server, clickhouseUrl: cfg.clickhouseReadonlyUrl });
  }
  if (role === 'schema') return openClickHouseStore({ ...server, ...(cfg.clickhouseUrl ? { clickhouseUrl: cfg.clickhouseUrl } : {}) });
  if (cfg.clickhouseUrl) {
    const store = await openClickHouseStore({ ...server, clickhouseUrl: cfg.clickhouseUrl });
    if (role === 'owner') await migrateOrClose(store);
    return store;
  }
  if (role === 'command' || role === 'inspect') {
    const holder = readHolder(cfg.dataDir);
    if (holder?.apiUrl && holder.token) {
      // loaded only here: its method table builds a zod schema per store method, which a command that opens the
      // dir itself (every `report`) does not need
      const { RemoteStore } = await import('./remote-store.ts');
      const remote = new RemoteStore(holder.apiUrl, holder.token);
      if (await remote.ping()) return remote;
    }
  }
  const store = await openClickHouseStore({ dataDir: cfg.dataDir });
  if (role === 'inspect') return store; // opened only to read, briefly; holder.json is left as it was
  writeHolder(cfg.dataDir, { pid: process.pid, command: opts.command ?? 'tagpulse', startedAt: new Date().toISOString() });
  const close = store.close.bind(store);
  store.close = async () => {
    try {
      await close();
    } finally {
      clearHolder(cfg.dataDir);
    }
  };
  // a command on a store whose chDB dir is stamped with exactly this code's migrations skips the check (schema-stamp.ts)
  if (role !== 'command' || !schemaStamped(cfg.dataDir)) await migrateOrClose(store);
  return store;
}

async function migrateOrClose(store: Store): Promise<void> {
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}
