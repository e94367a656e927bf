/** Alerts for people: the configured rules in words, recent deliveries, and a test delivery to the webhook. */
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import { alertRecentQuery } from '../store/analytics-queries.ts';
import type { AlertRule } from '../schema/alerts.ts';
import { postWebhook, type DeliveryOutcome } from '../alerts/webhook.ts';
import { dashboardLink, linkBaseOf, type AlertPayload } from '../alerts/evaluator.ts';
import { AnalyticsInputError } from './analytics-inputs.ts';

export function describeRule(r: AlertRule): string {
  const cond =
    r.kind === 'velocity'
      ? `velocity over ${r.window} ≥ ${r.threshold}/h`
      : r.kind === 'growthPct'
        ? `velocity growth over ${r.window} vs the previous ${r.window} ≥ ${r.threshold}%`
        : r.kind === 'zScore'
          ? `robust z of the 24h velocity ≥ ${r.threshold}`
          : r.kind === 'breakout'
            ? 'breakout (z ≥ 3.5, 24h growth ≥ +50%, change beyond rounding)'
            : 'a new change point of the growth regime';
  const scope = [r.tags ? `tags ${r.tags.map((t) => '#' + t).join(', ')}` : 'all tags', r.platform ?? 'all platforms', r.metric ?? 'all metrics'];
  return `${r.name}: ${cond} (${scope.join(' · ')})`;
}

export interface AlertDelivery {
  rule: string;
  platform: string;
  tag: string;
  metric: string;
  episode: string;
  firedAt: string;
  delivered: boolean;
  attempts: number;
  payload: AlertPayload;
}

export async function recentAlerts(store: Store, opts: { sinceMs: number; limit: number }): Promise<AlertDelivery[]> {
  const rows = await store.run(alertRecentQuery, { since: new Date(Date.now() - opts.sinceMs).toISOString(), limit: opts.limit });
  return rows.map((r) => ({ rule: r.rule, platform: r.platform, tag: r.tag, metric: r.metric, episode: r.window_key, firedAt: r.fired_at, delivered: r.delivered, attempts: r.attempts, payload: JSON.parse(r.payload) as AlertPayload }));
}

/** POST a clearly marked test alert to the configured webhook (checks the URL, auth and firewall in one go). */
export async function sendTestAlert(cfg: Config): Promise<DeliveryOutcome> {
  if (!cfg.alertWebhookUrl) throw new AnalyticsInputError('alertWebhookUrl: no webhook is configured; set TAGPULSE_ALERT_WEBHOOK_URL (or alertWebhookUrl in tagpulse.config.json)');
  const key = { platform: 'tiktok', tag: 'tagpulse_test', metric: 'views' };
  const payload: AlertPayload = {
    id: 'test',
    rule: 'test',
    kind: 'velocity',
    ...key,
    values: { test: true, note: 'a test delivery from tagpulse alerts test; no rule fired' },
    firedAt: new Date().toISOString(),
    link: dashboardLink(linkBaseOf(cfg), key),
  };
  const delivery = cfg.alerts?.delivery ?? { attempts: 1, backoffMs: 500, timeoutMs: 10_000 };
  return postWebhook(cfg.alertWebhookUrl, payload, delivery);
}
