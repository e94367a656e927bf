/**
 * The per-tag summary (tag_summary_v1): what the overview and /api/tags read, one row per (platform, tag, metric),
 * so a read of 10,000 tags does not recompute 10,000 reports.
 *
 * `refreshSummaries(store, keys, nowMs)` is the only writer. For a batch of tags it runs two queries — the tags' facts
 * the rollup does not keep (latest reading with source and precision, lower bounds, methods; a primary-key prefix read
 * of just those tags) and their hourly bins from the hourly rollup (never raw rows) — then the analytics' one
 * definition, `computeMetrics` (through `summaryOfMetrics`, the same read-out `summarizeBins` is), per series, and one
 * insert. There is no second definition to keep in step: the property test (tests/integration/dashboard/
 * summary.test.ts) proves a stored row equals `summarizeBins(binsFromColumns(rollup bins))` and the report.
 *
 * When it runs:
 *  - after the loader stores a batch, for the tags it stored (`createSummaryHook`, chained into the App's post-load
 *    hook: the hook only records the tags; the refresh runs beside the loader, never in its way);
 *  - after an import, a backfill or a manual write, once at the end (`refreshAfterWrite`);
 *  - on read: the overview refreshes rows that are missing or older than the current hour (`SummaryRefresher`), in
 *    the background, in batches of `SUMMARY_BATCH_TAGS` tags, one refresh at a time per process.
 */
import type { Store, TagSummaryWrite } from '../store/store.ts';
import type { Observation } from '../schema/observation.ts';
import { summaryBinsQuery, summaryCandidatesQuery, summaryCandidatesVersionQuery, summaryFactsQuery } from '../store/summary-queries.ts';
import { binReadings, binsFromColumns, computeMetrics, type HourBin } from '../analytics/metrics.ts';
import { binSparkline, summaryOfMetrics } from '../analytics/summary.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../analytics/math.ts';
import { listTracked } from './tracking.ts';
import { logger } from '../util/log.ts';

/** Bins read per series: 7 d window + the 7 d before it, or 24 h + 14 baseline days, plus an hour (as the overview). */
export const SUMMARY_LOOKBACK_MS = 16 * MS_PER_DAY;
/**
 * First hourly bucket a row's metrics read: SUMMARY_LOOKBACK_MS + 1 h before nowMs, on an hour boundary — the range
 * the leaderboard reads for its 24h and 7d windows (services/leaderboard.ts), so both compute on the same bins.
 */
export const summarySinceMs = (nowMs: number): number => Math.floor((nowMs - SUMMARY_LOOKBACK_MS - MS_PER_HOUR) / MS_PER_HOUR) * MS_PER_HOUR;

/** Tags per refresh query (bounded parameter arrays, bounded event-loop time per batch). */
export const SUMMARY_BATCH_TAGS = 300;

export interface TagKey {
  platform: string;
  tag: string;
}

const keyOf = (k: TagKey) => `${k.platform}|${k.tag}`;

/** The hour boundary a computation at nowMs belongs to (ISO): rows are current while it is the current hour. */
export const hourOf = (nowMs: number): string => new Date(Math.floor(nowMs / MS_PER_HOUR) * MS_PER_HOUR).toISOString();

let lastComputedAt = 0;
/** Strictly increasing computation times in this process: the ReplacingMergeTree version never ties. */
function computedAt(): string {
  lastComputedAt = Math.max(Date.now(), lastComputedAt + 1);
  return new Date(lastComputedAt).toISOString();
}

/** A signature of the bins a row was computed from (how many, first and last bucket, last reading, hours counted). */
export function binsSignature(bins: readonly HourBin[], sampleHours: number): string {
  const first = bins[0];
  const last = bins[bins.length - 1];
  return `${bins.length}|${first?.start ?? ''}|${last?.start ?? ''}|${last?.lastAt ?? ''}|${last?.last ?? ''}|${sampleHours}`;
}

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

/**
 * Recompute and store the summary rows of these tags as of nowMs (default now). Returns the rows written. Tags without
 * any stored observation get no row (the overview still lists tracked ones, without data).
 */
