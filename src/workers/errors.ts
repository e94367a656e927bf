/**
 * Errors thrown to BullMQ. Each has a stable code and says what happens next:
 *  - CollectRetryableError: retried with exponential backoff (attempts from config);
 *  - give-up kinds are thrown as BullMQ's UnrecoverableError (no more attempts);
 *  - throttled kinds pause the whole platform queue via worker.rateLimit(ms).
 */
import type { FailureKind } from '../schema/failure.ts';
import { TagpulseError } from '../errors.ts';

export class CollectRetryableError extends TagpulseError {
  override readonly code = 'COLLECT_RETRY';
  override readonly retryable = true;
  constructor(readonly kind: FailureKind, message: string, options?: { cause?: unknown }) {
    super(`${kind}: ${message}`, options);
  }
}

export class LoadError extends TagpulseError {
  override readonly code = 'LOAD_FAILED';
  override readonly retryable = true;
}
