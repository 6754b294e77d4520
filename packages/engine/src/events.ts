import { EventEmitter } from 'node:events';
import type { ErrandError } from './errors.js';
import type { ClaimedJob } from './types.js';

/**
 * The event catalogue (docs/engine.md#events). Logging, metrics and the console hang off these.
 * Names are namespaced `subject:verb`.
 */
export interface ErrandEvents {
  /** A job was inserted (once per enqueue call; `jobs` holds every job of a bulk enqueue). */
  'job:enqueued': { jobs: { id: number; name: string; queue: string; inserted: boolean }[] };
  /** An attempt starts. `latencyMs`: from when the job could run to now. */
  'job:start': { job: ClaimedJob; workerId: string; latencyMs: number };
  /** An attempt succeeded. */
  'job:success': { job: ClaimedJob; workerId: string; durationMs: number };
  /** An attempt failed (followed by job:retry or job:dead). */
  'job:failure': { job: ClaimedJob; workerId: string; durationMs: number; error: Error };
  /** A failed job will run again after `retryInMs`. */
  'job:retry': { job: ClaimedJob; workerId: string; retryInMs: number; error: Error };
  /** A job will not run again: attempts exhausted, or a permanent failure. */
  'job:dead': { job: ClaimedJob; workerId: string; error: Error };
  /** An operator cancelled these jobs (admin API / console), in the process that cancelled them. */
  'job:cancelled': { jobs: { id: number; name: string; queue: string }[] };
  /** A running attempt was stopped on its worker because its job was cancelled (`reason.code` ERRAND_CANCELLED). */
  'job:aborted': { job: ClaimedJob; workerId: string; durationMs: number; reason: ErrandError };
  /** Jobs whose lease ran out were made available again (or dead, out of attempts). */
  'job:rescued': { jobs: { id: number; name: string; queue: string; state: string; lockedBy: string | null }[] };
  /** A schedule's due ticks became jobs (one per tick; `tick` is each job's runAt). */
  'schedule:enqueued': { schedule: string; jobs: { id: number; tick: Date }[] };
  /** Ticks of a schedule were missed (no process ran at their time); `made` jobs were made for them per `catchUp`. */
  'schedule:missed': { schedule: string; catchUp: string; made: number };
  /** A worker started fetching. */
  'worker:start': { workerId: string; queues: Record<string, number> };
  /** A worker stopped; `released` jobs were handed back unfinished. */
  'worker:stop': { workerId: string; released: number };
  /** A database call failed; the engine retries it (reconnecting as needed). */
  'db:error': { workerId?: string; operation: string; error: unknown };
}

export type ErrandEventName = keyof ErrandEvents;

export class ErrandEmitter {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  on<E extends ErrandEventName>(event: E, listener: (payload: ErrandEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
  once<E extends ErrandEventName>(event: E, listener: (payload: ErrandEvents[E]) => void): void {
    this.emitter.once(event, listener);
  }
  emit<E extends ErrandEventName>(event: E, payload: ErrandEvents[E]): void {
    if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, payload);
  }
  listenerCount(event: ErrandEventName): number {
    return this.emitter.listenerCount(event);
  }
}
