/**
 * Alert evaluation of the series touched by a load: load each series (one primary-key range read), compute its
 * report as of its latest sample — with the tag's sampling cadence, exactly as `tagpulse report`, the overview and
 * the leaderboard do (the gap rule depends on it, so without it an alert could see a gap the report does not) —
 * apply the rules, decide episodes against the delivery log, deliver new alerts to
 * the log and the webhook, retry earlier failed deliveries, and record every delivery state in
 * alert_deliveries_v1 (one insert per evaluation).
 *
 * Delivery is at least once: a payload carries a stable `id` (rule, series and episode) so a receiver can drop a
 * repeat after a crash between the POST and the record.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/config.ts';
import type { Store, AlertDeliveryWrite } from '../store/store.ts';
import { alertLatestQuery, alertPendingQuery, type AlertDeliveryRow } from '../store/analytics-queries.ts';
import { computeReport, type Report } from '../analytics/report.ts';
import type { SeriesPoint } from '../analytics/types.ts';
import { loadSeries, toPoints } from '../services/series.ts';
import { trackedCadences } from '../services/tracking.ts';
import { logger, type Logger } from '../util/log.ts';
import type { AlertRule, DeliveryOptions } from '../schema/alerts.ts';
import { decideEpisode, evaluateRule, ruleApplies, seriesId, type RuleSignal, type SeriesKey } from './rules.ts';
import { postWebhook } from './webhook.ts';

const DAY_MS = 86_400_000;
/** History loaded per series: the 14-day z baseline + the 24 h window, or two 7-day windows, plus a margin. */
export const ALERT_LOOKBACK_MS = 16 * DAY_MS;
/** Failed deliveries older than this are no longer retried. */
export const RETRY_HORIZON_MS = 7 * DAY_MS;

/** A series touched by a load and the time of its earliest new observation. */
export interface TouchedSeries extends SeriesKey {
  firstNewAt: number;
}

export interface AlertPayload {
  id: string;
  rule: string;
  kind: AlertRule['kind'];
  platform: string;
  tag: string;
  metric: string;
  values: Record<string, unknown>;
  firedAt: string;
  link: string;
}

export interface EvaluatorOptions {
  store: Store;
  rules: readonly AlertRule[];
  delivery: DeliveryOptions;
  webhookUrl?: string | undefined;
  /** Base URL of the dashboard for deep links (public URL, or the local API address). */
  linkBase: string;
  log?: Logger;
  now?: () => number;
}

export interface EvaluationSummary {
  series: number;
  fired: number;
  delivered: number;
  failed: number;
  retried: number;
}

/** Base of alert links: the public URL, or the local dashboard address. */
export function linkBaseOf(cfg: Pick<Config, 'publicUrl' | 'apiHost' | 'apiPort'>): string {
  return cfg.publicUrl ?? `http://${cfg.apiHost}:${cfg.apiPort}`;
}

/** Deep link to a tag's page in the dashboard (/tag?platform=…&tag=…&metric=…). */
export function dashboardLink(base: string, k: SeriesKey): string {
  return `${base.replace(/\/+$/, '')}/tag?${new URLSearchParams({ platform: k.platform, tag: k.tag, metric: k.metric }).toString()}`;
}

export function alertId(rule: string, k: SeriesKey, windowKey: string): string {
  return createHash('sha256').update(`${rule}\n${seriesId(k)}\n${windowKey}`).digest('hex').slice(0, 32);
}

interface Candidate {
  rule: AlertRule;
  key: SeriesKey;
  signal: RuleSignal;
  heldBefore: boolean;
  observedAt: string;
}

