import { DEFAULT_MAX_ATTEMPTS } from '../backoff.js';
import type { Driver, StoredSchedule } from '../drivers/driver.js';
import { ErrandError } from '../errors.js';
import type { ErrandEmitter } from '../events.js';
import { checkRateKey } from '../rate-limits.js';
import { catchUpText, type ScheduleDefinition } from './schedule.js';
import { planTicks } from './ticks.js';

/** How often a worker looks for due ticks (with up to 20% jitter, so processes interleave). */
export const SCHEDULER_INTERVAL_MS = 1000;

/** A schedule as stored, with the job defaults resolved the way an enqueue resolves them. */
export function storedSchedule(s: ScheduleDefinition<any>): StoredSchedule {
  return {
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    catchUp: catchUpText(s.catchUp),
    job: {
      name: s.job.name,
      queue: s.job.queue ?? 'default',
      payload: JSON.stringify(s.payload),
      priority: s.job.priority ?? 0,
      maxAttempts: s.job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      timeoutMs: s.job.timeoutMs ?? null,
      rateKey: scheduleRateKey(s),
    },
  };
}

/** The rate-limit key of a schedule's jobs: its job definition's `rateLimitKey` of its payload. */
function scheduleRateKey(s: ScheduleDefinition<any>): string | null {
  let key: unknown;
  try {
    key = s.job.rateLimitKey?.(s.payload);
  } catch (err) {
    throw new ErrandError('ERRAND_BAD_OPTION', `schedule ${s.name}: rateLimitKey of job ${s.job.name} threw: ${(err as Error)?.message ?? err}`);
  }
  return checkRateKey(key, `schedule ${s.name}: `);
}

/**
 * Makes the jobs of the schedules this process declares, in every worker that runs maintenance.
 * There is no leader: each pass, for each schedule, one transaction holds the schedule's row,
 * decides the due ticks (planTicks) and inserts their jobs, so processes looking at once decide
 * each tick once; the (schedule_name, schedule_tick) unique index backs that up. Made only when
 * the Errand has schedules: without any, no timer and no query.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private registered = false;
  private readonly stored: { def: ScheduleDefinition<any>; row: StoredSchedule }[];

  constructor(
    private readonly driver: Driver,
    private readonly events: ErrandEmitter,
    schedules: readonly ScheduleDefinition<any>[],
    private readonly workerId: string,
  ) {
    this.stored = schedules.map((def) => ({ def, row: storedSchedule(def) }));
  }

  start(): void {
    const every = SCHEDULER_INTERVAL_MS + Math.floor(Math.random() * SCHEDULER_INTERVAL_MS * 0.2);
    this.timer = setInterval(() => void this.pass(), every);
    this.timer.unref();
    void this.pass();
  }

  /** One look at every schedule; errors are reported and the next pass tries again. */
  async pass(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.registered) {
        await this.driver.registerSchedules(this.stored.map((s) => s.row));
        this.registered = true;
      }
      for (const { def, row } of this.stored) {
        let missed = false;
        const made = await this.driver.advanceSchedule(row, (cursor, now) => {
          const plan = planTicks(def.pattern, cursor, now, def.catchUp);
          missed = plan?.missed ?? false;
          return plan;
        });
        if (missed) this.events.emit('schedule:missed', { schedule: def.name, catchUp: row.catchUp, made: made?.length ?? 0 });
        if (made?.length) this.events.emit('schedule:enqueued', { schedule: def.name, jobs: made });
      }
    } catch (error) {
      this.events.emit('db:error', { workerId: this.workerId, operation: 'schedule', error });
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
  }
}
