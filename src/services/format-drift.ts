/**
 * Format drift: the day a platform changes its page, every sample fails as no_data, malformed or hollow. Ordinary bad
 * luck (captchas, empty answers, throttling) looks different, so the signal is a jump in the share of *parse* failures
 * against the platform's own baseline: more than `recentShare` of its latest `window` samples, where the samples
 * before them had less than `baselineShare`.
 *
 * Evaluated after each load that carried a parse failure (the loader's post-load hook). A drift raises a
 * `format_drift` alert: logged once, sent to the alert webhook, recorded in alert_deliveries_v1 (tag and metric
 * empty: it is about a platform, not a campaign series), and shown as a banner on the operations page and the
 * overview while the platform is still failing. Its message names the saved responses (raw evidence) and the command
 * that re-parses them.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/config.ts';
import type { Store, AlertDeliveryWrite } from '../store/store.ts';
import type { LoadedBatch } from '../schema/jobs.ts';
import { driftAlertsQuery, platformSamplesQuery } from '../store/drift-queries.ts';
import { postWebhook } from '../alerts/webhook.ts';
import { DeliveryOptions } from '../schema/alerts.ts';
import { logger, type Logger } from '../util/log.ts';
import { evidencePath, rawDirOf, reparseCommand } from './raw-evidence.ts';

/** Failure kinds that a page format change produces. */
export const DRIFT_KINDS: ReadonlySet<string> = new Set(['no_data', 'malformed', 'hollow']);
export const FORMAT_DRIFT_RULE = 'format_drift';
/** How far back samples are looked for. */
const LOOKBACK_MS = 14 * 24 * 3600_000;
/** Baseline: up to this many windows of samples before the recent one. */
const BASELINE_WINDOWS = 5;
/** Saved responses named in the message. */
const MAX_NAMED = 5;

export interface DriftOptions {
  window: number;
  recentShare: number;
  baselineShare: number;
}

export interface Sample {
  at: string;
  kind: string;
  rawRef: string;
}

export interface DriftVerdict {
  drift: boolean;
  /** Share of parse failures among the latest `window` samples (null: not enough samples). */
  recentShare: number | null;
  baselineShare: number | null;
  recent: number;
  baseline: number;
  /** Time of the oldest sample of the recent window. */
  windowStart: string | null;
  /** Saved responses of the recent parse failures, newest first. */
  rawRefs: string[];
}

export function driftOptionsOf(cfg: Pick<Config, 'driftWindow' | 'driftRecentShare' | 'driftBaselineShare'>): DriftOptions {
  return { window: cfg.driftWindow, recentShare: cfg.driftRecentShare, baselineShare: cfg.driftBaselineShare };
}

/**
 * The decision, on samples newest first. A baseline needs at least one full window of samples: a platform that never
 * worked has no format to drift from (its failures are reported as failures).
 */
export function detectDrift(samples: readonly Sample[], o: DriftOptions): DriftVerdict {
  const recent = samples.slice(0, o.window);
  const baseline = samples.slice(o.window, o.window * (1 + BASELINE_WINDOWS));
  const share = (xs: readonly Sample[]) => (xs.length ? xs.filter((s) => DRIFT_KINDS.has(s.kind)).length / xs.length : null);
  const recentShare = recent.length >= o.window ? share(recent) : null;
  const baselineShare = baseline.length >= o.window ? share(baseline) : null;
  return {
    drift: recentShare !== null && baselineShare !== null && recentShare > o.recentShare && baselineShare < o.baselineShare,
    recentShare,
    baselineShare,
    recent: recent.length,
    baseline: baseline.length,
    windowStart: recent.length ? recent[recent.length - 1]!.at : null,
    rawRefs: recent.filter((s) => DRIFT_KINDS.has(s.kind) && s.rawRef).map((s) => s.rawRef),
  };
}

