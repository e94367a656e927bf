/**
 * Operations: queue health from BullMQ job counts, this process's workers, stale tags and collector errors, as JSON
 * for the operations page and as Prometheus text for /metrics. A process without queues (a test server, or an App
 * without Redis) says so instead of showing zeros.
 */
import type { Queue, Worker } from 'bullmq';
import type { Store } from '../store/store.ts';
import { latestQuery, recentFailuresQuery } from '../store/queries.ts';
import { listTracked } from '../services/tracking.ts';
import { queueDepths, type QueueDepth } from '../services/status.ts';
import type { TrackedTag } from '../schema/tracked.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../analytics/math.ts';
import { isStale, latestByTag } from './overview.ts';
import { failureKindsQuery, observationCountsQuery, type FailureRecord } from '../store/dashboard-queries.ts';
import type { Config } from '../config/config.ts';
import { activeDriftAlerts, type DriftBanner } from '../services/format-drift.ts';
import { computeCapacity, type PlatformCapacity } from '../services/capacity.ts';
import { lastSampleByPlatform, type GapReport } from '../services/queue-gaps.ts';
import { guardOf } from '../queue/worker-guard.ts';
import type { QueryRow } from '../store/query.ts';
type LatestRow = QueryRow<typeof latestQuery>;

/**
 * What the operations view reads of the running process: a narrow view that runtime/'s App satisfies, so this layer
 * never imports the runtime (layers point down).
 */
export interface ProcessView {
  readonly queues: ReadonlyMap<string, Queue>;
  readonly loadQueue?: Queue | undefined;
  readonly workers: readonly Worker[];
  readonly redis?: { readonly describe: string } | undefined;
  readonly gaps?: GapReport | undefined;
  readonly opts: { readonly cfg: Config; readonly command: string; readonly roles: { readonly scheduler: boolean; readonly collect: boolean; readonly load: boolean; readonly api: boolean } };
  redisState(): { up: boolean; state: string; restarts: number; adopted: boolean };
}

export interface QueueHealth extends QueueDepth {
  paused: boolean;
}

export interface OpsData {
  generatedAt: string;
  process: { pid: number; command: string | null; uptimeS: number; roles: Record<string, boolean> | null; workers: { name: string; running: boolean }[] };
  store: { backend: string; up: boolean };
  redis: string | null;
  queues: { available: boolean; note: string | null; items: QueueHealth[] };
  tracked: number;
  stale: { platform: string; tag: string; everyMs: number; lastAt: string | null }[];
  failures: { lastHour: FailureKindCount[]; lastDay: FailureKindCount[]; recent: FailureRecord[] };
  /** Open format_drift alerts (banner). Each recent failure links to its saved response via raw_ref (/api/ops/raw/<id>). */
  drift: DriftBanner[];
  /** Queue health of this process: Redis up/down, workers, last successful sample per platform, capacity, gaps. */
  runtime: RuntimeHealth;
}

export interface RuntimeHealth {
  /** null: this process has no Redis. */
  redis: { up: boolean; state: string; restarts: number; adopted: boolean } | null;
  workers: { running: number; total: number; paused: { name: string; kind: string | null }[] };
  lastSample: { platform: string; at: string }[];
  capacity: PlatformCapacity[];
  gaps: GapReport | null;
}

export interface FailureKindCount {
  platform: string;
  kind: string;
  failures: number;
  lastAt: string;
}

const NO_QUEUES = 'this process serves the dashboard without queues (no Redis connection): queue health is shown by the process that runs the workers (tagpulse run).';

function queuesOf(app: ProcessView | undefined): Queue[] {
  if (!app) return [];
  return [...app.queues.values(), ...(app.loadQueue ? [app.loadQueue] : [])];
}

async function queueHealth(app: ProcessView | undefined): Promise<OpsData['queues']> {
  const queues = queuesOf(app);
  if (!queues.length) return { available: false, note: NO_QUEUES, items: [] };
  try {
    const [depths, paused] = await Promise.all([queueDepths(queues), Promise.all(queues.map((q) => q.isPaused()))]);
    return { available: true, note: null, items: depths.map((d, i) => ({ ...d, paused: paused[i]! })) };
  } catch (e) {
    return { available: false, note: `Redis did not answer: ${(e as Error).message}`, items: [] };
  }
}