export async function refreshSummaries(store: Store, keys: readonly TagKey[], nowMs = Date.now()): Promise<TagSummaryWrite[]> {
  const unique = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
  if (!unique.length) return [];
  const cadences = new Map((await listTracked(store, true)).map((t) => [keyOf(t), t.everyMs]));
  const out: TagSummaryWrite[] = [];
  for (let i = 0; i < unique.length; i += SUMMARY_BATCH_TAGS) {
    const batch = unique.slice(i, i + SUMMARY_BATCH_TAGS);
    out.push(...(await refreshBatch(store, batch, nowMs, cadences)));
  }
  return out;
}

async function refreshBatch(store: Store, keys: TagKey[], nowMs: number, cadences: Map<string, number>): Promise<TagSummaryWrite[]> {
  const facts = await store.run(summaryFactsQuery, { platforms: keys.map((k) => k.platform), tags: keys.map((k) => k.tag) });
  if (!facts.length) return [];
  const at = new Date(nowMs).toISOString();
  const binRows = await store.run(summaryBinsQuery, {
    platforms: facts.map((f) => f.platform),
    metrics: facts.map((f) => f.metric),
    tags: facts.map((f) => f.tag),
    at,
    since: new Date(summarySinceMs(nowMs)).toISOString(),
  });
  const binsBy = new Map(binRows.map((r) => [`${r.platform}|${r.tag}|${r.metric}`, r]));
  const asOf = hourOf(nowMs);
  const rows: TagSummaryWrite[] = [];
  for (const f of facts) {
    const b = binsBy.get(`${f.platform}|${f.tag}|${f.metric}`);
    const bins = b ? binsFromColumns(b) : [];
    const sampleHours = b?.sample_hours ?? 0;
    const cadenceMs = cadences.get(keyOf(f));
    // the one definition: computeMetrics on the rollup's bins, read out exactly as summarizeBins does
    const m = computeMetrics(bins, { atMs: nowMs, ...(cadenceMs !== undefined ? { cadenceMs } : {}) });
    const s = summaryOfMetrics(m);
    const spark = binSparkline(bins, nowMs);
    const readings = binReadings(bins, nowMs);
    const lastReading = readings[readings.length - 1];
    const win = (label: '24h' | '7d') => m.windows.find((w) => w.window === label);
    const w24 = win('24h');
    const w7 = win('7d');
    rows.push({
      platform: f.platform,
      tag: f.tag,
      metric: f.metric,
      as_of: asOf,
      computed_at: computedAt(),
      window_end: s.asOf,
      velocity_24h: finite(s.velocity24h),
      velocity_24h_low: finite(s.velocity24hLow),
      velocity_24h_high: finite(s.velocity24hHigh),
      growth_24h_pct: finite(s.growth24hPct),
      growth_24h_pct_low: finite(s.growth24hPctLow),
      growth_24h_pct_high: finite(s.growth24hPctHigh),
      velocity_7d: finite(s.velocity7d),
      velocity_7d_low: finite(s.velocity7dLow),
      velocity_7d_high: finite(s.velocity7dHigh),
      growth_7d_pct: finite(s.growth7dPct),
      growth_7d_pct_low: finite(s.growth7dPctLow),
      growth_7d_pct_high: finite(s.growth7dPctHigh),
      doubling_days: finite(s.doublingDays),
      doubling_days_low: finite(s.doublingDaysLow),
      doubling_days_high: finite(s.doublingDaysHigh),
      halving_days: finite(s.halvingDays),
      halving_days_low: finite(m.counterGrowth?.halvingDaysLow ?? null),
      halving_days_high: finite(m.counterGrowth?.halvingDaysHigh ?? null),
      z_score: finite(s.zScore),
      breakout: s.breakout,
      latest_value: f.latest_value,
      latest_precision: f.latest_precision,
      latest_step: f.latest_step,
      latest_source: f.latest_source,
      latest_at: f.latest_at,
      sample_hours: sampleHours,
      methods: f.methods,
      first_at: f.first_at,
      last_at: f.latest_at,
      lower_bound_only: f.lower_bound_only,
      max_lower_bound: f.max_lower_bound,
      spark_start: new Date(spark.startMs).toISOString(),
      spark_step_ms: spark.stepMs,
      sparkline: spark.values,
      bins_signature: binsSignature(bins, sampleHours),
      // the leaderboard entry's fields (services/leaderboard.ts leaderboardFromSummary): the same computeMetrics result
      metrics_at: at,
      recent_bins: bins.length,
      bins_latest_value: lastReading ? lastReading.value.toString() : null,
      bins_latest_at: lastReading ? new Date(lastReading.t).toISOString() : null,
      from_24h: w24?.from ?? null,
      to_24h: w24?.to ?? null,
      delta_24h: w24?.delta ?? null,
      coverage_24h: finite(w24?.coverage ?? null),
      previous_velocity_24h: finite(w24?.previousVelocityPerHour ?? null),
      from_7d: w7?.from ?? null,
      to_7d: w7?.to ?? null,
      delta_7d: w7?.delta ?? null,
      coverage_7d: finite(w7?.coverage ?? null),
      previous_velocity_7d: finite(w7?.previousVelocityPerHour ?? null),
      growth_rate_per_day: finite(m.counterGrowth?.ratePerDay ?? null),
      z_baseline_days: m.zBaselineDays,
    });
  }
  await store.upsertTagSummaries(rows);
  return rows;
}

