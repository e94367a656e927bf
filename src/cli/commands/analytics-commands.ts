/** CLI commands of the analytics (compare, leaderboard, event, export, alerts). */
import type { Command } from 'commander';
import { configureCompareCommand } from './compare.ts';
import { configureLeaderboardCommand } from './leaderboard.ts';
import { configureEventCommand } from './event.ts';
import { configureExportCommand } from './export.ts';
import { configureAlertsCommand } from './alerts.ts';

export function registerAnalyticsCommands(program: Command): void {
  configureCompareCommand(program);
  configureLeaderboardCommand(program);
  configureEventCommand(program);
  configureExportCommand(program);
  configureAlertsCommand(program);
}
