/**
 * Child process of load-redelivery.test.ts: a load worker on a real chDB store and a real Redis takes one load job and
 * is killed with SIGKILL right after its insert returned, before the rows' loaded marks are written — what a kill -9
 * of `tagpulse run` between the two leaves: the reading stored, unmarked, its job still active.
 * Usage: run-ts tests/faults/load-redelivery-child.ts <dataDir> <redis socket> <queue suffix> <job json>
 */
import { Queue } from 'bullmq';
import { openClickHouseStore } from '../../src/store/clickhouse-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createLoadWorker } from '../../src/workers/load.ts';
import { connectProducer, connectionFor, type RedisTarget } from '../../src/queue/redis.ts';
import { LOAD_QUEUE, qname, loadJobOptions } from '../../src/queue/queues.ts';

const [dataDir, socket, suffix, job] = process.argv.slice(2) as [string, string, string, string];
const target: RedisTarget = { options: { path: socket }, describe: socket, shareable: socket };
const naming = { prefix: 'tp', suffix };
const store = await openClickHouseStore({ dataDir });
await store.migrate();
const dying: Store = Object.assign(Object.create(store) as Store, {
  run: store.run.bind(store),
  insertObservations: async (rows: Parameters<Store['insertObservations']>[0]) => {
    const n = await store.insertObservations(rows);
    process.stdout.write('inserted\n');
    process.kill(process.pid, 'SIGKILL');
    return n;
  },
});
const producer = await connectProducer(target);
const q = new Queue(qname(LOAD_QUEUE, naming), { connection: producer, prefix: naming.prefix });
await q.add('observations', JSON.parse(job), { ...loadJobOptions(), jobId: 'first' });
createLoadWorker({ store: dying, connection: connectionFor(target, 'worker'), naming, batchSize: 100, flushMs: 20, lockDurationMs: 2000, stalledIntervalMs: 1000 });
