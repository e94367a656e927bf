import { openClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { RemoteStore } from '../../../src/store/remote-store.ts';
import { startApiServer } from '../../../src/api/server.ts';
import '../../../src/store/queries.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { describeStoreContract } from './contract.ts';

// The same contract through the owner's API: what CLI commands use while `tagpulse run` holds the data dir.
describeStoreContract('remote (owner API over chdb)', async () => {
  const t = tempDir();
  const store = await openClickHouseStore({ dataDir: t.dir });
  const api = await startApiServer({ store, host: '127.0.0.1', port: 0 });
  return {
    store: new RemoteStore(api.url, api.ownerToken),
    cleanup: async () => {
      await api.close();
      await store.close();
      t.cleanup();
    },
  };
});
