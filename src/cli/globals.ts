/**
 * The global options of every tagpulse command. Kept apart from common.ts (config, logger, store) so that building
 * the command tree for `--help` loads commander and nothing else.
 */
import type { Command } from 'commander';

export interface GlobalOptions {
  dataDir?: string;
  clickhouseUrl?: string;
  redisUrl?: string;
  logLevel?: string;
  logFormat?: string;
  config?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--data-dir <dir>', 'data directory of the embedded store (default ./.tagpulse)')
    .option('--clickhouse-url <url>', 'use a ClickHouse server instead of the embedded store')
    .option('--redis-url <url>', 'use this Redis instead of a private redis-server')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--log-format <format>', 'auto|pretty|json (default auto: human lines on a terminal, JSON when piped)')
    .option('--config <file>', 'config file (default ./tagpulse.config.json)');
}

/** The top level of the command tree, before any command is added: name, description, version, global options. */
export function rootCommand(CommandClass: new (name: string) => Command): Command {
  return addGlobalOptions(new CommandClass('tagpulse'))
    .description('Sample public hashtag counters on a schedule, keep every observation with provenance, and see how fast trends grow.')
    .version('0.1.0')
    .showHelpAfterError('(run tagpulse --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'error: ')) });
}
