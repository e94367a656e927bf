/**
 * The tagpulse command tree. Wiring only: each command module declares its options (configureXCommand) and delegates
 * to a runX function that tests call directly. Kept apart from main.ts so tests (and the compose checks) can build
 * the program without parsing process.argv.
 */
import { Command } from 'commander';
import { addGlobalOptions } from './common.ts';
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
  const program = addGlobalOptions(new Command('tagpulse'))
    .description('Sample public hashtag counters on a schedule, keep every observation with provenance, and see how fast trends grow.')
    .version('0.1.0')
    .showHelpAfterError('(run tagpulse --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'error: ')) });
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
