import type { Logger } from 'pino';
import { defaultBackoff } from '../backoff.js';
import { ErrandError, JobTimeoutError, PermanentError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import type { ErrandEmitter } from '../events.js';
import type { JobContext, JobDefinition } from '../job.js';
import type { AttemptError, AttemptErrorKind, ClaimedJob } from '../types.js';

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

export type Outcome =
  | { kind: 'success'; durationMs: number }
  | { kind: 'failure'; durationMs: number; error: Error; next: 'retryable' | 'dead'; retryInMs: number; record: AttemptError }
  | { kind: 'released'; durationMs: number; reason: ShutdownAbort | LeaseLostAbort };

export interface ExecuteDeps {
  registry: ReadonlyMap<string, JobDefinition<any>>;
  events: ErrandEmitter;
  logger: Logger;
  workerId: string;
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
export async function executeJob(job: ClaimedJob, deps: ExecuteDeps, attempt = new Attempt()): Promise<Outcome> {
  const started = performance.now();
  const def = deps.registry.get(job.name);
  if (deps.events.listenerCount('job:start') > 0) {
    deps.events.emit('job:start', { job, workerId: deps.workerId, latencyMs: Math.max(0, Date.now() - job.runAt.getTime()) });
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!def) throw new ErrandError('ERRAND_NO_HANDLER', `no handler registered for ${job.name}`);
    if (job.timeoutMs) {
      const timeoutMs = job.timeoutMs;
      timer = setTimeout(() => attempt.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    }
    let logger: JobContext['logger'] | undefined;
    const ctx: JobContext = {
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
    await attempt.race(Promise.resolve().then(() => def.handler(job.payload, ctx)));
    const durationMs = performance.now() - started;
    if (deps.events.listenerCount('job:success') > 0) deps.events.emit('job:success', { job, workerId: deps.workerId, durationMs });
    return { kind: 'success', durationMs };
  } catch (thrown) {
    const durationMs = performance.now() - started;
    const reason = attempt.reason; // undefined unless aborted
    if (reason instanceof ShutdownAbort || reason instanceof LeaseLostAbort) return { kind: 'released', durationMs, reason };
    const error = toError(reason instanceof JobTimeoutError ? reason : thrown);
    const permanent = error instanceof PermanentError;
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

/** The kind recorded with a failed attempt: ours by our error's code, the handler's own errors are 'error'. */
function attemptErrorKind(error: Error): AttemptErrorKind {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof JobTimeoutError) return 'timeout';
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
