/**
 * Structured logs (pino): one root logger, a child per component, fields as objects. Format: human lines on a
 * terminal (pino-pretty), JSON lines when the output is piped or collected, or as configured (logFormat /
 * --log-format / TAGPULSE_LOG_FORMAT). Secrets are redacted from the JSON before either format writes it.
 *
 * Lazy: pino and pino-pretty are loaded (synchronously, with require) only when something is logged at an enabled
 * level. A short command that logs nothing (`report --json` at the default level) never loads them: that was ~0.15 s
 * of CPU at each start (issue 15, bench figure 6b). Loggers are proxies that answer level checks from the configured
 * level and create the real pino logger, with the same bindings, on first use. As before, a logger is bound to the
 * root that existed when it was created.
 */
import { createRequire } from 'node:module';
import type { Logger, DestinationStream } from 'pino';

export type { Logger };

export type LogFormat = 'auto' | 'pretty' | 'json';

const require = createRequire(import.meta.url);

/** pino's numeric levels; 'silent' is above every level. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

interface Root {
  level: string;
  /** The real pino root, created on first use. */
  real(): Logger;
}

let root: Root | undefined;

/** 'auto' becomes 'pretty' on a terminal and 'json' otherwise (logs go to stderr, so stderr's TTY decides). */
export function resolveLogFormat(format: LogFormat, isTTY = Boolean(process.stderr.isTTY)): 'pretty' | 'json' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

function createPino(level: string, secrets: string[], destination: NodeJS.WritableStream | undefined, format: LogFormat): Logger {
  const { pino } = require('pino') as typeof import('pino');
  const redactFn = secrets.length
    ? (s: string) => secrets.reduce((acc, sec) => acc.split(sec).join('[redacted]'), s)
    : undefined;
  const out = destination ?? pino.destination({ fd: 2, sync: true });
  const pretty = resolveLogFormat(format, destination ? false : undefined) === 'pretty';
  const stream = pretty
    ? (require('pino-pretty') as typeof import('pino-pretty')).PinoPretty({
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
  return pino(
    {
      level,
      base: { app: 'tagpulse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.token', '*.secret', '*.password', '*.clientSecret', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    write as DestinationStream,
  );
}

const enabled = (r: Root, level: string) => (LEVELS[level] ?? 0) >= (LEVELS[r.level] ?? 30);
const noop = () => undefined;

/** A logger that creates its pino logger (root.real().child(bindings)) only when it must. */
function lazyLogger(r: Root, bindings: Record<string, unknown> | undefined): Logger {
  let real: Logger | undefined;
  const materialize = () => (real ??= bindings ? r.real().child(bindings) : r.real());
  return new Proxy({} as Logger, {
    get(_, prop) {
      if (typeof prop === 'string' && Object.hasOwn(LEVELS, prop) && prop !== 'silent') {
        if (!enabled(r, prop)) return noop;
        const l = materialize();
        return (l[prop as keyof Logger] as (...a: unknown[]) => unknown).bind(l);
      }
      if (prop === 'isLevelEnabled') return (level: string) => r.level !== 'silent' && enabled(r, level);
      if (prop === 'level') return r.level;
      if (prop === 'child') {
        return (b: Record<string, unknown>, options?: unknown) => (options === undefined ? lazyLogger(r, { ...bindings, ...b }) : materialize().child(b, options as never));
      }
      const l = materialize();
      const v = Reflect.get(l, prop, l) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(l) : v;
    },
  });
}

export function createRootLogger(level = 'info', secrets: string[] = [], destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  let real: Logger | undefined;
  const r: Root = { level, real: () => (real ??= createPino(level, secrets, destination, format)) };
  root = r;
  return lazyLogger(r, undefined);
}

export function logger(component: string, fields: Record<string, unknown> = {}): Logger {
  if (!root) createRootLogger('silent'); // the CLI installs the configured logger at start-up
  return lazyLogger(root!, { component, ...fields });
}
