/**
 * tagpulse CLI entry: build the command tree for these arguments and run it. Only the module of the command on the
 * command line is loaded (commands-index.ts), so `--help` starts with commander alone.
 */
import { buildLazyProgram } from './commands-index.ts';
import { EXIT, usageExitCodes } from './exit-codes.ts';

process.on('unhandledRejection', (e) => {
  process.stderr.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = EXIT.ERROR;
});

const program = await buildLazyProgram(process.argv.slice(2));
usageExitCodes(program);
await program.parseAsync(process.argv);
