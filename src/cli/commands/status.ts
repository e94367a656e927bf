import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { queueDepths, storeStatus, type QueueDepth } from '../../services/status.ts';
import { parseRedisUrl, connectProducer, type RedisTarget } from '../../queue/redis.ts';
import { openQueue, LOAD_QUEUE, collectQueueName } from '../../queue/queues.ts';
import { knownCollectorPlatforms } from '../../collectors/registry.ts';
import type { Config } from '../../config/config.ts';
import { formatAge, formatCount } from '../format.ts';
import { formatEvery } from '../../schema/tracked.ts';

async function readQueues(cfg: Config): Promise<QueueDepth[] | string> {
  let target: RedisTarget;
  if (cfg.redisUrl) target = parseRedisUrl(cfg.redisUrl);
  else {
    const sock = join(cfg.dataDir, 'redis.sock');
    if (!existsSync(sock)) return 'no Redis running for this data dir (start tagpulse run)';
    target = { options: { path: sock }, describe: sock, shareable: `unix://${sock}` };
  }
  let conn;
  try {
    conn = await connectProducer(target, 2000);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    const naming = { prefix: cfg.queuePrefix };
    const qs = [LOAD_QUEUE, ...knownCollectorPlatforms().map(collectQueueName)].map((n) => openQueue(n, conn, naming));
    try {
      return await queueDepths(qs);
    } finally {
      await Promise.all(qs.map((q) => q.close()));
    }
  } catch (e) {
    return `Redis unreachable (${(e as Error).message})`;
  } finally {
    conn.disconnect();
  }
}

export async function runStatus(opts: GlobalOptions & { json?: boolean }, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const st = await withStore(cfg, 'status', (store) => storeStatus(store));
  const queues = await readQueues(cfg);
  if (opts.json) {
    io.out(JSON.stringify({ queues, ...st }, null, 2));
    return 0;
  }
  io.out('queues');
  if (typeof queues === 'string') io.out(`  ${queues}`);
  else for (const q of queues) io.out(`  ${q.queue.padEnd(20)} waiting ${q.waiting}  active ${q.active}  delayed ${q.delayed}  failed ${q.failed}`);
  io.out('tracked tags');
  if (!st.tags.length) io.out('  none yet: tagpulse track add <tag>');
  const now = Date.now();
  for (const t of st.tags) {
    const last = t.latest.map((l) => `${l.metric} ${formatCount(l.value)}${l.exact ? '' : '~'} (${formatAge(now - Date.parse(l.observedAt))} ago)`).join(', ');
    io.out(`  ${t.platform.padEnd(9)} #${t.tag.padEnd(28)} every ${formatEvery(t.everyMs).padEnd(4)} ${last || 'no observation yet'}`);
  }
  io.out('recent failures (24h)');
  if (!st.failures.length) io.out('  none');
  for (const f of st.failures) io.out(`  ${f.occurred_at} ${f.platform} #${f.tag} ${f.kind}${f.status_code ? ` HTTP ${f.status_code}` : ''}${f.platform_code ? ` code ${f.platform_code}` : ''}: ${f.message.slice(0, 120)}`);
  return 0;
}

export function configureStatusCommand(program: Command): void {
  program
    .command('status')
    .description('queue depths, last observation per tracked tag, recent failures')
    .option('--json', 'machine-readable JSON')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runStatus(globalsOf(cmd) as GlobalOptions & { json?: boolean }));
    });
}
