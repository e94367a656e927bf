/**
 * Wayback backfill: the history of a tag's counters from archived copies of its page.
 *
 * 1. Ask the CDX index for the tag page's captures (one per day, status 200) between `from` and `to`.
 * 2. Keep only captures of exactly this tag's page; skip those already stored (observed_at of method 'wayback') and
 *    those already recorded as permanent failures (a capture never changes, so a captcha capture stays one).
 * 3. Fetch each raw capture politely (1–2 at a time, a pause between requests, backoff on 429/5xx honouring
 *    Retry-After) and parse it with the platform's live parser, whatever its era.
 * 4. Values become observations (method 'wayback', source 'wayback:<parser source>', observed_at = capture time,
 *    provenance = capture URL); captcha captures, "Something went wrong" shells and the like become failures, never
 *    values. Results are written in small batches as they come, so an interrupted run resumes where it stopped.
 */
import type { CollectionFailure, FailureKind } from '../../schema/failure.ts';
import type { Observation } from '../../schema/observation.ts';
import { validateBaseUrl } from '../common/http.ts';
import { requestPolitely } from '../common/retry.ts';
import { captureTime, cdxQueryUrl, parseCdxJson, rawCaptureUrl, timestampOfCaptureUrl, CdxError, type CdxCapture } from './cdx.ts';
import { ARCHIVE_SOURCES, isPageOfTag, type ArchiveSource } from './sources.ts';

export const WAYBACK_VERSION = 'wayback/1.0.0';

/** Failure kinds that say nothing about the capture itself: fetching it again later may work. */
const TRANSIENT_KINDS: ReadonlySet<string> = new Set<FailureKind>(['network', 'server_error', 'throttled']);

export function isTransientFailure(kind: string): boolean {
  return TRANSIENT_KINDS.has(kind);
}

