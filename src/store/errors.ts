/** Store errors say what the caller should do next. */
export class StoreError extends Error {
  readonly code: string = 'STORE_ERROR';
  /** True when retrying the same operation later may succeed. */
  readonly retryable: boolean = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another process holds the embedded data dir. Not retryable by this command: talk to the owner or stop it. */
export class StoreLockedError extends StoreError {
  override readonly code = 'STORE_LOCKED';
  override readonly retryable = false;
}

export class StoreUnavailableError extends StoreError {
  override readonly code = 'STORE_UNAVAILABLE';
}

export class QueryValidationError extends StoreError {
  override readonly code = 'QUERY_INVALID';
  override readonly retryable = false;
}
