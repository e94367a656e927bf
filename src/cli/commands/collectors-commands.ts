/** CLI commands of the collectors (backfill, ...). */
import type { Command } from 'commander';

export function registerCollectorCommands(_program: Command): void {}
