import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, type GlobalOptions, type Io } from '../common.ts';
import { describeConfig } from '../../config/config.ts';

export async function runConfigShow(opts: GlobalOptions & { json?: boolean }, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const rows = describeConfig(cfg);
  if (opts.json) io.out(JSON.stringify(rows, null, 2));
  else for (const r of rows) io.out(`${r.key.padEnd(24)} ${r.env.padEnd(36)} ${String(r.value ?? '').padEnd(30)} ${r.doc}`);
  return 0;
}

export function configureConfigCommand(program: Command): void {
  program
    .command('config')
    .description('show the effective configuration (secrets masked) and where each value can be set')
    .option('--json', 'JSON')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runConfigShow(globalsOf(cmd) as GlobalOptions & { json?: boolean }));
    });
}
