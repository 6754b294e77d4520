import type { Logger } from 'pino';
import { defaultBackoff } from '../backoff.js';
import { ErrandError, JobTimeoutError, PermanentError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import type { ErrandEmitter } from '../events.js';
import type { JobContext, JobDefinition } from '../job.js';
import type { Driver } from '../drivers/driver.js';
import { jsonValueProblem } from '../payload.js';
import type { AttemptError, AttemptErrorKind, ClaimedJob } from '../types.js';
import type { Tracing } from '../tracing.js';
import { ProgressReporter } from './progress.js';

/** Default for `maxResultBytes`: a result is a summary (an id, a count, a URL), not a file. */
export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;
/** Default for `progressThrottleMs`: at most one progress write per job per second. */
export const DEFAULT_PROGRESS_THROTTLE_MS = 1000;

/** A handler returned a value that cannot be stored: not JSON, or past the size limit. */
export class BadResultError extends ErrandError {
  constructor(message: string) {
    super('ERRAND_BAD_RESULT', message);
    this.name = 'BadResultError';
  }
}

/**
 * Why the worker itself aborted an attempt (as opposed to the handler failing). A handler sees
 * them as `ctx.signal.reason`, so they are ErrandErrors with codes like every error of ours.
 */
export class ShutdownAbort extends ErrandError {
  constructor() {
    super('ERRAND_SHUTDOWN', 'worker shut down before the job finished; released to run again');
    this.name = 'ShutdownAbort';
  }
}
export class LeaseLostAbort extends ErrandError {
  constructor() {
    super('ERRAND_LEASE_LOST', 'lease lost: the job was rescued and may run elsewhere');
    this.name = 'LeaseLostAbort';
  }
}

export class CancelledAbort extends ErrandError {
  constructor() {
    super('ERRAND_CANCELLED', 'the job was cancelled by an operator; it will not run again');
    this.name = 'CancelledAbort';
  }
}

export type Outcome =
  /** `result`: the handler's return value as JSON text (undefined when it returned nothing). */
  | { kind: 'success'; durationMs: number; result?: string }
  | { kind: 'failure'; durationMs: number; error: Error; next: 'retryable' | 'dead'; retryInMs: number; record: AttemptError }
  | { kind: 'released'; durationMs: number; reason: ShutdownAbort | LeaseLostAbort }
  /** Cancelled while it ran: the database already says so; nothing is written. */
  | { kind: 'cancelled'; durationMs: number; reason: CancelledAbort };

export interface ExecuteDeps {
  registry: ReadonlyMap<string, JobDefinition<any>>;
  events: ErrandEmitter;
  logger: Logger;
  workerId: string;
  /** Where progress reports are written (absent: ctx.progress validates and drops them). */
  driver?: Pick<Driver, 'setProgress'>;
  /** Largest result stored, in bytes of JSON. Default DEFAULT_MAX_RESULT_BYTES. */
  maxResultBytes?: number;
  /** Least time between two progress writes of one job. Default DEFAULT_PROGRESS_THROTTLE_MS. */
  progressThrottleMs?: number;
  /** OpenTelemetry (tracing.ts): each attempt in a span of its own. Absent: not traced. */
  tracing?: Tracing;
}

/**
 * How an attempt is stopped from outside (timeout, shutdown, lost lease). The AbortController
 * behind `ctx.signal` is made only when the handler reads the signal: an AbortController and its
 * listener cost more than a no-op job itself. Aborting rejects the race the handler runs in, so
 * a handler that never looks at the signal still frees its slot.
 */
export class Attempt {
  private controller: AbortController | undefined;
  private rejectRace: ((reason: unknown) => void) | undefined;
  /** Why the attempt was aborted; undefined while it was not. */
  reason: unknown;
  aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.rejectRace?.(reason);
  }

  /** Settles as `work` does, or rejects with the reason as soon as the attempt is aborted. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      this.rejectRace = reject;
      work.then(resolve, reject);
    });
  }
}

/**
 * Run one attempt of a claimed job and say how it ended. The handler races the attempt's abort,
 * so a handler that ignores its signal still frees its slot at the timeout or at shutdown.
 */
export function executeJob(job: ClaimedJob, deps: ExecuteDeps, attempt = new Attempt()): Promise<Outcome> {
  return deps.tracing ? deps.tracing.attempt(job, deps.workerId, () => runAttempt(job, deps, attempt)) : runAttempt(job, deps, attempt);
}

async function runAttempt(job: ClaimedJob, deps: ExecuteDeps, attempt: Attempt): Promise<Outcome> {
  const started = performance.now();
  const def = deps.registry.get(job.name);
  if (deps.events.listenerCount('job:start') > 0) {
    deps.events.emit('job:start', { job, workerId: deps.workerId, latencyMs: Math.max(0, Date.now() - job.runAt.getTime()) });
  }
  let timer: NodeJS.Timeout | undefined;
  let progress: ProgressReporter | undefined;
  try {
    if (!def) throw new ErrandError('ERRAND_NO_HANDLER', `no handler registered for ${job.name}`);
    if (job.timeoutMs) {
      const timeoutMs = job.timeoutMs;
      timer = setTimeout(() => attempt.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    }
    let logger: JobContext['logger'] | undefined;
    const ctx: JobContext = {
      progress: (value: unknown) => {
        progress ??= new ProgressReporter(
          (json) => deps.driver?.setProgress(job.id, deps.workerId, json) ?? Promise.resolve(),
          deps.progressThrottleMs ?? DEFAULT_PROGRESS_THROTTLE_MS,
          (error) => deps.events.emit('db:error', { workerId: deps.workerId, operation: 'progress', error }),
        );
        progress.report(value);
      },
      id: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      // Made on first use, like the logger: most handlers never read them, and a busy worker runs
      // thousands a second.
      get signal() {
        return attempt.signal;
      },
      get logger() {
        logger ??= deps.logger.child({ jobId: job.id, job: job.name, attempt: job.attempt });
        return logger;
      },
    };
    const value = await attempt.race(Promise.resolve().then(() => def.handler(job.payload, ctx)));
    const result = value === undefined ? undefined : encodeResult(value, deps.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES, job.name);
    if (progress) await progress.finish(true);
    const durationMs = performance.now() - started;
    if (deps.events.listenerCount('job:success') > 0) deps.events.emit('job:success', { job, workerId: deps.workerId, durationMs });
    return { kind: 'success', durationMs, result };
  } catch (thrown) {
    if (progress) await progress.finish(!attempt.aborted);
    const durationMs = performance.now() - started;
    const reason = attempt.reason; // undefined unless aborted
    if (reason instanceof ShutdownAbort || reason instanceof LeaseLostAbort) return { kind: 'released', durationMs, reason };
    if (reason instanceof CancelledAbort) {
      deps.events.emit('job:aborted', { job, workerId: deps.workerId, durationMs, reason });
      return { kind: 'cancelled', durationMs, reason };
    }
    const error = toError(reason instanceof JobTimeoutError ? reason : thrown);
    const permanent = error instanceof PermanentError || error instanceof BadResultError;
    const exhausted = job.attempt >= job.maxAttempts;
    const next = permanent || exhausted ? 'dead' : 'retryable';
    const retryInMs = next === 'retryable' ? Math.max(0, Math.round((def?.backoff ?? defaultBackoff)(job.attempt))) : 0;
    const record: AttemptError = {
      attempt: job.attempt,
      at: new Date().toISOString(),
      kind: attemptErrorKind(error),
      // Never stored with a token or key in it (a gateway's message may quote one).
      message: redactSecrets(error.message),
      stack: redactSecrets(error.stack ?? null),
    };
    deps.events.emit('job:failure', { job, workerId: deps.workerId, durationMs, error });
    if (next === 'dead') deps.events.emit('job:dead', { job, workerId: deps.workerId, error });
    else deps.events.emit('job:retry', { job, workerId: deps.workerId, retryInMs, error });
    return { kind: 'failure', durationMs, error, next, retryInMs, record };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** A handler's return value as the JSON text to store, or a BadResultError saying why it cannot be. */
function encodeResult(value: unknown, maxBytes: number, name: string): string {
  const problem = jsonValueProblem(value, 'result');
  if (problem) throw new BadResultError(`job ${name} returned a value JSON cannot store: ${problem} (return JSON, or nothing)`);
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new BadResultError(`job ${name} returned a result of ${bytes} bytes of JSON, past the limit of ${maxBytes} (maxResultBytes): store large output elsewhere and return a reference`);
  }
  return text;
}

/** The kind recorded with a failed attempt: ours by our error's code, the handler's own errors are 'error'. */
function attemptErrorKind(error: Error): AttemptErrorKind {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof JobTimeoutError) return 'timeout';
  if (error instanceof BadResultError) return 'bad_result';
  if (error instanceof ErrandError && error.code === 'ERRAND_NO_HANDLER') return 'unknown_job';
  return 'error';
}

export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : `non-error thrown: ${safeString(e)}`);
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
