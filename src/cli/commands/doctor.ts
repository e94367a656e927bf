/** `tagpulse doctor`: wiring only; the checks live in services/doctor.ts. */
import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, type GlobalOptions, type Io } from '../common.ts';
import { formatDoctor, runDoctor } from '../../services/doctor.ts';

export interface DoctorCommandOptions extends GlobalOptions {
  json?: boolean;
  tag?: string;
  platforms?: string;
  browser?: boolean;
}

export async function runDoctorCommand(opts: DoctorCommandOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const report = await runDoctor(cfg, {
    ...(opts.tag ? { tag: opts.tag } : {}),
    ...(opts.platforms ? { platforms: opts.platforms.split(',').map((p) => p.trim()).filter(Boolean) } : {}),
    ...(opts.browser === false ? { skipBrowserLaunch: true } : {}),
  });
  if (opts.json) io.out(JSON.stringify(report));
  else for (const line of formatDoctor(report)) io.out(line);
  return report.ok ? 0 : 1;
}

export function configureDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check Node, redis-server, Chromium, the data dir, the store and each platform (one polite request), with what to do for each failure')
    .option('--json', 'the checklist as JSON')
    .option('--tag <tag>', 'known tag requested from each platform', 'mentalhealth')
    .option('--platforms <list>', 'platforms to check (comma-separated)')
    .option('--no-browser', 'do not launch Chromium')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runDoctorCommand(globalsOf(cmd) as DoctorCommandOptions));
    });
}
