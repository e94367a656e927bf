/**
 * Store client that talks to the process owning an embedded data dir (chDB allows one process per dir), through
 * that process's loopback API. Authenticated with the owner's token from <dataDir>/holder.json (mode 0600).
 * Its methods come from the store's method table (methods.ts), which also validates them on the owner's side.
 */
import type { Store } from './store.ts';
import { StoreError, StoreUnavailableError } from './errors.ts';
import { dispatchStoreCall, storeCalls, type StoreMethodName } from './methods.ts';

export { dispatchStoreCall };

export interface RemoteStore extends Pick<Store, StoreMethodName> {}

export class RemoteStore implements Store {
  readonly backend = 'remote' as const;
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {
    const calls = storeCalls((name, args, bytes) => this.#call(name, args, bytes));
    Object.assign(this, calls, { ping: () => calls.ping().catch(() => false) });
  }

  async #call(method: string, args: unknown, bytes: boolean): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl}/internal/store/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify(args),
      });
    } catch (e) {
      throw new StoreUnavailableError(`the tagpulse process serving ${this.apiUrl} did not answer (${(e as Error).message})`, { cause: e });
    }
    if (bytes && res.ok) return Buffer.from(await res.arrayBuffer());
    const body = (await res.json().catch(() => ({}))) as { result?: unknown; error?: { code?: string; message?: string; retryable?: boolean } };
    if (!res.ok) {
      const err = new StoreError(body.error?.message ?? `owner API answered HTTP ${res.status}`, { retryable: body.error?.retryable ?? res.status >= 500 });
      Object.defineProperty(err, 'code', { value: body.error?.code ?? 'STORE_REMOTE' });
      throw err;
    }
    return body.result;
  }

  async close() {
    /* nothing to release: the owner keeps the store open */
  }
}