export async function platformSamples(store: Store, platform: string, o: DriftOptions, nowMs = Date.now()): Promise<Sample[]> {
  const rows = await store.run(platformSamplesQuery, { platform, since: new Date(nowMs - LOOKBACK_MS).toISOString(), limit: o.window * (1 + BASELINE_WINDOWS) });
  return rows.map((r) => ({ at: r.at, kind: r.kind, rawRef: r.raw_ref }));
}

export interface DriftAlertPayload {
  id: string;
  rule: typeof FORMAT_DRIFT_RULE;
  kind: typeof FORMAT_DRIFT_RULE;
  platform: string;
  tag: '';
  metric: '';
  message: string;
  recentShare: number;
  baselineShare: number;
  window: number;
  rawRefs: string[];
  rawFiles: string[];
  reparse: string;
  firedAt: string;
  link: string;
}

export function driftMessage(platform: string, v: DriftVerdict, files: readonly string[], command: string, o: DriftOptions): string {
  const pct = (x: number | null) => `${Math.round((x ?? 0) * 100)} %`;
  const evidence = files.length
    ? ` Saved responses: ${files.join(', ')}. Re-parse them with: ${command}`
    : ' No response was saved (raw evidence is kept for HTTP and browser samples in <dataDir>/raw).';
  return (
    `${platform}: the page format seems to have changed: ${pct(v.recentShare)} of the last ${o.window} samples failed as no_data/malformed/hollow, ` +
    `against ${pct(v.baselineShare)} before. Values are not being read; nothing is stored as a value.${evidence} ` +
    'See docs/collectors.md ("From a failing response to a fix").'
  );
}

export interface DriftEvaluatorOptions {
  store: Store;
  cfg: Config;
  log?: Logger;
  now?: () => number;
  /** Deliveries to the webhook (tests); default: postWebhook. */
  post?: typeof postWebhook;
}

/** Evaluate one platform; fires (log, webhook, delivery row) at most once per episode. Returns the payload if it fired. */
export async function evaluatePlatformDrift(platform: string, o: DriftEvaluatorOptions): Promise<DriftAlertPayload | null> {
  const opts = driftOptionsOf(o.cfg);
  const nowMs = (o.now ?? Date.now)();
  const verdict = detectDrift(await platformSamples(o.store, platform, opts, nowMs), opts);
  if (!verdict.drift || !verdict.windowStart) return null;
  // One episode: an alert fired inside the current window already covers it. Once the window has moved past it, the
  // baseline holds the failures and the condition no longer holds until the platform recovers.
  const latest = (await o.store.run(driftAlertsQuery, { since: new Date(nowMs - LOOKBACK_MS).toISOString() })).find((r) => r.platform === platform);
  if (latest && Date.parse(latest.fired_at) >= Date.parse(verdict.windowStart)) return null;
  const named = verdict.rawRefs.slice(0, MAX_NAMED);
  const rawDir = rawDirOf(o.cfg.dataDir);
  const files = named.map((id) => evidencePath(rawDir, id)).filter((p): p is string => p !== null);
  const command = reparseCommand(o.cfg.dataDir, named);
  const firedAt = new Date(nowMs).toISOString();
  const windowKey = `since-${verdict.windowStart}`;
  const payload: DriftAlertPayload = {
    id: createHash('sha256').update(`${FORMAT_DRIFT_RULE}\n${platform}\n${windowKey}`).digest('hex').slice(0, 32),
    rule: FORMAT_DRIFT_RULE,
    kind: FORMAT_DRIFT_RULE,
    platform,
    tag: '',
    metric: '',
    message: driftMessage(platform, verdict, files, command, opts),
    recentShare: verdict.recentShare ?? 0,
    baselineShare: verdict.baselineShare ?? 0,
    window: opts.window,
    rawRefs: named,
    rawFiles: files,
    reparse: command,
    firedAt,
    link: `${(o.cfg.publicUrl ?? `http://${o.cfg.apiHost}:${o.cfg.apiPort}`).replace(/\/+$/, '')}/ops`,
  };
  const log = o.log ?? logger('format-drift');
  log.warn({ alert: payload.id, rule: FORMAT_DRIFT_RULE, platform, recentShare: payload.recentShare, baselineShare: payload.baselineShare, rawFiles: files, reparse: command }, payload.message);
  let delivered = true;
  let attempts = 0;
  if (o.cfg.alertWebhookUrl) {
    const delivery = o.cfg.alerts?.delivery ?? DeliveryOptions.parse({});
    const outcome = await (o.post ?? postWebhook)(o.cfg.alertWebhookUrl, payload, delivery);
    delivered = outcome.ok;
    attempts = outcome.attempts;
    if (!outcome.ok) log.warn({ alert: payload.id, status: outcome.status, error: outcome.error, attempts }, 'format_drift alert not delivered to the webhook; retried with the other alerts');
  }
  const write: AlertDeliveryWrite = { rule: FORMAT_DRIFT_RULE, platform, tag: '', metric: '', windowKey, firedAt, payload: JSON.stringify(payload), delivered, attempts };
  await o.store.upsertAlertDeliveries([write]);
  return payload;
}

