/** Structured logs (pino): one root logger, a child per component, fields as objects. */
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

export function createRootLogger(level = 'info', secrets: string[] = [], destination?: NodeJS.WritableStream): Logger {
  const redactFn = secrets.length
    ? (s: string) => secrets.reduce((acc, sec) => acc.split(sec).join('[redacted]'), s)
    : undefined;
  const stream = destination ?? pino.destination({ fd: 2, sync: true });
  const write = redactFn
    ? { write: (chunk: string) => (stream as { write(c: string): unknown }).write(redactFn(chunk)) }
    : stream;
  root = pino(
    {
      level,
      base: { app: 'tagpulse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.token', '*.secret', '*.password', '*.clientSecret', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    write as pino.DestinationStream,
  );
  return root;
}

export function logger(component: string, fields: Record<string, unknown> = {}): Logger {
  if (!root) root = createRootLogger('silent'); // the CLI installs the configured logger at start-up
  return root.child({ component, ...fields });
}
