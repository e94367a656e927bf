/**
 * Errors thrown to BullMQ. Each has a stable code and says what happens next:
 *  - CollectRetryableError: retried with exponential backoff (attempts from config);
 *  - give-up kinds are thrown as BullMQ's UnrecoverableError (no more attempts);
 *  - throttled kinds pause the whole platform queue via worker.rateLimit(ms).
 */
import type { FailureKind } from '../schema/failure.ts';

export class CollectRetryableError extends Error {
  readonly code = 'COLLECT_RETRY';
  constructor(readonly kind: FailureKind, message: string, options?: { cause?: unknown }) {
    super(`${kind}: ${message}`, options);
    this.name = new.target.name;
  }
}

export class LoadError extends Error {
  readonly code = 'LOAD_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
