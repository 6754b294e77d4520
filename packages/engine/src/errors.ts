/**
 * Errors Errand raises, each with a stable code (documented in docs/engine.md#errors).
 */
export type ErrandErrorCode =
  | 'ERRAND_BAD_URL'
  | 'ERRAND_BAD_PAYLOAD'
  | 'ERRAND_BAD_OPTION'
  | 'ERRAND_UNKNOWN_JOB'
  | 'ERRAND_BAD_TRANSACTION'
  | 'ERRAND_TIMEOUT'
  | 'ERRAND_CLOSED'
  | 'ERRAND_NOT_DELAYABLE'
  | 'ERRAND_ASSERTION';

export class ErrandError extends Error {
  readonly code: ErrandErrorCode;
  constructor(code: ErrandErrorCode, message: string) {
    super(message);
    this.name = 'ErrandError';
    this.code = code;
  }
}

/**
 * Throw this from a handler to say the job can never succeed (a permanent failure): it goes
 * straight to `dead` with this message, without further attempts.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** The error an attempt fails with when it runs past its timeout. */
export class JobTimeoutError extends Error {
  readonly code = 'ERRAND_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`job timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}
