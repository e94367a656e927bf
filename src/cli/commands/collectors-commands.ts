/** CLI commands of the collectors (backfill, ...). */
import type { Command } from 'commander';
import { configureBackfillCommand } from './backfill.ts';

export function registerCollectorCommands(program: Command): void {
  configureBackfillCommand(program);
}