export class AlertEvaluator {
  readonly #o: EvaluatorOptions;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(o: EvaluatorOptions) {
    this.#o = o;
    this.#log = o.log ?? logger('alerts');
    this.#now = o.now ?? Date.now;
  }

  /** Rules that apply to a series. */
  rulesFor(key: SeriesKey): AlertRule[] {
    return this.#o.rules.filter((r) => ruleApplies(r, key));
  }

  async evaluate(touched: readonly TouchedSeries[]): Promise<EvaluationSummary> {
    const candidates: Candidate[] = [];
    let series = 0;
    let cadences: Map<string, number> | undefined;
    for (const t of touched) {
      const rules = this.rulesFor(t);
      if (!rules.length) continue;
      series++;
      cadences ??= await trackedCadences(this.#o.store);
      candidates.push(...(await this.#signals(t, rules, cadences.get(`${t.platform}|${t.tag}`))));
    }
    const fresh = await this.#newEpisodes(candidates);
    const pending = (await this.#pending()).filter((p) => !fresh.some((f) => sameDelivery(f, p)));
    const writes: AlertDeliveryWrite[] = [];
    const summary: EvaluationSummary = { series, fired: fresh.length, delivered: 0, failed: 0, retried: pending.length };
    for (const d of [...fresh, ...pending]) {
      const w = await this.#deliver(d);
      writes.push(w);
      if (w.delivered) summary.delivered++;
      else summary.failed++;
    }
    await this.#o.store.upsertAlertDeliveries(writes);
    return summary;
  }

  async #signals(t: TouchedSeries, rules: AlertRule[], cadenceMs: number | undefined): Promise<Candidate[]> {
    const key: SeriesKey = { platform: t.platform, tag: t.tag, metric: t.metric };
    const rows = await loadSeries(this.#o.store, key, { from: new Date(t.firstNewAt - ALERT_LOOKBACK_MS).toISOString() });
    const points = toPoints(rows);
    if (!points.length) return [];
    const latestMs = points[points.length - 1]!.t;
    const cadence = cadenceMs !== undefined ? { cadenceMs } : {};
    const report = computeReport(points, { ...key, at: latestMs, ...cadence });
    if (!report.latest) return [];
    const prevMs = lastBefore(points, t.firstNewAt);
    let previous: Report | null | undefined;
    const prev = () => (previous ??= prevMs === undefined ? null : computeReport(points, { ...key, at: prevMs, ...cadence }));
    const out: Candidate[] = [];
    for (const rule of rules) {
      const signal = evaluateRule(rule, report, prev);
      if (!signal) continue;
      const before = signal.episodeKey ? null : prev();
      out.push({ rule, key, signal, heldBefore: before !== null && evaluateRule(rule, before, () => null) !== null, observedAt: report.latest.observedAt });
    }
    return out;
  }

  /** Candidates that open a new episode, as delivery rows to send. */
  async #newEpisodes(candidates: Candidate[]): Promise<AlertDeliveryRow[]> {
    if (!candidates.length) return [];
    const latest = await this.#o.store.run(alertLatestQuery, {
      rules: [...new Set(candidates.map((c) => c.rule.name))],
      platforms: candidates.map((c) => c.key.platform),
      tags: candidates.map((c) => c.key.tag),
      metrics: candidates.map((c) => c.key.metric),
    });
    const byKey = new Map(latest.map((r) => [`${r.rule}|${seriesId(r)}`, { windowKey: r.window_key }]));
    const firedAt = new Date(this.#now()).toISOString();
    const out: AlertDeliveryRow[] = [];
    for (const c of candidates) {
      const d = decideEpisode(c.signal, c.heldBefore, byKey.get(`${c.rule.name}|${seriesId(c.key)}`), c.observedAt);
      if (!d.fire) continue;
      const payload: AlertPayload = {
        id: alertId(c.rule.name, c.key, d.windowKey),
        rule: c.rule.name,
        kind: c.rule.kind,
        ...c.key,
        values: c.signal.values,
        firedAt,
        link: dashboardLink(this.#o.linkBase, c.key),
      };
      this.#log.info({ alert: payload.id, rule: payload.rule, kind: payload.kind, ...c.key, values: payload.values, link: payload.link }, 'alert fired');
      out.push({ rule: c.rule.name, ...c.key, window_key: d.windowKey, fired_at: firedAt, payload: JSON.stringify(payload), delivered: false, attempts: 0 });
    }
    return out;
  }

  async #pending(): Promise<AlertDeliveryRow[]> {
    if (!this.#o.webhookUrl) return [];
    return this.#o.store.run(alertPendingQuery, { since: new Date(this.#now() - RETRY_HORIZON_MS).toISOString(), maxAttempts: this.#o.delivery.maxAttempts, limit: 100 });
  }

  /** Send one delivery (log only when no webhook is configured) and return its new state. */
  async #deliver(d: AlertDeliveryRow): Promise<AlertDeliveryWrite> {
    const base = { rule: d.rule, platform: d.platform, tag: d.tag, metric: d.metric, windowKey: d.window_key, firedAt: d.fired_at, payload: d.payload };
    if (!this.#o.webhookUrl) return { ...base, delivered: true, attempts: d.attempts };
    const { delivery } = this.#o;
    const budget = Math.min(delivery.attempts, delivery.maxAttempts - d.attempts);
    const payload = JSON.parse(d.payload) as AlertPayload;
    const outcome = await postWebhook(this.#o.webhookUrl, payload, { ...delivery, attempts: Math.max(1, budget) });
    const attempts = d.attempts + outcome.attempts;
    const id = payload.id;
    if (outcome.ok) this.#log.info({ alert: id, rule: d.rule, tag: d.tag, attempts }, 'alert delivered to the webhook');
    else {
      const givenUp = attempts >= delivery.maxAttempts;
      this.#log[givenUp ? 'error' : 'warn'](
        { alert: id, rule: d.rule, tag: d.tag, attempts, status: outcome.status, error: outcome.error },
        givenUp ? 'alert delivery given up' : 'alert delivery failed; retried at the next evaluation',
      );
    }
    return { ...base, delivered: outcome.ok, attempts };
  }
}

function sameDelivery(a: AlertDeliveryRow, b: AlertDeliveryRow): boolean {
  return a.rule === b.rule && a.window_key === b.window_key && seriesId(a) === seriesId(b);
}

/** Time of the last point strictly before `t` (points sorted by time), if any. */
function lastBefore(points: readonly SeriesPoint[], t: number): number | undefined {
  for (let i = points.length - 1; i >= 0; i--) if (points[i]!.t < t) return points[i]!.t;
  return undefined;
}
