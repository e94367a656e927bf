/**
 * Shared CLI plumbing: global options → config, the logger, opening the store the right way, and turning every
 * error into a message that says what to do (never a stack trace).
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { ConfigError, loadConfig, secretValues, type Config, type ConfigKey } from '../config/config.ts';
import { createRootLogger } from '../util/log.ts';
import type { Store } from '../store/store.ts';
import { openStore } from '../store/open.ts';
import { InvalidTagError } from '../schema/tag.ts';
import { EXIT } from './exit-codes.ts';
import { TagpulseError } from '../errors.ts';
import type { GlobalOptions } from './globals.ts';

export { addGlobalOptions, type GlobalOptions } from './globals.ts';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
}

export const stdio: Io = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
};

/** Errors a user can fix: printed as "error: <message>" with the usage exit code (2). */
export class UserError extends TagpulseError {
  override readonly code: string = 'USER_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Build the config from global flags plus command-specific flags (flag > env > file > default). */
export function configFrom(global: GlobalOptions, extra: Partial<Record<ConfigKey, unknown>> = {}, env?: Record<string, string | undefined>): Config {
  const flags: Partial<Record<ConfigKey, unknown>> = {
    dataDir: global.dataDir,
    clickhouseUrl: global.clickhouseUrl,
    redisUrl: global.redisUrl,
    logLevel: global.logLevel,
    logFormat: global.logFormat,
    ...extra,
  };
  return loadConfig({ flags, ...(global.config ? { configFile: global.config } : {}), ...(env ? { env } : {}) });
}

export function setupLogging(cfg: Config, defaultLevel?: string): void {
  createRootLogger(cfg.logLevel === 'info' && defaultLevel ? defaultLevel : cfg.logLevel, secretValues(cfg), undefined, cfg.logFormat);
}

/** Run fn with the store opened for a short command (store/open.ts, role 'command'), closed afterwards. */
export async function withStore<T>(cfg: Config, command: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cfg, 'command', { command: `tagpulse ${command}` });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Human text for any error, and its exit code from the one table (exit-codes.ts, docs/exit-codes.md). */
export function describeError(e: unknown): { message: string; exitCode: number } {
  if (e instanceof z.ZodError) return { message: e.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('\n'), exitCode: EXIT.USAGE };
  if (e instanceof ConfigError || e instanceof UserError || e instanceof InvalidTagError) return { message: e.message, exitCode: EXIT.USAGE };
  const err = e as Error & { code?: unknown; retryable?: boolean };
  if (err && typeof err.code === 'string' && /^[A-Z][A-Z_]+$/.test(err.code)) {
    return { message: err.message, exitCode: exitCodeOf(err.code, err.retryable) };
  }
  const msg = err instanceof Error ? err.message : String(e);
  return { message: `unexpected error: ${msg} (re-run with --log-level debug for details; please report it if it persists)`, exitCode: EXIT.ERROR };
}

/** The exit code of an error with a stable code. */
export function exitCodeOf(code: string, retryable?: boolean): number {
  if (code === 'STORE_LOCKED') return EXIT.STORE_LOCKED;
  if (code === 'NO_DATA' || /NOT_FOUND$/.test(code)) return EXIT.NO_DATA;
  if (code === 'EXPORT_SECRET') return EXIT.REFUSED;
  if (retryable === false || /INPUT|INVALID|CONFIG/.test(code)) return EXIT.USAGE;
  return EXIT.ERROR;
}

/** Run a command action: errors become one clear line on stderr and an exit code. */
export async function runAction(io: Io, fn: () => Promise<number | void>): Promise<number> {
  try {
    return (await fn()) ?? 0;
  } catch (e) {
    const { message, exitCode } = describeError(e);
    io.err(`error: ${message}`);
    return exitCode;
  }
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}
