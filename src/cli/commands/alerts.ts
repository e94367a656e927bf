/** `tagpulse alerts`: the configured rules, recent deliveries, and a test delivery to the webhook. */
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { describeRule, recentAlerts, sendTestAlert } from '../../services/alerts.ts';
import { AnalyticsInputError, durationInput, parseAnalyticsInput } from '../../services/analytics-inputs.ts';

export interface AlertsListOptions extends GlobalOptions {
  since?: string;
  limit?: string;
  json?: boolean;
}

export async function runAlertsList(opts: AlertsListOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const sinceMs = parseAnalyticsInput(durationInput(60_000, 400 * 86_400_000, '7d').default(7 * 86_400_000), opts.since);
  const limit = Number(opts.limit ?? 50);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) throw new AnalyticsInputError(`limit: ${JSON.stringify(opts.limit)} is not a number between 1 and 10000`);
  const rules = cfg.alerts?.rules ?? [];
  const deliveries = await withStore(cfg, 'alerts list', (store) => recentAlerts(store, { sinceMs, limit }));
  if (opts.json) {
    io.out(JSON.stringify({ rules, webhook: cfg.alertWebhookUrl ? 'configured' : 'none', deliveries }, null, 2));
    return 0;
  }
  io.out(rules.length ? `rules (${cfg.alertWebhookUrl ? 'delivered to the log and the webhook' : 'delivered to the log only: no webhook configured'}):` : 'no alert rules configured: add "alerts": {"rules": [...]} to tagpulse.config.json (see docs/analytics-usage.md)');
  for (const r of rules) io.out(`  ${describeRule(r)}`);
  io.out(deliveries.length ? 'recent alerts:' : 'no alerts in this period');
  for (const d of deliveries) io.out(`  ${d.firedAt}  ${d.rule}  #${d.tag} ${d.platform} ${d.metric}  ${d.delivered ? 'delivered' : `NOT delivered (${d.attempts} attempt(s))`}  ${d.payload.link}`);
  return 0;
}

export async function runAlertsTest(opts: GlobalOptions, io: Io = stdio): Promise<number> {
  const outcome = await sendTestAlert(configFrom(opts));
  if (outcome.ok) {
    io.out(`the webhook accepted the test alert (HTTP ${outcome.status})`);
    return 0;
  }
  io.err(`error: the webhook did not accept the test alert after ${outcome.attempts} attempt(s): ${outcome.status ? `HTTP ${outcome.status}` : outcome.error}`);
  return 1;
}

export function configureAlertsCommand(program: Command): void {
  const alerts = program.command('alerts').description('alert rules (from the config) and their deliveries');
  alerts
    .command('list')
    .description('show the rules and the alerts fired recently')
    .option('--since <duration>', 'how far back, e.g. 24h or 30d', '7d')
    .option('--limit <n>', 'at most this many alerts', '50')
    .option('--json', 'machine-readable JSON')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runAlertsList(globalsOf(cmd) as AlertsListOptions));
    });
  alerts
    .command('test')
    .description('send a test alert to the configured webhook')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runAlertsTest(globalsOf(cmd)));
    });
}
