import type { Driver, JobFilter, JobPage, JobPageRequest, QueueCounts, ThroughputPoint, WorkerInfo } from './drivers/driver.js';
import { ErrandError } from './errors.js';
import { JOB_STATES, type JobRecord, type JobState } from './types.js';

export type { JobFilter, JobPage, JobPageRequest, QueueCounts, ThroughputPoint, WorkerInfo };

/** Bulk actions touch at most this many jobs per call (call again for more). */
export const BULK_LIMIT = 10_000;

/**
 * The admin API: what the console and the CLI read and do. Bounded by design: counts are capped,
 * pages are keyset-paged, bulk actions are limited — so it stays quick with millions of jobs.
 */
export class Admin {
  constructor(private readonly driver: Driver) {}

  /** Jobs per state, each capped at `cap` (default 100,000): show "100,000+" at the cap. */
  stateCounts(cap = 100_000): Promise<Record<JobState, number>> {
    return this.driver.stateCounts(cap);
  }

  /** Per queue: unfinished jobs by state (each capped at `cap`, default 10,000), latency, paused, concurrency. */
  queues(cap = 10_000): Promise<QueueCounts[]> {
    return this.driver.queueCounts(cap);
  }

  listJobs(req: JobPageRequest): Promise<JobPage> {
    assertState(req.state);
    return this.driver.listJobs({ ...req, limit: Math.min(Math.max(1, Math.floor(req.limit || 50)), 500) });
  }

  getJob(id: number): Promise<JobRecord | null> {
    if (!Number.isSafeInteger(id) || id < 1) return Promise.resolve(null);
    return this.driver.getJob(id);
  }

  /** Run now. Returns the ids that changed (running jobs are left alone). */
  retry(ids: number[]): Promise<number[]> {
    return this.driver.retryJobs(ids);
  }

  /** Give up: waiting jobs go to dead. */
  discard(ids: number[], message = 'discarded from the console'): Promise<number[]> {
    return this.driver.discardJobs(ids, message);
  }

  delete(ids: number[]): Promise<number[]> {
    return this.driver.deleteJobs(ids);
  }

  /** Apply an action to every job matching a filter (at most BULK_LIMIT per call). */
  async bulk(action: 'retry' | 'discard' | 'delete', filter: JobFilter): Promise<number[]> {
    assertState(filter.state);
    const ids = await this.driver.selectJobIds(filter, BULK_LIMIT);
    return action === 'retry' ? this.retry(ids) : action === 'discard' ? this.discard(ids) : this.delete(ids);
  }

  /** A queue name is checked as at enqueue (1-200 letters, digits, _ . : - /): ERRAND_BAD_OPTION otherwise. */
  async pauseQueue(queue: string): Promise<void> {
    assertQueue(queue);
    return this.driver.setQueuePaused(queue, true);
  }

  async resumeQueue(queue: string): Promise<void> {
    assertQueue(queue);
    return this.driver.setQueuePaused(queue, false);
  }

  /** Workers heard from within `aliveWithinMs` (default 60 s). */
  workers(aliveWithinMs = 60_000): Promise<WorkerInfo[]> {
    return this.driver.listWorkers(aliveWithinMs);
  }

  /** Processed and failed per minute over the last `sinceMs`. */
  throughput(sinceMs: number): Promise<ThroughputPoint[]> {
    return this.driver.throughput(sinceMs);
  }

  throughputByQueue(sinceMs: number): Promise<{ queue: string; processed: number; failed: number }[]> {
    return this.driver.throughputByQueue(sinceMs);
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }
}

function assertState(state: string): asserts state is JobState {
  if (!(JOB_STATES as readonly string[]).includes(state)) {
    throw new ErrandError('ERRAND_BAD_OPTION', `unknown job state ${JSON.stringify(state)}; one of ${JOB_STATES.join(', ')}`);
  }
}

const QUEUE_NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

function assertQueue(queue: unknown): void {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw new ErrandError('ERRAND_BAD_OPTION', `queue ${JSON.stringify(String(queue).slice(0, 60))} must be 1-200 letters, digits or _ . : - /`);
  }
}
