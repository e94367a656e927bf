/**
 * The tagpulse command tree. Wiring only: each command module declares its options (configureXCommand) and delegates
 * to a runX function that tests call directly. Kept apart from main.ts so tests (and the compose checks) can build
 * the program without parsing process.argv. This loads every command; the CLI itself starts through the lazy
 * table in commands-index.ts, which must print the same help (tests/unit/core/cli-start.test.ts).
 */
import { Command } from 'commander';
import { rootCommand } from './globals.ts';
import { configureTrackCommand } from './commands/track.ts';
import { configureRunCommand } from './commands/run.ts';
import { configureWorkerCommand } from './commands/worker.ts';
import { configureSampleCommand } from './commands/sample.ts';
import { configureParseCommand } from './commands/parse.ts';
import { configureImportCommand } from './commands/import.ts';
import { configureReportCommand } from './commands/report.ts';
import { configureStatusCommand } from './commands/status.ts';
import { configureDemoCommand } from './commands/demo.ts';
import { configureMigrateCommand } from './commands/migrate.ts';
import { configureConfigCommand } from './commands/config.ts';
import { configureDoctorCommand } from './commands/doctor.ts';
import { extraCommands } from './extra.ts';

export function buildProgram(): Command {
  const program = rootCommand(Command);
  configureTrackCommand(program);
  configureRunCommand(program);
  configureWorkerCommand(program);
  configureSampleCommand(program);
  configureParseCommand(program);
  configureImportCommand(program);
  configureReportCommand(program);
  configureStatusCommand(program);
  configureDemoCommand(program);
  configureMigrateCommand(program);
  configureConfigCommand(program);
  configureDoctorCommand(program);
  for (const c of extraCommands) c(program);
  return program;
}
