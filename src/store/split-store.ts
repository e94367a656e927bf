/**
 * Reads through a read-only ClickHouse user, writes through the read-write one. In server mode the dashboard/API
 * queries run as the read-only user (config clickhouseReadonlyUrl), so a bug or an injection in a read path cannot
 * change data.
 */
import type { NamedQuery, QueryParams } from './query.ts';
import type { ExportFormat, Store } from './store.ts';

export function splitStore(readWrite: Store, readOnly: Store): Store {
  return {
    backend: readWrite.backend,
    migrate: () => readWrite.migrate(),
    insertObservations: (rows, opts) => readWrite.insertObservations(rows, opts),
    insertFailures: (rows, opts) => readWrite.insertFailures(rows, opts),
    upsertTracked: (rows) => readWrite.upsertTracked(rows),
    upsertEvents: (rows) => readWrite.upsertEvents(rows),
    upsertAlertDeliveries: (rows) => readWrite.upsertAlertDeliveries(rows),
    run: <Q extends NamedQuery>(q: Q, p: QueryParams<Q>) => readOnly.run(q, p),
    runWithStats: <Q extends NamedQuery>(q: Q, p: QueryParams<Q>) => readOnly.runWithStats(q, p),
    exportBytes: <Q extends NamedQuery>(q: Q, p: QueryParams<Q>, f: ExportFormat) => readOnly.exportBytes(q, p, f),
    ping: () => readOnly.ping(),
    close: async () => {
      await readOnly.close();
      await readWrite.close();
    },
  };
}
