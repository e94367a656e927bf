/**
 * The command table behind a fast start. `tagpulse --help` needs every command's name and one-line description,
 * not its code: each entry names its command and says how to load the module that configures it. main.ts loads only
 * the module of the command on the command line (and none for `--help`), so `tagpulse report` never loads bullmq
 * or ioredis, and `--help` loads commander alone. program.ts still builds the whole tree eagerly (tests and the
 * compose checks walk it); tests/unit/core/cli-start.test.ts checks that this table and that tree print the same help.
 */
import { Command, Option } from 'commander';
import { rootCommand } from './globals.ts';

type Configure = (program: Command) => void;

export interface CommandEntry {
  /** Name with its arguments, as in program.command(): 'report <tag>'. */
  spec: string;
  description: string;
  /** Whether the command has options of its own (the help line then reads `name [options]`). */
  options: boolean;
  load(): Promise<Configure>;
}

export const COMMANDS: CommandEntry[] = [
  { spec: 'track', description: 'choose which tags are sampled', options: false, load: async () => (await import('./commands/track.ts')).configureTrackCommand },
  { spec: 'run', description: 'run everything: scheduler, collect and load workers, and the dashboard/API (owns the embedded store)', options: true, load: async () => (await import('./commands/run.ts')).configureRunCommand },
  { spec: 'worker', description: 'run extra workers on the same Redis (other processes or machines)', options: true, load: async () => (await import('./commands/worker.ts')).configureWorkerCommand },
  { spec: 'sample <tags...>', description: 'sample tags now, store the values, print them', options: true, load: async () => (await import('./commands/sample.ts')).configureSampleCommand },
  { spec: 'parse <files...>', description: 'parse saved pages or API responses (from a browser or an archive) without touching the store', options: true, load: async () => (await import('./commands/parse.ts')).configureParseCommand },
  {
    spec: 'import <file>',
    description: 'import an existing series (CSV header: platform,tag,metric,observed_at,value[,exact,step,precision,source,note,provenance,time_precision])',
    options: true,
    load: async () => (await import('./commands/import.ts')).configureImportCommand,
  },
  { spec: 'report <tag>', description: 'how fast a tag grows: latest value, delta and rate over 1h/24h/7d, growth, breakouts', options: true, load: async () => (await import('./commands/report.ts')).configureReportCommand },
  { spec: 'status', description: 'queue depths, last observation per tracked tag, recent failures', options: true, load: async () => (await import('./commands/status.ts')).configureStatusCommand },
  { spec: 'demo', description: 'see tagpulse work offline: the real pipeline against a local TikTok-shaped server', options: true, load: async () => (await import('./commands/demo.ts')).configureDemoCommand },
  { spec: 'migrate', description: 'create or update the ClickHouse schema (idempotent)', options: true, load: async () => (await import('./commands/migrate.ts')).configureMigrateCommand },
  { spec: 'config', description: 'show the effective configuration (secrets masked) and where each value can be set', options: true, load: async () => (await import('./commands/config.ts')).configureConfigCommand },
  {
    spec: 'doctor',
    description: 'check Node, redis-server, Chromium, the data dir, the store and each platform (one polite request), with what to do for each failure',
    options: true,
    load: async () => (await import('./commands/doctor.ts')).configureDoctorCommand,
  },
  { spec: 'backfill <tag>', description: "fill a tag's history from Wayback Machine captures of its page (resumable)", options: true, load: async () => (await import('./commands/backfill.ts')).configureBackfillCommand },
  { spec: 'compare <tags...>', description: 'compare tags on one time grid: absolute counts, log scale, or indexed to 100 at a date', options: true, load: async () => (await import('./commands/compare.ts')).configureCompareCommand },
  { spec: 'leaderboard', description: 'rank every tracked tag by velocity, growth or breakout (computed in ClickHouse from the rollups)', options: true, load: async () => (await import('./commands/leaderboard.ts')).configureLeaderboardCommand },
  { spec: 'event', description: 'events and campaign dates: the built-in awareness calendar plus your own events', options: false, load: async () => (await import('./commands/event.ts')).configureEventCommand },
  { spec: 'export', description: 'export observations with provenance (CSV, JSON lines or Parquet) and a citation', options: true, load: async () => (await import('./commands/export.ts')).configureExportCommand },
  { spec: 'alerts', description: 'alert rules (from the config) and their deliveries', options: false, load: async () => (await import('./commands/alerts.ts')).configureAlertsCommand },
  { spec: 'serve', description: 'serve the dashboard and API from the store without collecting (owns the embedded store)', options: true, load: async () => (await import('./commands/dashboard-commands.ts')).registerDashboardCommands },
];

export const commandName = (e: CommandEntry): string => e.spec.split(' ')[0]!;

/** Global options that take a value: `--data-dir x report t` names the command `report`, not `x`. */
export const VALUE_OPTIONS = new Set(['--data-dir', '--clickhouse-url', '--redis-url', '--log-level', '--log-format', '--config']);

/** The command named on the command line (`tagpulse [globals] <name> …` or `tagpulse help <name>`), if any. */
export function commandOnLine(args: string[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < args.length && operands.length < 2; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    operands.push(a);
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/**
 * The command tree for these arguments: the named command configured by its own module, every other command a
 * stub with its name and description (enough for the help listing and for commander's "unknown command" advice).
 */
export async function buildLazyProgram(args: string[]): Promise<Command> {
  const program = rootCommand(Command);
  const wanted = commandOnLine(args);
  for (const entry of COMMANDS) {
    if (commandName(entry) === wanted) {
      (await entry.load())(program);
      continue;
    }
    const stub = program.command(entry.spec).description(entry.description);
    if (entry.options) stub.addOption(new Option('--lazy-stub').hideHelp());
  }
  return program;
}
