/**
 * Errand's core types.
 *
 * Glossary — one word per idea, used the same way everywhere (code, logs, console, docs):
 * - job:      one unit of work stored in the database: a name, a JSON payload, a queue, a state.
 * - name:     which handler runs a job (`charge`, `send-receipt`); a job definition has one.
 * - payload:  the job's JSON arguments. Must survive JSON.stringify/JSON.parse unchanged.
 * - queue:    a named line of jobs; workers serve queues with a concurrency each.
 * - priority: order within a queue; smaller runs first (0 is the default).
 * - worker:   a process (or part of one) that claims and runs jobs; it has an id.
 * - attempt:  one run of a job's handler. `attempt` counts the attempts started so far.
 * - lease:    a running job's claim, valid until `leaseExpiresAt`; the worker renews it by
 *             heartbeat. When it runs out, the job is rescued: available again, attempt counted.
 * - state:    scheduled | available | running | retryable | completed | dead | cancelled
 *             (see docs/engine.md). completed, dead and cancelled are finished.
 * - driver:   the only code that knows a database (SQLite, PostgreSQL, memory).
 */

export const JOB_STATES = ['scheduled', 'available', 'running', 'retryable', 'completed', 'dead', 'cancelled'] as const;
/** The states a job never leaves by itself (only an operator's retry takes it out). */
export const FINISHED_STATES: readonly JobState[] = ['completed', 'dead', 'cancelled'];
export type JobState = (typeof JOB_STATES)[number];

/** A JSON value, as stored in a job's payload. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What may be set per job at enqueue (falling back to the job definition, then to defaults). */
export interface EnqueueOptions {
  queue?: string;
  /** Smaller runs first. Default 0. */
  priority?: number;
  /** Run no earlier than this time. */
  runAt?: Date;
  /** Run no earlier than this many milliseconds from now (ignored when runAt is set). */
  delayMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  /**
   * While a job with this key is not finished (completed, dead or cancelled), enqueueing another with the
   * same key returns the existing job instead of adding one.
   */
  uniqueKey?: string;
  /**
   * OpenTelemetry: the trace context this job belongs to (W3C `traceparent`, optional
   * `tracestate`, as the API's propagator injects them), instead of the span active at the
   * enqueue call. For code that enqueues on behalf of several requests at once (a group commit):
   * capture each request's context where it is handled, pass it here, and each job's enqueue
   * span — and so its attempts — joins its own request's trace. Ignored without tracing.
   */
  traceContext?: TraceCarrier;
  /** The job's key for a per-key rate limit on its queue (overrides the definition's `rateLimitKey`). */
  rateLimitKey?: string;
}

/** A W3C trace context as text headers: `{ traceparent, tracestate? }`. */
export type TraceCarrier = Record<string, string>;

/** A job as it is stored, in the engine's terms. */
export interface JobRecord {
  id: number;
  queue: string;
  name: string;
  payload: unknown;
  state: JobState;
  priority: number;
  runAt: Date;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  uniqueKey: string | null;
  lockedBy: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  attemptedAt: Date | null;
  finishedAt: Date | null;
  errors: AttemptError[];
  /**
   * The handler's return value, stored with the completion (null when it returned nothing, and in
   * `listJobs` pages, which leave it out; `getJob` has it).
   */
  result: Json | null;
  /** The last `ctx.progress(value)` written (null when none, and in `listJobs` pages). */
  progress: Json | null;
}

/**
 * How an attempt ended without success:
 * - 'error':         the handler threw (or rejected);
 * - 'permanent':     the handler threw a PermanentError (the job went straight to dead);
 * - 'timeout':       the attempt ran past its timeoutMs (JobTimeoutError);
 * - 'unknown_job':   no handler in the worker's process knows the job's name;
 * - 'lease_expired': the worker stopped renewing its lease (it died) and the job was rescued;
 * - 'shutdown':      a stopping worker released the job unfinished (the attempt is not counted);
 * - 'discarded':     an operator discarded the job (console / admin API);
 * - 'cancelled':     an operator cancelled the job (console / admin API `cancelJobs`);
 * - 'bad_result':    the handler returned a value that is not JSON or is past the size limit
 *                    (the job went straight to dead: rerunning would return the same).
 */
export type AttemptErrorKind =
  | 'error' | 'permanent' | 'timeout' | 'unknown_job' | 'lease_expired' | 'shutdown' | 'discarded' | 'cancelled' | 'bad_result';

/** One failed attempt, kept on the job. */
export interface AttemptError {
  attempt: number;
  at: string;
  kind: AttemptErrorKind;
  message: string;
  stack?: string | null;
}

/** What enqueue returns. `inserted` is false when a unique key returned an existing job. */
export interface EnqueuedJob {
  id: number;
  queue: string;
  name: string;
  state: JobState;
  priority: number;
  runAt: Date;
  maxAttempts: number;
  uniqueKey: string | null;
  createdAt: Date;
  inserted: boolean;
}

/** A job claimed by a worker, ready to run. */
export interface ClaimedJob {
  id: number;
  queue: string;
  name: string;
  payload: unknown;
  priority: number;
  runAt: Date;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  createdAt: Date;
  /** The enqueuing span's W3C trace context (JSON text) when tracing was on at enqueue, else null. */
  traceContext?: string | null;
}
