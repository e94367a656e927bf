/**
 * The base of every tagpulse error, below all layers (it imports nothing). Each error says what the caller should do:
 *  - `code`: a stable UPPER_SNAKE string (logs, the API's error bodies and exit codes key on it, never on messages);
 *  - `retryable`: whether the same operation, tried again later, may succeed (a queue retries it; a CLI exits 1
 *    rather than 2);
 *  - `cause`: the underlying error (standard ErrorOptions).
 * Subclasses fix `code`, and `retryable` either per class (a field) or per instance (constructor option).
 */
export interface TagpulseErrorOptions {
  cause?: unknown;
  retryable?: boolean;
}

export class TagpulseError extends Error {
  readonly code: string = 'TAGPULSE_ERROR';
  readonly retryable: boolean;
  constructor(message: string, options: TagpulseErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}

/** Whether an error of any origin says it may succeed when retried (a TagpulseError or an object with `retryable`). */
export function isRetryable(e: unknown): boolean {
  const r = (e as { retryable?: unknown } | null)?.retryable;
  return typeof r === 'boolean' ? r : true;
}