async function staleTags(store: Store, nowMs: number): Promise<{ tracked: TrackedTag[]; stale: OpsData['stale']; rows: LatestRow[] }> {
  const tracked = await listTracked(store);
  if (!tracked.length) return { tracked, stale: [], rows: [] };
  const rows = await store.run(latestQuery, { platforms: tracked.map((t) => t.platform), tags: tracked.map((t) => t.tag) });
  const latest = latestByTag(rows);
  const stale = tracked
    .map((t) => ({ platform: t.platform, tag: t.tag, everyMs: t.everyMs, lastAt: latest.get(`${t.platform}|${t.tag}`)?.lastAt ?? null }))
    .filter((t) => isStale(t.lastAt, t.everyMs, nowMs));
  return { tracked, stale, rows };
}

/** One code path for the operations page and /metrics. */
function runtimeHealth(app: ProcessView | undefined, tracked: TrackedTag[], rows: LatestRow[]): RuntimeHealth {
  const workers = app?.workers ?? [];
  const paused = workers.filter((w) => guardOf(w)?.state.paused || !w.isRunning()).map((w) => ({ name: w.name, kind: guardOf(w)?.state.kind ?? null }));
  return {
    redis: app?.redis ? app.redisState() : null,
    workers: { running: workers.length - paused.length, total: workers.length, paused },
    lastSample: [...lastSampleByPlatform(rows)].map(([platform, at]) => ({ platform, at })),
    capacity: app ? computeCapacity(app.opts.cfg, tracked) : [],
    gaps: app?.gaps ?? null,
  };
}

const kindCounts = async (store: Store, sinceMs: number): Promise<FailureKindCount[]> =>
  (await store.run(failureKindsQuery, { since: new Date(sinceMs).toISOString() })).map((r) => ({ platform: r.platform, kind: r.kind, failures: r.failures, lastAt: r.last_at }));

export async function buildOps(store: Store, app: ProcessView | undefined, nowMs = Date.now(), cfg?: Config): Promise<OpsData> {
  const up = await store.ping().catch(() => false);
  const [queues, tags, lastHour, lastDay, recent] = await Promise.all([
    queueHealth(app),
    staleTags(store, nowMs),
    kindCounts(store, nowMs - MS_PER_HOUR),
    kindCounts(store, nowMs - MS_PER_DAY),
    store.run(recentFailuresQuery, { since: new Date(nowMs - MS_PER_DAY).toISOString(), limit: 50 }),
  ]);
  return {
    generatedAt: new Date(nowMs).toISOString(),
    process: {
      pid: process.pid,
      command: app?.opts.command ?? null,
      uptimeS: Math.round(process.uptime()),
      roles: app ? { ...app.opts.roles } : null,
      workers: (app?.workers ?? []).map((w) => ({ name: w.name, running: w.isRunning() })),
    },
    store: { backend: store.backend, up },
    redis: app?.redis?.describe ?? null,
    queues,
    tracked: tags.tracked.length,
    stale: tags.stale,
    failures: { lastHour, lastDay, recent },
    drift: cfg ? await activeDriftAlerts(store, cfg, nowMs) : [],
    runtime: runtimeHealth(app, tags.tracked, tags.rows),
  };
}

