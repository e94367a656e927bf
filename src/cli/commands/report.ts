import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { buildReport } from '../../services/report.ts';
import { formatCount, formatRate } from '../format.ts';
import type { Report } from '../../analytics/report.ts';

export interface ReportOptions extends GlobalOptions {
  tag: string;
  platform?: string;
  metric?: string;
  json?: boolean;
  at?: string;
}

export function renderReportText(r: Report & { observations?: number }): string[] {
  const lines: string[] = [];
  lines.push(`#${r.tag} · ${r.platform} · ${r.metric}${r.at ? ` · as of ${r.at}` : ''}`);
  if (!r.latest) {
    lines.push('  no observations yet. Track the tag (tagpulse track add) and run tagpulse run, or sample it now (tagpulse sample).');
    return lines;
  }
  lines.push(`  latest      ${formatCount(r.latest.value)}${r.latest.exact ? ' (exact)' : ' (rounded)'} at ${r.latest.observedAt}`);
  for (const w of r.windows) {
    if (w.delta === null) {
      lines.push(`  ${w.window.padEnd(4)}        not enough history`);
      continue;
    }
    const band = w.velocityPerHourLow !== w.velocityPerHourHigh ? ` [${formatRate(w.velocityPerHourLow)}–${formatRate(w.velocityPerHourHigh)}]` : '';
    lines.push(`  ${w.window.padEnd(4)} +${formatCount(w.delta).padEnd(18)} ${formatRate(w.velocityPerHour).padStart(8)}/h${band}${w.growthPct !== null ? `  velocity ${w.growthPct >= 0 ? '+' : ''}${w.growthPct.toFixed(1)}% vs previous` : ''}`);
  }
  const d = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} days`);
  lines.push(`  growth      counter ${r.growthRatePerDay === null ? '—' : (r.growthRatePerDay * 100).toFixed(2) + '%/day'} (doubling ${d(r.counterDoublingDays)}), velocity ${r.velocityGrowthRatePerDay === null ? '—' : (r.velocityGrowthRatePerDay * 100).toFixed(2) + '%/day'} (doubling ${d(r.velocityDoublingDays)})`);
  lines.push(`  z-score     ${r.zScore === null ? '— (needs 7+ days of history)' : r.zScore.toFixed(2)}${r.breakout ? '  ▲ BREAKOUT' : ''}`);
  if (r.revisions.length) lines.push(`  revisions   ${r.revisions.map((x) => `${x.at}: ${formatCount(x.from)} → ${formatCount(x.to)}`).join('; ')}`);
  if (r.gaps.length) lines.push(`  gaps        ${r.gaps.map((g) => `${g.from} → ${g.to}`).join('; ')}`);
  if (r.changePoints.length) lines.push(`  changes     ${r.changePoints.map((c) => `${c.at} (${formatRate(c.before)}/h → ${formatRate(c.after)}/h)`).join('; ')}`);
  if (r.lifecycle) lines.push(`  lifecycle   ${JSON.stringify(r.lifecycle)}`);
  lines.push(`  method      tagpulse analytics ${r.method.version}; ${r.points} point(s)`);
  return lines;
}

export async function runReport(opts: ReportOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  if (opts.at && Number.isNaN(Date.parse(opts.at))) throw new UserError(`--at ${JSON.stringify(opts.at)} is not a time: use ISO-8601, e.g. 2024-09-10 or 2024-09-10T12:00:00Z`);
  const at = opts.at ? new Date(opts.at).toISOString() : undefined;
  const report = await withStore(cfg, 'report', (store) => buildReport(store, { platform: opts.platform ?? 'tiktok', tag: opts.tag, metric: opts.metric ?? 'views', ...(at ? { at } : {}) }));
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else for (const l of renderReportText(report)) io.out(l);
  return 0;
}

export function configureReportCommand(program: Command): void {
  program
    .command('report <tag>')
    .description('how fast a tag grows: latest value, delta and rate over 1h/24h/7d, growth, breakouts')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--metric <metric>', 'views | posts | ...', 'views')
    .option('--at <time>', 'compute the report as of this time')
    .option('--json', 'machine-readable JSON')
    .action(async (tag: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runReport({ ...(globalsOf(cmd) as ReportOptions), tag }));
    });
}
