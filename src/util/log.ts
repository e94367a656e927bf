/**
 * Structured logs (pino): one root logger, a child per component, fields as objects. Format: human lines on a
 * terminal (pino-pretty), JSON lines when the output is piped or collected, or as configured (logFormat /
 * --log-format / TAGPULSE_LOG_FORMAT). Secrets are redacted from the JSON before either format writes it.
 */
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export type LogFormat = 'auto' | 'pretty' | 'json';

let root: Logger | undefined;

/** 'auto' becomes 'pretty' on a terminal and 'json' otherwise (logs go to stderr, so stderr's TTY decides). */
export function resolveLogFormat(format: LogFormat, isTTY = Boolean(process.stderr.isTTY)): 'pretty' | 'json' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

export function createRootLogger(level = 'info', secrets: string[] = [], destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const redactFn = secrets.length
    ? (s: string) => secrets.reduce((acc, sec) => acc.split(sec).join('[redacted]'), s)
    : undefined;
  const out = destination ?? pino.destination({ fd: 2, sync: true });
  const pretty = resolveLogFormat(format, destination ? false : undefined) === 'pretty';
  const stream = pretty
    ? PinoPretty({
        destination: out as NodeJS.WritableStream,
        sync: true,
        colorize: !destination && Boolean(process.stderr.isTTY),
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,app,component',
        messageFormat: '{if component}[{component}] {end}{msg}',
        hideObject: false,
        singleLine: true,
      })
    : out;
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