export class BackfillError extends Error {
  readonly code = 'BACKFILL_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Where a backfill reads what it has and writes what it found (the store, through withStore). */
export interface BackfillSink {
  /** observed_at (ISO) of stored wayback observations of this tag. */
  storedTimes(): Promise<Set<string>>;
  /** Capture URLs already recorded as non-transient failures. */
  failedCaptures(): Promise<Set<string>>;
  write(observations: Observation[], failures: CollectionFailure[]): Promise<void>;
}

export interface BackfillProgress {
  done: number;
  total: number;
  stored: number;
  failed: number;
  /** The capture just handled. */
  capture?: { at: string; ok: boolean; detail: string };
}

export interface BackfillOptions {
  platform: string;
  tag: string;
  from?: Date;
  to?: Date;
  waybackBaseUrl: string;
  userAgent: string;
  timeoutMs: number;
  /** 1 or 2 fetchers. */
  concurrency: number;
  /** Pause between two requests of one fetcher. */
  delayMs: number;
  /** Tries per request (429/5xx/network). */
  attempts?: number;
  sink: BackfillSink;
  onProgress?: (p: BackfillProgress) => void;
  onRetry?: (info: { url: string; attempt: number; waitMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

export interface BackfillSummary {
  /** Captures the index listed for the prefix. */
  listed: number;
  /** Of those, captures of exactly this tag's page. */
  matching: number;
  skipped: number;
  fetched: number;
  observations: number;
  failures: Partial<Record<FailureKind, number>>;
  transientFailures: number;
}

const FLUSH_EVERY = 10;
const MAX_BACKOFF_MS = 10 * 60_000;

export function archiveSourceFor(platform: string): ArchiveSource {
  const source = ARCHIVE_SOURCES[platform];
  if (!source) throw new BackfillError(`no Wayback backfill for platform ${JSON.stringify(platform)}; supported: ${Object.keys(ARCHIVE_SOURCES).join(', ')}`);
  return source;
}

export async function runBackfill(o: BackfillOptions): Promise<BackfillSummary> {
  const source = archiveSourceFor(o.platform);
  const base = validateBaseUrl(o.waybackBaseUrl, 'Wayback origin');
  const http = { headers: { 'user-agent': o.userAgent, accept: '*/*' }, timeoutMs: o.timeoutMs, allowPrivateOrigins: [base], attempts: o.attempts ?? 5, baseDelayMs: Math.max(1000, o.delayMs), maxDelayMs: MAX_BACKOFF_MS, ...(o.sleep ? { sleep: o.sleep } : {}), ...(o.onRetry ? { onRetry: o.onRetry } : {}) };
  const now = o.now ?? (() => new Date());
  const pause = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  const listed = await listCaptures(base, source.cdxUrl(o.tag), o, http);
  const matching = dedupeByTimestamp(listed.filter((c) => isPageOfTag(source, c.original, o.tag)));
  const [stored, failed] = await Promise.all([o.sink.storedTimes(), o.sink.failedCaptures()]);
  const todo = matching.filter((c) => !stored.has(captureTime(c.timestamp)) && !failed.has(rawCaptureUrl(base, c)));
  const summary: BackfillSummary = { listed: listed.length, matching: matching.length, skipped: matching.length - todo.length, fetched: 0, observations: 0, failures: {}, transientFailures: 0 };
  const progress: BackfillProgress = { done: 0, total: todo.length, stored: 0, failed: 0 };
  o.onProgress?.(progress);

  const pending = { observations: [] as Observation[], failures: [] as CollectionFailure[], results: 0 };
  const flush = async () => {
    if (!pending.observations.length && !pending.failures.length) return;
    const batch = { observations: pending.observations.splice(0), failures: pending.failures.splice(0) };
    pending.results = 0;
    await o.sink.write(batch.observations, batch.failures);
  };

  let next = 0;
  const fetcher = async () => {
    for (let first = true; next < todo.length; first = false) {
      const capture = todo[next++]!;
      if (!first && o.delayMs > 0) await pause(o.delayMs);
      const result = await fetchCapture(base, capture, source, o, http, now);
      summary.fetched++;
      progress.done++;
      if (result.ok) {
        pending.observations.push(...result.observations);
        summary.observations += result.observations.length;
        progress.stored += result.observations.length;
      } else {
        pending.failures.push(result.failure);
        summary.failures[result.failure.kind] = (summary.failures[result.failure.kind] ?? 0) + 1;
        if (isTransientFailure(result.failure.kind)) summary.transientFailures++;
        progress.failed++;
      }
      progress.capture = { at: result.at, ok: result.ok, detail: result.detail };
      o.onProgress?.({ ...progress });
      if (++pending.results >= FLUSH_EVERY) await flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(2, Math.max(1, o.concurrency)) }, fetcher));
  } finally {
    await flush();
  }
  return summary;
}

async function listCaptures(base: string, prefix: string, o: BackfillOptions, http: Parameters<typeof requestPolitely>[1]): Promise<CdxCapture[]> {
  const url = cdxQueryUrl(base, { url: prefix, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
  let res;
  try {
    res = await requestPolitely(url, http);
  } catch (e) {
    throw new BackfillError(`could not reach the Wayback CDX index at ${base}: ${(e as Error).message}`, { cause: e });
  }
  if (res.status !== 200) throw new BackfillError(`the Wayback CDX index answered HTTP ${res.status} for ${prefix}; try again later`);
  try {
    return parseCdxJson(res.body);
  } catch (e) {
    throw new BackfillError(`the Wayback CDX index answer could not be read: ${(e as CdxError).message}`, { cause: e });
  }
}

/** Several URL variants (?lang=en, ?is_copy_url=1) can be captured in the same second: one observation per time. */
function dedupeByTimestamp(captures: CdxCapture[]): CdxCapture[] {
  const seen = new Set<string>();
  return captures.filter((c) => !seen.has(c.timestamp) && seen.add(c.timestamp)).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

type CaptureResult = { at: string; detail: string } & ({ ok: true; observations: Observation[] } | { ok: false; failure: CollectionFailure });

async function fetchCapture(base: string, c: CdxCapture, source: ArchiveSource, o: BackfillOptions, http: Parameters<typeof requestPolitely>[1], now: () => Date): Promise<CaptureResult> {
  const requested = rawCaptureUrl(base, c);
  const fetchedAt = now().toISOString();
  const failure = (at: string, url: string, kind: FailureKind, message: string, statusCode = 0, platformCode = ''): CaptureResult => ({
    ok: false,
    at,
    detail: `${kind}: ${message}`,
    failure: { platform: source.platform, tag: o.tag, kind, statusCode, platformCode, message: message.slice(0, 2000), method: 'wayback', source: 'wayback', slot: at, occurredAt: fetchedAt, attempt: 1, collectorVersion: WAYBACK_VERSION, url },
  });
  let res;
  try {
    res = await requestPolitely(requested, http);
  } catch (e) {
    return failure(captureTime(c.timestamp), requested, 'network', `fetching the capture failed: ${(e as Error).message}`);
  }
  // The archive may redirect to the nearest capture: the value is from the capture actually served.
  const servedTs = timestampOfCaptureUrl(res.url) ?? c.timestamp;
  const at = captureTime(servedTs);
  const url = servedTs === c.timestamp ? requested : res.url;
  if (res.status !== 200) {
    const kind: FailureKind = res.status === 429 ? 'throttled' : res.status >= 500 ? 'server_error' : res.status === 404 ? 'not_found' : 'blocked';
    return failure(at, url, kind, `the Wayback Machine answered HTTP ${res.status} for this capture`, res.status);
  }
  const parsed = source.parse(res.body, { status: 200, ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}) });
  if (!parsed.ok) return failure(at, url, parsed.kind, `capture of ${c.original}: ${parsed.message}`, 200, parsed.platformCode ?? '');
  const observations: Observation[] = parsed.readings.map((r) => ({
    platform: source.platform,
    tag: o.tag,
    metric: r.metric,
    observedAt: at,
    value: r.value,
    exact: r.precision === 'exact',
    step: r.precision === 'exact' ? '0' : r.step,
    precision: r.precision,
    source: `wayback:${r.source}`,
    method: 'wayback',
    collectorVersion: WAYBACK_VERSION,
    slot: at,
    fetchedAt,
    provenance: url,
    note: `Wayback Machine capture of ${c.original} (${parsed.format} format)`.slice(0, 2000),
    timePrecision: 'instant',
  }));
  return { ok: true, at, observations, detail: parsed.readings.map((r) => `${r.metric}=${r.value}${r.precision === 'exact' ? '' : ` (±${BigInt(r.step) / 2n})`}`).join(' ') + ` [${parsed.format}]` };
}
