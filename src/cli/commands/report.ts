import type { Command } from 'commander';
import { requireTime } from '../../util/time.ts';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { buildEventReport, buildReport, type EventReport } from '../../services/report.ts';
import { formatCount, formatRate } from '../format.ts';
import type { Report } from '../../analytics/report.ts';
import type { Conflict } from '../../services/readings.ts';
import type { PeriodVelocity } from '../../analytics/events.ts';
import { EXIT } from '../exit-codes.ts';

export interface ReportOptions extends GlobalOptions {
  tag: string;
  platform?: string;
  metric?: string;
  json?: boolean;
  at?: string;
  /** Event slug or name: growth before, during and after it (and in earlier years). */
  event?: string;
  year?: string;
  beforeDays?: string;
  afterDays?: string;
}

export function renderReportText(r: Report & { observations?: number; conflicts?: Conflict[] }): string[] {
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
    const sign = w.delta.startsWith('-') ? '' : '+';
    const flags = `${w.interpolated ? ' (interpolated)' : ''}${w.coverage !== null && w.coverage < 1 ? ` (coverage ${Math.round(w.coverage * 100)}%)` : ''}`;
    const gi = w.growthPctLow !== w.growthPct || w.growthPctHigh !== w.growthPct ? ` [${pct1(w.growthPctLow)} to ${pct1(w.growthPctHigh)}]` : '';
    const growth = w.growthPct !== null ? `  velocity ${pct1(w.growthPct)}${gi} vs previous` : gi ? `  velocity growth unknown${gi}` : '';
    lines.push(`  ${w.window.padEnd(4)} ${sign}${formatCount(w.delta).padEnd(18)} ${(w.velocityPerHour === null ? 'unknown' : formatRate(w.velocityPerHour)).padStart(8)}/h${band}${flags}${growth}`);
  }
  const d = (x: number | null, lo: number | null, hi: number | null) =>
    x === null && lo === null && hi === null ? '—' : `${x === null ? 'unknown' : `${x.toFixed(1)} days`}${lo !== null || hi !== null ? ` (${lo === null ? '?' : lo.toFixed(1)}–${hi === null ? '∞' : hi.toFixed(1)})` : ''}`;
  const counterTime = r.counterHalvingDays !== null ? `halving ${d(r.counterHalvingDays, r.counterHalvingDaysLow, r.counterHalvingDaysHigh)}` : `doubling ${d(r.counterDoublingDays, r.counterDoublingDaysLow, r.counterDoublingDaysHigh)}`;
  lines.push(`  growth      counter ${r.growthRatePerDay === null ? '—' : (r.growthRatePerDay * 100).toFixed(2) + '%/day'} (7-day average; ${counterTime}), velocity ${r.velocityGrowthRatePerDay === null ? '—' : (r.velocityGrowthRatePerDay * 100).toFixed(2) + '%/day'} (doubling ${d(r.velocityDoublingDays, r.velocityDoublingDaysLow, r.velocityDoublingDaysHigh)})`);
  if (r.asOf) lines.push(`  as of       windows and rates end at ${r.asOf} (the latest full hour with data)`);
  lines.push(`  z-score     ${r.zScore === null ? '— (needs 7+ days of history)' : r.zScore.toFixed(2)}${r.breakout ? '  ▲ BREAKOUT' : ''}`);
  if (r.revisions.length) lines.push(`  revisions   ${r.revisions.map((x) => `${x.at}: ${formatCount(x.from)} → ${formatCount(x.to)}`).join('; ')}`);
  if (r.gaps.length) lines.push(`  gaps        ${r.gaps.map((g) => `${g.from} → ${g.to}`).join('; ')}`);
  if (r.changePoints.length) lines.push(`  changes     ${r.changePoints.map((c) => `${c.at} (${formatRate(c.before)}/h → ${formatRate(c.after)}/h)`).join('; ')}`);
  if (r.lifecycle) lines.push(`  lifecycle   ${JSON.stringify(r.lifecycle)}`);
  for (const c of r.conflicts ?? []) {
    const values = c.values.map((v) => `${formatCount(v.value)}${v.precision === 'exact' ? '' : ` (${v.precision})`} from ${v.source} (${v.method}${v.provenance ? `, ${v.provenance}` : ''})${v.chosen ? ' ← used' : ''}`);
    lines.push(`  CONFLICT    ${c.at} ${c.metric}: ${values.join(' vs ')}`);
  }
  lines.push(`  method      tagpulse analytics ${r.method.version}; ${r.points} point(s)`);
  return lines;
}

const pct1 = (x: number | null) => (x === null ? '?' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);
const day = (iso: string) => (iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('T', ' ').replace(/\.000Z$/, 'Z'));
const signedPct = (x: number | null) => (x === null ? '' : `  ${x >= 0 ? '+' : ''}${x.toFixed(1)}% vs before`);

