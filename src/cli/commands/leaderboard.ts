import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { computeLeaderboard, type Leaderboard, type LeaderboardInput } from '../../services/leaderboard.ts';
import { formatCount, formatRate } from '../format.ts';

export interface LeaderboardOptions extends GlobalOptions {
  by?: string;
  window?: string;
  metric?: string;
  platform?: string;
  limit?: string | number;
  at?: string;
  json?: boolean;
}

const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);

export function renderLeaderboardText(lb: Leaderboard): string[] {
  const asOf = lb.source === 'summary' ? (lb.asOfFrom === lb.asOfTo ? lb.asOfTo : `${lb.asOfFrom} – ${lb.asOfTo}`) : lb.at;
  const lines = [`top ${lb.platform} ${lb.metric} by ${lb.by} over ${lb.window} · as of ${asOf}${lb.source === 'summary' ? ' (per-tag summary)' : ''}`];
  if (lb.staleTags) lines.push(`  ${lb.staleTags} tag(s) have numbers from an earlier hour (marked *, with their own as-of), being refreshed`);
  if (!lb.entries.length) {
    lines.push(lb.tagsSeen ? `  none of the ${lb.tagsSeen} tag(s) with data has enough history for this window yet` : '  no data in the rollups for this platform, metric and time: track tags (tagpulse track add) and let tagpulse run sample them');
    return lines;
  }
  const breakout = lb.by === 'breakout';
  const header = ['#', 'tag', 'velocity/h', `growth vs prev ${lb.window}`, ...(breakout ? ['z', 'breakout'] : []), 'latest'];
  const rows = lb.entries.map((e) => [
    String(e.rank),
    `#${e.tag}${e.stale ? ` * (as of ${e.asOf})` : ''}`,
    formatRate(e.velocityPerHour),
    pct(e.growthPct),
    ...(breakout ? [e.zScore === null ? '—' : e.zScore.toFixed(2), e.breakout === null ? '—' : e.breakout ? 'YES' : 'no'] : []),
    e.latestValue === null ? '—' : formatCount(e.latestValue),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((x, i) => (i === 1 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  lines.push(line(header), ...rows.map(line));
  lines.push(`ranked ${lb.tagsRanked} of ${lb.tagsSeen} tag(s) with data; ${lb.method.source}, read ${formatCount(String(lb.query.rowsRead))} rows in ${lb.query.elapsedMs} ms`);
  lines.push(`method: ${lb.method.description}`);
  return lines;
}

export async function runLeaderboard(opts: LeaderboardOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const lb = await withStore(cfg, 'leaderboard', (store) =>
    computeLeaderboard(store, {
      ...(opts.by ? { by: opts.by as LeaderboardInput['by'] } : {}),
      ...(opts.window ? { window: opts.window } : {}),
      ...(opts.metric ? { metric: opts.metric } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.at ? { at: opts.at } : {}),
    }),
  );
  if (opts.json) io.out(JSON.stringify(lb, null, 2));
  else for (const l of renderLeaderboardText(lb)) io.out(l);
  return 0;
}

export function configureLeaderboardCommand(program: Command): void {
  program
    .command('leaderboard')
    .description('rank every tracked tag by velocity, growth or breakout (computed in ClickHouse from the rollups)')
    .option('--by <ranking>', 'velocity | growth | breakout', 'velocity')
    .option('--window <window>', 'window, e.g. 24h or 7d (breakout: always 24h)', '24h')
    .option('--metric <metric>', 'views | posts | ...', 'views')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--limit <n>', 'number of tags', '20')
    .option('--at <time>', 'rank as of this time (default now)')
    .option('--json', 'machine-readable JSON')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runLeaderboard(globalsOf(cmd) as LeaderboardOptions));
    });
}
