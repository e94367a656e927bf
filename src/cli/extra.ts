/** Commands contributed by feature areas. */
import type { Command } from 'commander';
import { registerCollectorCommands } from './commands/collectors-commands.ts';
import { registerAnalyticsCommands } from './commands/analytics-commands.ts';
import { registerDashboardCommands } from './commands/dashboard-commands.ts';

export const extraCommands: ((program: Command) => void)[] = [registerCollectorCommands, registerAnalyticsCommands, registerDashboardCommands];