function periodLine(label: string, p: PeriodVelocity | null, vsBefore: number | null): string {
  if (!p) return `  ${label.padEnd(7)} no samples cover this period`;
  const band = p.velocityPerHourLow !== p.velocityPerHourHigh ? ` [${formatRate(p.velocityPerHourLow)}–${formatRate(p.velocityPerHourHigh)}]` : '';
  const cover = p.coverage < 1 ? `  (samples cover ${Math.round(p.coverage * 100)} %)` : '';
  return `  ${label.padEnd(7)} ${day(p.from)} → ${day(p.to)}  ${p.delta === null ? '?'.padEnd(17) : `+${formatCount(p.delta).padEnd(16)}`} ${formatRate(p.velocityPerHour).padStart(8)}/h${band}${signedPct(vsBefore)}${cover}`;
}

export function renderEventReportText(r: EventReport): string[] {
  const e = r.event;
  const lines = [`#${r.tag} · ${r.platform} · ${r.metric} · ${e.name} ${r.year} (${day(e.start)} → ${day(e.end)}, ${e.kind === 'builtin' ? 'built-in' : e.slug})`];
  if (!r.observations) {
    lines.push('  no observations of this tag yet: track it (tagpulse track add) or import its history (tagpulse import)');
    return lines;
  }
  lines.push(periodLine('before', r.impact.before, null), periodLine('during', r.impact.during, r.impact.duringVsBeforePct), periodLine('after', r.impact.after, r.impact.afterVsBeforePct));
  if (r.years.length > 1) {
    lines.push('  by year (velocity during the event):');
    for (const y of r.years) {
      const yoy = y.duringYoYPct === null ? '' : `  ${y.duringYoYPct >= 0 ? '+' : ''}${y.duringYoYPct.toFixed(1)}% vs ${y.year - 1}`;
      lines.push(`    ${y.year}  ${formatRate(y.impact.during?.velocityPerHour).padStart(8)}/h${y.impact.duringVsBeforePct === null ? '' : `  (${y.impact.duringVsBeforePct >= 0 ? '+' : ''}${y.impact.duringVsBeforePct.toFixed(1)}% vs the ${r.method.beforeDays} days before)`}${yoy}`);
    }
  } else lines.push('  earlier years: no history covering this event in other years');
  lines.push(`  method      tagpulse analytics ${r.method.version}; ${r.method.description}`);
  return lines;
}

function optionalInt(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} ${JSON.stringify(v)}: use a whole number from ${min} to ${max}`);
  return n;
}

async function runEventReport(opts: ReportOptions & { event: string }, io: Io): Promise<number> {
  const cfg = configFrom(opts);
  const year = optionalInt('year', opts.year, 1970, 2299);
  const beforeDays = optionalInt('before-days', opts.beforeDays, 1, 366);
  const afterDays = optionalInt('after-days', opts.afterDays, 1, 366);
  const report = await withStore(cfg, 'report', (store) =>
    buildEventReport(store, {
      platform: opts.platform ?? 'tiktok',
      tag: opts.tag,
      metric: opts.metric ?? 'views',
      event: opts.event,
      ...(year !== undefined ? { year } : {}),
      ...(beforeDays !== undefined ? { beforeDays } : {}),
      ...(afterDays !== undefined ? { afterDays } : {}),
    }),
  );
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else for (const l of renderEventReportText(report)) io.out(l);
  return report.observations ? EXIT.OK : EXIT.NO_DATA;
}

export async function runReport(opts: ReportOptions, io: Io = stdio): Promise<number> {
  if (opts.event) return runEventReport({ ...opts, event: opts.event }, io);
  if (opts.year || opts.beforeDays || opts.afterDays) throw new UserError('--year, --before-days and --after-days go with --event <slug-or-name> (see tagpulse event list)');
  const cfg = configFrom(opts);
  const at = opts.at !== undefined ? requireTime(opts.at, '--at') : undefined;
  const report = await withStore(cfg, 'report', (store) => buildReport(store, { platform: opts.platform ?? 'tiktok', tag: opts.tag, metric: opts.metric ?? 'views', ...(at ? { at } : {}) }));
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else for (const l of renderReportText(report)) io.out(l);
  // No observation of this tag: a script must be able to tell that from data (docs/exit-codes.md).
  return report.latest ? EXIT.OK : EXIT.NO_DATA;
}

export function configureReportCommand(program: Command): void {
  program
    .command('report <tag>')
    .description('how fast a tag grows: latest value, delta and rate over 1h/24h/7d, growth, breakouts')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--metric <metric>', 'views | posts | ...', 'views')
    .option('--at <time>', 'compute the report as of this time')
    .option('--event <slug-or-name>', 'growth before, during and after an event (see tagpulse event list), and in earlier years')
    .option('--year <year>', 'with --event: the occurrence of this year (default: the latest the data can cover)')
    .option('--before-days <days>', 'with --event: days of baseline before the event (default 14)')
    .option('--after-days <days>', 'with --event: days after the event (default 14)')
    .option('--json', 'machine-readable JSON')
    .action(async (tag: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runReport({ ...(globalsOf(cmd) as ReportOptions), tag }));
    });
}