let processTail: Promise<unknown> = Promise.resolve();
/** One refresh at a time in this process, whichever store object or refresher asks. */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = processTail.then(() => fn(), () => fn());
  processTail = run.catch(() => undefined);
  return run;
}

/**
 * Background refreshes of one process: tags handed in are merged into one pending set and refreshed one batch at a
 * time (`SUMMARY_BATCH_TAGS` tags), never two refreshes at once. A failed batch is logged and dropped (the next read
 * or load asks again).
 */
export class SummaryRefresher {
  readonly #store: () => Store | undefined;
  readonly #pending = new Map<string, TagKey>();
  #running: Promise<void> | undefined;
  #rounds = 0;
  /** As-of time of the queued refreshes (undefined: the time each batch runs). */
  #nowMs: number | undefined;
  #log = logger('summaries');

  constructor(store: () => Store | undefined) {
    this.#store = store;
  }

  /** Run one refresh under the process's lock: never two at once (background batches and on-read ones alike). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return exclusive(fn);
  }

  /** Queue tags for a refresh (returns at once); `nowMs` (default: when the batch runs) is the as-of time. */
  schedule(keys: readonly TagKey[], nowMs?: number): void {
    this.#nowMs = nowMs;
    for (const k of keys) this.#pending.set(keyOf(k), { platform: k.platform, tag: k.tag });
    this.#kick();
  }

  /** True while a refresh runs or tags wait for one. */
  get busy(): boolean {
    return this.#running !== undefined || this.#pending.size > 0;
  }

  /** Refresh rounds finished (batches). */
  get rounds(): number {
    return this.#rounds;
  }

