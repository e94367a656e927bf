/**
 * The real tagpulse HTTP server (JSON API + analytics API) over a chDB store, registered as the owner of the data
 * dir so that CLI commands (runX) reach the store through it, exactly as with a running `tagpulse run`.
 */
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { writeHolder, clearHolder } from '../../../src/store/owner.ts';
import type { Store } from '../../../src/store/store.ts';
import type { Config } from '../../../src/config/config.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startOwnerServer(store: Store, cfg: Config): Promise<ApiServer & { get(path: string, token?: string): Promise<Response> }> {
  const api = await startApiServer({ store, host: '127.0.0.1', port: 0, adminToken: cfg.adminToken, mount: (router, deps) => mountAll(router, { ...deps, cfg }) });
  writeHolder(cfg.dataDir, { pid: process.pid, command: 'test owner', startedAt: new Date().toISOString(), apiUrl: api.url, token: api.ownerToken });
  return {
    ...api,
    get: (path, token) => fetch(`${api.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    close: async () => {
      clearHolder(cfg.dataDir);
      await api.close();
    },
  };
}

/** Captures CLI output. */
export function captureIo(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void; isTTY: boolean } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false } };
}
