/**
 * Errors Errand raises, each with a stable code (documented in docs/engine.md#errors). Every
 * failure a user of the engine can meet is an ErrandError (or a subclass) with one of these codes;
 * errors of the database itself (a refused connection, a failed statement) keep their own type
 * and arrive as the `cause` of an ErrandError where the engine wraps them (migrations).
 */
export type ErrandErrorCode =
  | 'ERRAND_BAD_URL'
  | 'ERRAND_BAD_PAYLOAD'
  | 'ERRAND_BAD_OPTION'
  | 'ERRAND_BAD_JOB'
  | 'ERRAND_UNKNOWN_JOB'
  | 'ERRAND_NO_HANDLER'
  | 'ERRAND_BAD_TRANSACTION'
  | 'ERRAND_NOT_SUPPORTED'
  | 'ERRAND_DRIVER_MISSING'
  | 'ERRAND_MIGRATION_FAILED'
  | 'ERRAND_TIMEOUT'
  | 'ERRAND_SHUTDOWN'
  | 'ERRAND_LEASE_LOST'
  | 'ERRAND_CANCELLED'
  | 'ERRAND_BAD_RESULT'
  | 'ERRAND_BAD_PROGRESS'
  | 'ERRAND_NOT_FOUND'
  | 'ERRAND_WAIT_TIMEOUT'
  | 'ERRAND_CLOSED'
  | 'ERRAND_NOT_DELAYABLE'
  | 'ERRAND_ASSERTION'
  | 'ERRAND_OUTBOX_IDS'
  | 'ERRAND_INTERNAL';

export class ErrandError extends Error {
  readonly code: ErrandErrorCode;
  constructor(code: ErrandErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ErrandError';
    this.code = code;
  }
}

/**
 * Throw this from a handler to say the job can never succeed (a permanent failure): it goes
 * straight to `dead` with this message, without further attempts. (Thrown by your code, not by
 * the engine, so it carries no code.)
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** The error an attempt fails with when it runs past its timeout (`ctx.signal.reason`). */
export class JobTimeoutError extends ErrandError {
  declare readonly code: 'ERRAND_TIMEOUT';
  constructor(timeoutMs: number) {
    super('ERRAND_TIMEOUT', `job timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}
