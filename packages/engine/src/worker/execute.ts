import type { Logger } from 'pino';
import { defaultBackoff } from '../backoff.ts';
import { JobTimeoutError, PermanentError } from '../errors.ts';
import type { ErrandEmitter } from '../events.ts';
import type { JobContext, JobDefinition } from '../job.ts';
import type { AttemptError, ClaimedJob } from '../types.ts';

/** Why the worker itself aborted an attempt (as opposed to the handler failing). */
export class ShutdownAbort extends Error {
  constructor() {
    super('worker shut down before the job finished; released to run again');
    this.name = 'ShutdownAbort';
  }
}
export class LeaseLostAbort extends Error {
  constructor() {
    super('lease lost: the job was rescued and may run elsewhere');
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
 * Run one attempt of a claimed job and say how it ended. The handler races its abort signal, so
 * a handler that ignores the signal still frees its slot at the timeout or at shutdown.
 */
export async function executeJob(job: ClaimedJob, deps: ExecuteDeps, controller = new AbortController()): Promise<Outcome> {
  const started = performance.now();
  const def = deps.registry.get(job.name);
  if (deps.events.listenerCount('job:start') > 0) {
    deps.events.emit('job:start', { job, workerId: deps.workerId, latencyMs: Math.max(0, Date.now() - job.runAt.getTime()) });
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!def) throw Object.assign(new Error(`no handler registered for ${job.name}`), { kind: 'unknown_job' });
    if (job.timeoutMs) {
      const timeoutMs = job.timeoutMs;
      timer = setTimeout(() => controller.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    }
    let logger: JobContext['logger'] | undefined;
    const ctx: JobContext = {
      id: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      signal: controller.signal,
      // Made on first use: most handlers never log, and a busy worker runs thousands a second.
      get logger() {
        logger ??= deps.logger.child({ jobId: job.id, job: job.name, attempt: job.attempt });
        return logger;
      },
    };
    await raceAbort(Promise.resolve().then(() => def.handler(job.payload, ctx)), controller.signal);
    const durationMs = performance.now() - started;
    if (deps.events.listenerCount('job:success') > 0) deps.events.emit('job:success', { job, workerId: deps.workerId, durationMs });
    return { kind: 'success', durationMs };
  } catch (thrown) {
    const durationMs = performance.now() - started;
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof ShutdownAbort || reason instanceof LeaseLostAbort) return { kind: 'released', durationMs, reason };
    const error = toError(reason instanceof JobTimeoutError ? reason : thrown);
    const permanent = error instanceof PermanentError;
    const exhausted = job.attempt >= job.maxAttempts;
    const next = permanent || exhausted ? 'dead' : 'retryable';
    const retryInMs = next === 'retryable' ? Math.max(0, Math.round((def?.backoff ?? defaultBackoff)(job.attempt))) : 0;
    const record: AttemptError = {
      attempt: job.attempt,
      at: new Date().toISOString(),
      kind: permanent ? 'permanent' : error instanceof JobTimeoutError ? 'timeout' : ((error as { kind?: string }).kind ?? 'error'),
      message: error.message,
      stack: error.stack ?? null,
    };
    deps.events.emit('job:failure', { job, workerId: deps.workerId, durationMs, error });
    if (next === 'dead') deps.events.emit('job:dead', { job, workerId: deps.workerId, error });
    else deps.events.emit('job:retry', { job, workerId: deps.workerId, retryInMs, error });
    return { kind: 'failure', durationMs, error, next, retryInMs, record };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
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
