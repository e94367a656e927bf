/**
 * Store client that talks to the process owning an embedded data dir (chDB allows one process per dir), through
 * that process's loopback API. Authenticated with the owner's token from <dataDir>/holder.json (mode 0600).
 */
import { z } from 'zod';
import { Observation } from '../schema/observation.ts';
import { CollectionFailure } from '../schema/failure.ts';
import { TrackedTag } from '../schema/tracked.ts';
import type { NamedQuery, QueryParams, QueryRow, QueryStats } from './query.ts';
import type { AlertDeliveryWrite, EventRow, ExportFormat, InsertOptions, Store } from './store.ts';
import { StoreError, StoreUnavailableError } from './errors.ts';

export class RemoteStore implements Store {
  readonly backend = 'remote' as const;
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  async #call<T>(method: string, args: unknown): Promise<T> {
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
    if (method === 'exportBytes' && res.ok) return Buffer.from(await res.arrayBuffer()) as T;
    const body = (await res.json().catch(() => ({}))) as { result?: T; error?: { code?: string; message?: string; retryable?: boolean } };
    if (!res.ok) {
      const err = new StoreError(body.error?.message ?? `owner API answered HTTP ${res.status}`, { retryable: body.error?.retryable ?? res.status >= 500 });
      Object.defineProperty(err, 'code', { value: body.error?.code ?? 'STORE_REMOTE' });
      throw err;
    }
    return body.result as T;
  }

  migrate() {
    return this.#call<{ applied: number[] }>('migrate', {});
  }
  insertObservations(rows: Observation[], opts: InsertOptions = {}) {
    return this.#call<number>('insertObservations', { rows, opts });
  }
  insertFailures(rows: CollectionFailure[], opts: InsertOptions = {}) {
    return this.#call<number>('insertFailures', { rows, opts });
  }
  upsertTracked(rows: TrackedTag[]) {
    return this.#call<void>('upsertTracked', { rows });
  }
  upsertEvents(rows: EventRow[]) {
    return this.#call<void>('upsertEvents', { rows });
  }
  upsertAlertDeliveries(rows: AlertDeliveryWrite[]) {
    return this.#call<void>('upsertAlertDeliveries', { rows });
  }
  async run<Q extends NamedQuery>(q: Q, params: QueryParams<Q>): Promise<QueryRow<Q>[]> {
    return (await this.runWithStats(q, params)).rows;
  }
  runWithStats<Q extends NamedQuery>(q: Q, params: QueryParams<Q>) {
    return this.#call<{ rows: QueryRow<Q>[]; stats: QueryStats }>('run', { name: q.name, params });
  }
  exportBytes<Q extends NamedQuery>(q: Q, params: QueryParams<Q>, format: ExportFormat) {
    return this.#call<Buffer>('exportBytes', { name: q.name, params, format });
  }
  async ping() {
    try {
      return await this.#call<boolean>('ping', {});
    } catch {
      return false;
    }
  }
  async close() {
    /* nothing to release: the owner keeps the store open */
  }
}

const InsertOpts = z.object({ dedupToken: z.string().max(200).optional() });

/** Server side of the RPC: dispatch a call to the real store. Queries are looked up by name only. */
export async function dispatchStoreCall(
  store: Store,
  method: string,
  args: Record<string, unknown>,
  lookup: (name: string) => NamedQuery | undefined,
): Promise<unknown> {
  switch (method) {
    case 'migrate':
      return store.migrate();
    // Rows from another process are validated like any other input before they reach the store.
    case 'insertObservations':
      return store.insertObservations(z.array(Observation).parse(args.rows), InsertOpts.parse(args.opts ?? {}));
    case 'insertFailures':
      return store.insertFailures(z.array(CollectionFailure).parse(args.rows), InsertOpts.parse(args.opts ?? {}));
    case 'upsertTracked':
      return store.upsertTracked(z.array(TrackedTag).parse(args.rows));
    case 'upsertEvents':
      return store.upsertEvents(args.rows as EventRow[]);
    case 'upsertAlertDeliveries':
      return store.upsertAlertDeliveries(args.rows as AlertDeliveryWrite[]);
    case 'ping':
      return store.ping();
    case 'run':
    case 'exportBytes': {
      const q = lookup(String(args.name));
      if (!q) throw new StoreError(`unknown query ${JSON.stringify(args.name)}`);
      if (method === 'run') return store.runWithStats(q, args.params as never);
      return store.exportBytes(q, args.params as never, args.format as ExportFormat);
    }
    default:
      throw new StoreError(`unknown store method ${JSON.stringify(method)}`);
  }
}