/** One Prometheus metric family in the text exposition format (HELP and TYPE once, then its samples). */
function family(name: string, type: 'gauge' | 'counter', help: string, samples: { labels?: Record<string, string>; value: number }[]): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const s of samples) {
    const labels = Object.entries(s.labels ?? {});
    lines.push(`${name}${labels.length ? `{${labels.map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}` : ''} ${Number.isFinite(s.value) ? s.value : 'NaN'}`);
  }
  return lines.join('\n');
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

/**
 * /metrics. Queue depths are our own gauges (BullMQ's exportPrometheusMetrics repeats HELP/TYPE per queue, which a
 * Prometheus parser rejects when several queues are scraped together). Observation and failure totals are row counts
 * of the store, so they survive restarts; a failure row expires after 400 days (TTL), which Prometheus sees as a reset.
 */
export async function prometheusMetrics(store: Store, app: ProcessView | undefined, nowMs = Date.now()): Promise<string> {
  const up = await store.ping().catch(() => false);
  const out = [family('tagpulse_store_up', 'gauge', 'Whether the store answers (1) or not (0).', [{ value: up ? 1 : 0 }])];
  const queues = await queueHealth(app);
  out.push(family('tagpulse_queues_available', 'gauge', 'Whether this process has queues to report (1) or serves without Redis (0).', [{ value: queues.available ? 1 : 0 }]));
  if (queues.available) {
    const states = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
    out.push(family('tagpulse_queue_jobs', 'gauge', 'BullMQ jobs per queue and state.', queues.items.flatMap((q) => states.map((s) => ({ labels: { queue: q.queue, state: s }, value: q[s] })))));
    out.push(family('tagpulse_queue_paused', 'gauge', 'Whether the queue is paused.', queues.items.map((q) => ({ labels: { queue: q.queue }, value: q.paused ? 1 : 0 }))));
  }
  if (app?.redis) {
    const r = app.redisState();
    out.push(family('tagpulse_redis_up', 'gauge', 'Whether this process reaches its Redis (1) or not (0).', [{ value: r.up ? 1 : 0 }]));
    out.push(family('tagpulse_redis_restarts_total', 'counter', 'Restarts of the private redis-server by this process.', [{ value: r.restarts }]));
  }
  if (app) {
    out.push(family('tagpulse_workers', 'gauge', 'Workers of this process, by state (paused = stopped by the guard on an error that needs a change).', [
      { labels: { state: 'running' }, value: app.workers.filter((w) => w.isRunning() && !guardOf(w)?.state.paused).length },
      { labels: { state: 'paused' }, value: app.workers.filter((w) => guardOf(w)?.state.paused).length },
      { labels: { state: 'stopped' }, value: app.workers.filter((w) => !w.isRunning()).length },
    ]));
    if (app.gaps) out.push(family('tagpulse_missed_slots', 'gauge', 'Planned slots with no stored sample and no job, found at start or after a Redis restart.', [{ value: app.gaps.totalMissedSlots }]));
  }
  if (up) {
    const [{ tracked, stale, rows }, observations, failures] = await Promise.all([
      staleTags(store, nowMs),
      store.run(observationCountsQuery, {}),
      store.run(failureKindsQuery, { since: '1970-01-01T00:00:00.000Z' }),
    ]);
    const trackedBy = countBy(tracked, (t) => t.platform);
    const staleBy = countBy(stale, (t) => t.platform);
    out.push(family('tagpulse_tracked_tags', 'gauge', 'Tracked (active) tags per platform.', [...trackedBy].map(([platform, n]) => ({ labels: { platform }, value: n }))));
    out.push(family('tagpulse_last_sample_timestamp_seconds', 'gauge', 'Time of the last stored sample per platform (tracked tags).', [...lastSampleByPlatform(rows)].map(([platform, at]) => ({ labels: { platform }, value: Date.parse(at) / 1000 }))));
    if (app) out.push(family('tagpulse_capacity_utilization', 'gauge', 'Requests the schedule needs / requests the rate limit allows, per platform (above 1: samples fall behind).', computeCapacity(app.opts.cfg, tracked).map((c) => ({ labels: { platform: c.platform }, value: Math.round(c.utilization * 1000) / 1000 }))));
    out.push(family('tagpulse_stale_tags', 'gauge', 'Tracked tags with no sample for three cadences plus a minute.', [...trackedBy.keys()].map((platform) => ({ labels: { platform }, value: staleBy.get(platform) ?? 0 }))));
    out.push(family('tagpulse_observations_total', 'counter', 'Observations (samples) stored, per platform and metric.', observations.map((o) => ({ labels: { platform: o.platform, metric: o.metric }, value: o.observations }))));
    out.push(family('tagpulse_collection_failures_total', 'counter', 'Collection failures stored (last 400 days), per platform and kind.', failures.map((f) => ({ labels: { platform: f.platform, kind: f.kind }, value: f.failures }))));
  }
  return out.join('\n') + '\n';
}
