/** tagpulse CLI entry: build the command tree (program.ts) and run it on process.argv. */
import { buildProgram } from './program.ts';
import { EXIT, usageExitCodes } from './exit-codes.ts';

process.on('unhandledRejection', (e) => {
  process.stderr.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = EXIT.ERROR;
});

const program = buildProgram();
usageExitCodes(program);
await program.parseAsync(process.argv);
