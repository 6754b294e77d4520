import { Cron } from 'croner';
import type { Driver, JobFilter, JobPage, JobPageRequest, QueueCounts, ScheduleRecord, ThroughputPoint, WorkerInfo } from './drivers/driver.js';
import { ErrandError } from './errors.js';
import type { ErrandEmitter } from './events.js';
import { type RateLimitOptions, toStoredRateLimits } from './rate-limits.js';
import { JOB_STATES, type JobRecord, type JobState } from './types.js';

export type { JobFilter, JobPage, JobPageRequest, QueueCounts, ScheduleRecord, ThroughputPoint, WorkerInfo };

/** A schedule as the admin API lists it. */
export interface ScheduleInfo extends ScheduleRecord {
  /** The next tick after now (null while paused). */
  nextRunAt: Date | null;
}

/** A queue's rate limit and how full its current window is (by the database's clock). */
export interface RateLimitInfo {
  queue: string;
  /** Job starts allowed per window. */
  limit: number;
  intervalMs: number;
  /** Counted per job key (`rateLimitKey`) rather than for the whole queue. */
  perKey: boolean;
  /** The current fixed window: [windowStart, windowEnd). */
  windowStart: Date;
  windowEnd: Date;
  /**
   * Job starts counted in the current window: for a queue-wide limit, out of `limit`; for a
   * per-key limit, summed over the keys (each key has `limit` of its own).
   */
  used: number;
  /** Per-key limits: keys that started jobs in the current window. */
  activeKeys: number;
  /** Per-key limits: the fullest keys of the current window (at most 10), fullest first. */
  topKeys: { key: string; used: number }[];
  /** When the limit was last declared. */
  updatedAt: Date;
}

/** Bulk actions touch at most this many jobs per call (call again for more). */
export const BULK_LIMIT = 10_000;

/**
 * The admin API: what the console and the CLI read and do. Bounded by design: counts are capped,
 * pages are keyset-paged, bulk actions are limited — so it stays quick with millions of jobs.
 */
export class Admin {
  constructor(
    private readonly driver: Driver,
    private readonly events?: ErrandEmitter,
  ) {}

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

  /**
   * Run now. Returns the ids that changed: running jobs are left alone, and so is a finished job
   * whose unique key another unfinished job holds now (the holder stands for it, as at enqueue).
   */
  retry(ids: number[]): Promise<number[]> {
    return this.driver.retryJobs(ids);
  }

  /** Give up: waiting jobs go to dead. */
  discard(ids: number[], message = 'discarded from the console'): Promise<number[]> {
    return this.driver.discardJobs(ids, message);
  }

  /**
   * Cancel jobs that have not finished: scheduled, available and retryable ones never run; a
   * running one ends `cancelled` and its worker aborts `ctx.signal` (reason ERRAND_CANCELLED) at
   * its next heartbeat. Never retried (an operator's `retry` may still run it again). Returns the
   * ids that changed; finished jobs are left alone.
   */
  async cancelJobs(ids: number[], message = 'cancelled from the console'): Promise<number[]> {
    const jobs = await this.driver.cancelJobs(ids, message);
    if (jobs.length) this.events?.emit('job:cancelled', { jobs });
    return jobs.map((j) => j.id);
  }

  delete(ids: number[]): Promise<number[]> {
    return this.driver.deleteJobs(ids);
  }

  /** Apply an action to every job matching a filter (at most BULK_LIMIT per call). */
  async bulk(action: 'retry' | 'discard' | 'delete' | 'cancel', filter: JobFilter): Promise<number[]> {
    assertState(filter.state);
    const ids = await this.driver.selectJobIds(filter, BULK_LIMIT);
    if (action === 'cancel') return this.cancelJobs(ids);
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

  /**
   * Every schedule in the database with its next run (from its cron and time zone; null while
   * paused), its last run (the latest tick that made a job), and how many jobs it made.
   */
  async schedules(now = new Date()): Promise<ScheduleInfo[]> {
    return (await this.driver.listSchedules()).map((s) => {
      let nextRunAt: Date | null = null;
      if (!s.paused) {
        try {
          const from = new Date(Math.max(now.getTime(), s.lastTick.getTime()));
          nextRunAt = new Cron(s.cron, { timezone: s.timezone ?? 'Etc/UTC', mode: '5-or-6-parts', paused: true }).nextRun(from);
        } catch {
          nextRunAt = null; // a definition another version wrote that this one cannot read
        }
      }
      return { ...s, nextRunAt };
    });
  }

  /** Stop making a schedule's jobs (jobs already made are left alone). False when there is no such schedule. */
  pauseSchedule(name: string): Promise<boolean> {
    return this.driver.setSchedulePaused(name, true);
  }

  /** Make a schedule's jobs again from its next tick on; the ticks that fell while it was paused are not made. */
  resumeSchedule(name: string): Promise<boolean> {
    return this.driver.setSchedulePaused(name, false);
  }

  /** The latest jobs a schedule made (default 50, at most 500), newest tick first. */
  scheduleJobs(name: string, limit = 50): Promise<JobRecord[]> {
    return this.driver.scheduleJobs(name, Math.min(Math.max(1, Math.floor(limit)), 500));
  }

  /** Every queue's rate limit, with how full its current window is. */
  async rateLimits(): Promise<RateLimitInfo[]> {
    const [limits, windows] = await Promise.all([this.driver.rateLimits(), this.driver.rateWindows()]);
    const usage = new Map(windows.map((w) => [w.queue, w]));
    return limits.map((l) => {
      const now = l.now.getTime();
      const start = now - (now % l.intervalMs);
      const u = usage.get(l.queue);
      return {
        queue: l.queue, limit: l.limit, intervalMs: l.intervalMs, perKey: l.perKey,
        windowStart: new Date(start), windowEnd: new Date(start + l.intervalMs),
        used: u?.used ?? 0, activeKeys: l.perKey ? (u?.keys ?? 0) : 0, topKeys: l.perKey ? (u?.top ?? []) : [],
        updatedAt: l.updatedAt,
      };
    });
  }

  /** Set (or replace) a queue's rate limit, as `createErrand({ rateLimits: { [queue]: options } })` does. */
  async setRateLimit(queue: string, options: RateLimitOptions): Promise<void> {
    await this.driver.declareRateLimits(toStoredRateLimits({ [queue]: options }));
  }

  /** Remove a queue's rate limit (workers stop applying it within a heartbeat). False when it had none. */
  removeRateLimit(queue: string): Promise<boolean> {
    assertQueue(queue);
    return this.driver.removeRateLimit(queue);
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
