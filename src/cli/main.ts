/** tagpulse CLI entry: build the command tree (program.ts) and run it on process.argv. */
import { buildProgram } from './program.ts';

process.on('unhandledRejection', (e) => {
  process.stderr.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 1;
});

await buildProgram().parseAsync(process.argv);