export interface DriftBanner {
  platform: string;
  message: string;
  firedAt: string;
  rawRefs: string[];
  reparse: string;
}

/** format_drift alerts whose platform is still failing (its latest window is still over the threshold): banners. */
export async function activeDriftAlerts(store: Store, cfg: Config, nowMs = Date.now()): Promise<DriftBanner[]> {
  const opts = driftOptionsOf(cfg);
  const rows = await store.run(driftAlertsQuery, { since: new Date(nowMs - LOOKBACK_MS).toISOString() });
  const out: DriftBanner[] = [];
  for (const r of rows) {
    const v = detectDrift(await platformSamples(store, r.platform, opts, nowMs), opts);
    if (v.recentShare === null || v.recentShare <= opts.recentShare) continue; // recovered
    let p: Partial<DriftAlertPayload> = {};
    try {
      p = JSON.parse(r.payload) as DriftAlertPayload;
    } catch {
      /* an unreadable payload still shows the banner */
    }
    out.push({ platform: r.platform, message: p.message ?? `${r.platform}: the page format seems to have changed`, firedAt: r.fired_at, rawRefs: p.rawRefs ?? [], reparse: p.reparse ?? '' });
  }
  return out;
}

export type LoadHook = ((b: LoadedBatch) => Promise<void>) & { idle(): Promise<void> };

/**
 * Post-load hook: platforms whose batch carried a parse failure are evaluated, one evaluation at a time, beside the
 * loader (never in its way). Errors are logged; the next load evaluates again.
 */
export function createFormatDriftHook(cfg: Config, store: () => Store | undefined, extra: Partial<DriftEvaluatorOptions> = {}): LoadHook {
  const log = extra.log ?? logger('format-drift');
  const pending = new Set<string>();
  let running: Promise<void> | undefined;
  const loop = async () => {
    while (pending.size) {
      const platforms = [...pending];
      pending.clear();
      const s = store();
      if (!s) return;
      for (const platform of platforms) {
        try {
          await evaluatePlatformDrift(platform, { ...extra, store: s, cfg, log });
        } catch (e) {
          log.warn({ platform, err: (e as Error).message }, 'format drift evaluation failed; the next load evaluates again');
        }
      }
    }
  };
  const kick = () => {
    if (running || !pending.size) return;
    running = loop().finally(() => {
      running = undefined;
      kick();
    });
  };
  const hook = async (b: LoadedBatch) => {
    for (const f of b.failures) if (DRIFT_KINDS.has(f.kind)) pending.add(f.platform);
    kick();
  };
  return Object.assign(hook, {
    idle: async () => {
      while (running) await running;
    },
  });
}

/** Run both post-load hooks (alert rules, if any, and format drift). */
export function withDriftHook(rules: LoadHook | undefined, drift: LoadHook): LoadHook {
  if (!rules) return drift;
  return Object.assign(async (b: LoadedBatch) => void (await Promise.all([rules(b), drift(b)])), {
    idle: async () => void (await Promise.all([rules.idle(), drift.idle()])),
  });
}
