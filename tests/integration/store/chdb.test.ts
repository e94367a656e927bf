import { openClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { describeStoreContract } from './contract.ts';

describeStoreContract('chdb', async () => {
  const t = tempDir();
  const store = await openClickHouseStore({ dataDir: t.dir });
  return { store, cleanup: async () => { await store.close(); t.cleanup(); } };
});
