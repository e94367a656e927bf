import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { queueDepths, storeStatus, type QueueDepth } from '../../services/status.ts';
import type { RedisTarget } from '../../queue/redis.ts';
import { knownCollectorPlatforms } from '../../collectors/registry.ts';
import type { Config } from '../../config/config.ts';
import { formatAge, formatCount } from '../format.ts';
import { formatEvery } from '../../schema/tracked.ts';
import { computeCapacity } from '../../services/capacity.ts';
import { lastSampleByPlatform, type GapReport } from '../../services/queue-gaps.ts';

interface QueueView {
  depths: (QueueDepth & { workers: number })[];
  gaps: GapReport | null;
}

async function readQueues(cfg: Config): Promise<QueueView | string> {
  // ioredis and bullmq are loaded only when there is a Redis to ask: a data dir without one (the usual one-shot
  // `status` next to no `tagpulse run`) is answered without loading either
  let target: RedisTarget;
  if (cfg.redisUrl) target = (await import('../../queue/redis.ts')).parseRedisUrl(cfg.redisUrl);
  else {
    const sock = join(cfg.dataDir, 'redis.sock');
    if (!existsSync(sock)) return 'no Redis running for this data dir (start tagpulse run)';
    target = { options: { path: sock }, describe: sock, shareable: `unix://${sock}` };
  }
  const { connectProducer } = await import('../../queue/redis.ts');
  let conn;
  try {
    conn = await connectProducer(target, 2000);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    const { openQueue, LOAD_QUEUE, collectQueueName } = await import('../../queue/queues.ts');
    const naming = { prefix: cfg.queuePrefix };
    const qs = [LOAD_QUEUE, ...knownCollectorPlatforms().map(collectQueueName)].map((n) => openQueue(n, conn, naming));
    try {
      const depths = await queueDepths(qs);
      const workers = await Promise.all(qs.map((q) => q.getWorkersCount().catch(() => 0)));
      const raw = await conn.get(`${cfg.queuePrefix}:tagpulse:gaps`);
      return { depths: depths.map((d, i) => ({ ...d, workers: workers[i] ?? 0 })), gaps: raw ? (JSON.parse(raw) as GapReport) : null };
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
  const capacity = computeCapacity(cfg, st.tags.map((t) => ({ platform: t.platform, everyMs: t.everyMs, active: true })));
  const lastSample = Object.fromEntries(lastSampleByPlatform(st.tags.flatMap((t) => t.latest.map((l) => ({ platform: t.platform, latest_at: l.observedAt })))));
  const redis = typeof queues === 'string' ? { up: false, note: queues } : { up: true, note: null };
  if (opts.json) {
    io.out(JSON.stringify({ redis, queues: typeof queues === 'string' ? queues : queues.depths, gaps: typeof queues === 'string' ? null : queues.gaps, lastSample, capacity, ...st }, null, 2));
    return 0;
  }
  io.out(`redis ${redis.up ? 'up' : `down — ${redis.note}`}`);
  io.out('queues');
  if (typeof queues === 'string') io.out(`  ${queues}`);
  else for (const q of queues.depths) io.out(`  ${q.queue.padEnd(20)} waiting ${q.waiting}  active ${q.active}  delayed ${q.delayed}  failed ${q.failed}  workers ${q.workers}`);
  io.out('last successful sample per platform');
  if (!Object.keys(lastSample).length) io.out('  none yet');
  for (const [p, at] of Object.entries(lastSample)) io.out(`  ${p.padEnd(16)} ${at} (${formatAge(Date.now() - Date.parse(at))} ago)`);
  io.out('capacity (requests the schedule needs vs the rate limit)');
  if (!capacity.length) io.out('  nothing scheduled');
  for (const c of capacity) io.out(`  ${c.ok ? '' : 'WARNING '}${c.message}`);
  if (typeof queues !== 'string' && queues.gaps && queues.gaps.totalMissedSlots > 0) {
    const g = queues.gaps;
    io.out(`gaps (found ${g.checkedAt}${g.queueWasEmpty ? '; the queue state was lost — Redis started empty' : ''}; past slots cannot be re-read)`);
    for (const t of g.tags) io.out(`  ${t.platform.padEnd(9)} #${t.tag.padEnd(28)} ${t.missedSlots} slot(s) missed, ${t.firstMissed} … ${t.lastMissed}`);
  }
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
