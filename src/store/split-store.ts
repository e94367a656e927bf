/**
 * Reads through a read-only ClickHouse user, writes through the read-write one. In server mode the dashboard/API
 * queries run as the read-only user (config clickhouseReadonlyUrl), so a bug or an injection in a read path cannot
 * change data. Which side serves each method is said once, in the store's method table (methods.ts).
 */
import type { Store } from './store.ts';
import { routeCalls } from './methods.ts';

export function splitStore(readWrite: Store, readOnly: Store): Store {
  return {
    backend: readWrite.backend,
    ...routeCalls((side) => (side === 'read' ? readOnly : readWrite)),
    close: async () => {
      await readOnly.close();
      await readWrite.close();
    },
  };
}
