/** CLI commands of the analytics (compare, leaderboard, event, export, alerts). */
import type { Command } from 'commander';

export function registerAnalyticsCommands(_program: Command): void {}
