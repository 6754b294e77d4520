import type { Logger } from 'pino';
import { ErrandError } from './errors.js';
import type { JsonPayloadCheck } from './payload.js';
import type { EnqueueOptions } from './types.js';

/** What a handler gets besides its payload. */
export interface JobContext {
  /** The job's id. */
  id: number;
  name: string;
  queue: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
  /** Aborted on timeout, on shutdown past the deadline, and when the lease is lost. */
  signal: AbortSignal;
  /** A child logger carrying the job's id, name and attempt. */
  logger: Logger;
  /**
   * Report progress: a number (such as a percentage) or a small JSON value (at most 4 KiB). Stored
   * with the job, throttled (the first report at once, then at most one write per second, always
   * the latest value; the last one is written when the attempt ends) and shown on the console's
   * job page. A value JSON cannot carry throws ERRAND_BAD_PROGRESS here.
   */
  progress(value: unknown): void;
}

/**
 * A job's handler. What it returns (when not undefined) is the job's result, stored with the
 * completion: it must be JSON (the payload's rules) and at most `maxResultBytes` (64 KiB) of it,
 * or the job is dead with ERRAND_BAD_RESULT (attempt kind `bad_result`).
 */
export type Handler<P> = (payload: P, ctx: JobContext) => Promise<unknown> | unknown;

export interface JobDefinitionInput<P> {
  /** The job's name: unique per Errand instance, stored with each job. */
  name: string;
  handler: Handler<P>;
  /** Default queue. Default 'default'. */
  queue?: string;
  /** Default priority (smaller runs first). Default 0. */
  priority?: number;
  /** Attempts before a job is dead. Default 25 (about 20 days of backoff). */
  maxAttempts?: number;
  /** Per-attempt timeout in ms; the signal aborts and the attempt fails. Default none. */
  timeoutMs?: number;
  /** Delay in ms before retry number `attempt` (1-based). Default: Sidekiq-like exponential with jitter. */
  backoff?: (attempt: number) => number;
  /**
   * The job's key for a per-key rate limit on its queue (`createErrand({ rateLimits: { q: { …,
   * perKey: true } } })`), computed from the payload at enqueue and stored with the job, e.g.
   * `(p) => p.customerId`. Return undefined for none. The `rateLimitKey` enqueue option overrides it.
   */
  rateLimitKey?: (payload: P) => string | undefined;
}

export interface JobDefinition<P = unknown> extends Readonly<JobDefinitionInput<P>> {
  readonly kind: 'errand.job';
  /** Build an enqueue request for this job, for enqueueMany. */
  with(payload: P, options?: EnqueueOptions): JobRequest<P>;
}

export interface JobRequest<P = unknown> {
  job: JobDefinition<P>;
  payload: P;
  options?: EnqueueOptions;
}

const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

/**
 * Define a job: its name, typed payload and handler, and its defaults. The payload type must be
 * one JSON carries (see JsonPayload): `defineJob<{ at: Date }>` does not compile.
 */
export function defineJob<P>(input: JobDefinitionInput<P> & JsonPayloadCheck<P>): JobDefinition<P> {
  if (!NAME.test(input.name)) {
    throw new ErrandError('ERRAND_BAD_JOB', `job name ${JSON.stringify(input.name)} must be 1-200 characters of letters, digits and _ . : - /`);
  }
  if (typeof input.handler !== 'function') throw new ErrandError('ERRAND_BAD_JOB', `job ${input.name}: handler must be a function`);
  const def: JobDefinition<P> = {
    ...input,
    kind: 'errand.job',
    with: (payload, options) => ({ job: def, payload, options }),
  };
  return Object.freeze(def);
}
