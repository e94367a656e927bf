/** Commands contributed by later features (backfill, compare, leaderboard, event, export, serve...). */
import type { Command } from 'commander';

export const extraCommands: ((program: Command) => void)[] = [];
