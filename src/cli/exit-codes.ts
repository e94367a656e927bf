/**
 * The exit codes of every tagpulse command, in one table, so a script can tell "no data" from "bad flags" from "try
 * again later". docs/exit-codes.md is the user-facing copy; a test checks the two agree. Before this table, 2 meant a
 * usage error, a locked store, a strict import's refusal and a sample's give-up alike, and "no such tag" exited 0.
 * Codes follow the common CLI convention (gh, kubectl, grep): 0 success, 1 general failure, 2 usage.
 */

export const EXIT = {
  /** Success. */
  OK: 0,
  /** Runtime error: the environment failed (store or Redis unreachable, network, unexpected error); retrying later may help. */
  ERROR: 1,
  /** Usage error: a bad flag, value, tag, file or configuration. Fix the command line or config. */
  USAGE: 2,
  /** No data: the tag (or event) is unknown, or nothing is stored for it in the range asked (report, compare, export). */
  NO_DATA: 3,
  /** Store locked: another process holds the embedded data dir and offers no API to go through. */
  STORE_LOCKED: 4,
  /** Refused: nothing was written because a rule forbade it (import --strict with bad rows, an export containing a secret). */
  REFUSED: 5,
  /** Partial: some rows or tags failed and the rest was stored (import with bad rows skipped). */
  PARTIAL: 6,
  /** Gave up: a collection failure that retrying will not fix (missing credentials, tag not found, restricted). */
  GAVE_UP: 7,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** One line per code, as docs/exit-codes.md shows it (the test compares them). */
export const EXIT_DESCRIPTIONS: Record<ExitName, string> = {
  OK: 'success',
  ERROR: 'runtime error: store, Redis or network unavailable, or an unexpected error; retrying later may help',
  USAGE: 'usage error: a bad flag, value, tag, file or configuration',
  NO_DATA: 'no data: unknown tag or event, or nothing stored in the range (report, compare, export)',
  STORE_LOCKED: 'store locked: another process holds the data dir (stop it, or let it run with its API)',
  REFUSED: 'refused, nothing written: import --strict found bad rows, or an export would contain a secret',
  PARTIAL: 'partial: some rows were bad and skipped, the rest was stored (import)',
  GAVE_UP: 'gave up: every failure is one retrying will not fix (credentials, tag not found, restricted) (sample)',
};

/** A "nothing to show" outcome: the command printed what it could and exits with NO_DATA. */
export class NoDataError extends Error {
  readonly code = 'NO_DATA';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The slice of commander's Command that usageExitCodes needs (kept structural so this module imports nothing). */
interface CommandTree {
  commands: readonly CommandTree[];
  exitOverride(fn: (err: { exitCode: number }) => never | void): unknown;
}

/**
 * Commander exits 1 on an unknown option or a missing argument; in this table a usage error is 2. Applied to every
 * command of the tree (subcommands added with addCommand do not inherit the setting).
 */
export function usageExitCodes(cmd: CommandTree): void {
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE));
  for (const c of cmd.commands) usageExitCodes(c);
}