  /** Resolves when nothing runs and nothing waits. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#running || !this.#pending.size) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      this.#kick();
    });
  }

  async #loop(): Promise<void> {
    while (this.#pending.size) {
      const batch = [...this.#pending.values()].slice(0, SUMMARY_BATCH_TAGS);
      for (const k of batch) this.#pending.delete(keyOf(k));
      const store = this.#store();
      try {
        if (!store) throw new Error('the store is not open');
        const nowMs = this.#nowMs;
        await this.exclusive(() => refreshSummaries(store, batch, nowMs ?? Date.now()));
      } catch (e) {
        this.#log.warn({ err: (e as Error).message, tags: batch.length }, 'summary refresh failed; the next read or load asks again');
      } finally {
        this.#rounds++;
      }
      // let requests in between batches
      await new Promise((r) => setImmediate(r));
    }
  }
}

const refreshers = new WeakMap<Store, SummaryRefresher>();
/** The process's refresher of a store (one per store object: one refresh at a time per process). */
export function summaryRefresher(store: Store): SummaryRefresher {
  let r = refreshers.get(store);
  if (!r) {
    r = new SummaryRefresher(() => store);
    refreshers.set(store, r);
  }
  return r;
}

/** Per store: the candidates version of the last scan that found nothing missing or stale. */
const cleanAt = new WeakMap<Store, string>();

/** Missing rows computed before answering when at most this many (else in the background). */
export const INLINE_MISSING_MAX = 300;

/**
 * On read (overview, /api/tags): rows that are missing (a tag with data and no row: written by a path that did not
 * refresh) are computed now, awaited, when there are at most INLINE_MISSING_MAX; stale rows (an earlier hour), and
 * more missing ones, go to the process's background refresher. Returns how many were computed inline.
 */
export async function refreshOnRead(store: Store, nowMs: number): Promise<{ inline: number; scheduled: number }> {
  // The candidates scan reads the keys table (observation_keys_v1, one row per tag) and the summary: skipped while
  // nothing it depends on changed since a scan that found nothing (same hour, same raw row count, same summary version).
  const [v] = await store.run(summaryCandidatesVersionQuery, {});
  const version = `${hourOf(nowMs)}|${v?.version ?? ''}`;
  if (cleanAt.get(store) === version) return { inline: 0, scheduled: 0 };
  const candidates = await store.run(summaryCandidatesQuery, { hour: hourOf(nowMs) });
  if (!candidates.length) {
    cleanAt.set(store, version);
    return { inline: 0, scheduled: 0 };
  }
  const missing: TagKey[] = [];
  const stale: TagKey[] = [];
  for (const c of candidates) (c.missing ? missing : stale).push({ platform: c.platform, tag: c.tag });
  const refresher = summaryRefresher(store);
  let inline = 0;
  if (missing.length && missing.length <= INLINE_MISSING_MAX) {
    await refresher.exclusive(() => refreshSummaries(store, missing, nowMs));
    inline = missing.length;
  } else stale.unshift(...missing);
  if (stale.length) refresher.schedule(stale, nowMs);
  return { inline, scheduled: stale.length };
}

/** Tags of stored observations (a load batch, an import). */
export function tagsOf(observations: readonly Pick<Observation, 'platform' | 'tag'>[]): TagKey[] {
  return [...new Map(observations.map((o) => [keyOf(o), { platform: o.platform, tag: o.tag }])).values()];
}

/** The loader's post-load hook: records the tags of each stored batch and refreshes them in the background. */
export type SummaryHook = ((b: { observations: readonly Pick<Observation, 'platform' | 'tag'>[] }) => Promise<void>) & { idle(): Promise<void> };

/**
 * The loader's post-load hook. Load-triggered refreshes start at most once per `minIntervalMs` (config
 * summaryRefreshMinMs): the tags of the loads in between are held and go together in the next round. A busy loader
 * stores a batch every few hundred ms, mostly of the same tags, and each round recomputes every tag it holds, so
 * without the interval the same tags were recomputed after every batch (issue 15: ~80 µs of main-thread time per
 * sample in bench figure 1). A tag's row is then at most minIntervalMs (plus the round) behind its last load; `idle()`
 * releases what is held at once (shutdown, tests).
 */
export function createSummaryHook(store: () => Store | undefined, opts: { minIntervalMs?: () => number } = {}): SummaryHook {
  let refresher: SummaryRefresher | undefined;
  const get = (): SummaryRefresher | undefined => {
    const s = store();
    if (!s) return undefined;
    refresher ??= summaryRefresher(s);
    return refresher;
  };
  let held = new Map<string, TagKey>();
  let timer: NodeJS.Timeout | undefined;
  let lastReleaseMs = -Infinity;
  const release = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!held.size) return;
    const keys = [...held.values()];
    held = new Map();
    lastReleaseMs = Date.now();
    get()?.schedule(keys);
  };
  const hook = async (b: { observations: readonly Pick<Observation, 'platform' | 'tag'>[] }): Promise<void> => {
    if (!b.observations.length) return;
    for (const o of b.observations) {
      const k = keyOf(o);
      if (!held.has(k)) held.set(k, { platform: o.platform, tag: o.tag });
    }
    if (timer) return;
    const waitMs = lastReleaseMs + (opts.minIntervalMs?.() ?? 0) - Date.now();
    if (waitMs <= 0) release();
    else timer = setTimeout(release, waitMs);
  };
  return Object.assign(hook, {
    idle: async () => {
      release();
      await refresher?.idle();
    },
  });
}

/**
 * After an import, a backfill or a manual write: refresh the written tags once, at the end, and wait for it (the
 * command's user sees current numbers right after). A failed refresh does not fail the write: the overview refreshes
 * missing and stale rows on read.
 */
export async function refreshAfterWrite(store: Store, keys: readonly TagKey[]): Promise<void> {
  if (!keys.length) return;
  try {
    await refreshSummaries(store, keys);
  } catch (e) {
    logger('summaries').warn({ err: (e as Error).message, tags: keys.length }, 'summary refresh after a write failed; the overview refreshes it on read');
  }
}
