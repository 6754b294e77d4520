import { Cron } from 'croner';
import { ErrandError } from '../errors.js';
import type { JobDefinition } from '../job.js';
import { assertJsonPayload } from '../payload.js';

/**
 * What to do with the ticks that fell while no process was running (a deploy, an outage): a tick
 * is *missed* when no process made its job within ON_TIME_MS of its time.
 * - 'skip':            make none of them; carry on with the next tick.
 * - 'once':            make one job, for the latest missed tick (the default).
 * - { backfill: n }:   make a job for each of the latest n missed ticks, oldest first.
 */
export type CatchUp = 'skip' | 'once' | { backfill: number };

/** A tick this late is missed (its job follows the catch-up policy); processes look every second. */
export const ON_TIME_MS = 5_000;

export interface ScheduleInput<P = unknown> {
  /** Unique per database: it keys the schedule's cursor and its jobs. Letters, digits, _ . : - / */
  name: string;
  /** 5 fields (minute precision) or 6 with seconds first: `0 9 * * 1-5`, `*\/10 * * * * *`. */
  cron: string;
  /** The job each tick makes; its queue, priority, attempts and timeout apply. */
  job: JobDefinition<P>;
  payload: P;
  /** IANA time zone the cron fields are read in (`Europe/Paris`). Default UTC. */
  timezone?: string;
  /** Default 'once'. */
  catchUp?: CatchUp;
}

export interface ScheduleDefinition<P = unknown> extends Readonly<Required<Omit<ScheduleInput<P>, 'timezone'>>> {
  readonly kind: 'errand.schedule';
  readonly timezone: string | null;
  /** The parsed expression (croner), for next/previous ticks. */
  readonly pattern: Cron;
}

const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

/**
 * Declare a cron schedule: pass it to `createErrand({ schedules })`, or export it from a module
 * loaded by `errand worker --jobs`. Every worker (with maintenance on) makes its ticks' jobs; each
 * tick becomes exactly one job, with the tick as `runAt`, however many processes run.
 */
export function defineSchedule<P>(input: ScheduleInput<P> | ScheduleDefinition<P>): ScheduleDefinition<P> {
  if (input && typeof input === 'object' && 'kind' in input && input.kind === 'errand.schedule') return input;
  const where = `schedule ${JSON.stringify(input?.name)}`;
  if (typeof input?.name !== 'string' || !NAME.test(input.name)) {
    throw new ErrandError('ERRAND_BAD_OPTION', `${where}: name must be 1-200 letters, digits or _ . : - /`);
  }
  if (input.job?.kind !== 'errand.job') throw new ErrandError('ERRAND_BAD_OPTION', `${where}: job must be a job definition (defineJob)`);
  const timezone = input.timezone ?? null;
  if (timezone !== null) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new ErrandError('ERRAND_BAD_OPTION', `${where}: unknown time zone ${JSON.stringify(timezone)} (an IANA name such as Europe/Paris)`);
    }
  }
  if (typeof input.cron !== 'string') throw new ErrandError('ERRAND_BAD_OPTION', `${where}: cron must be a string`);
  const fields = input.cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new ErrandError('ERRAND_BAD_OPTION', `${where}: cron ${JSON.stringify(input.cron)} has ${fields} fields; expected 5 (minute hour day month weekday) or 6 (seconds first)`);
  }
  let pattern: Cron;
  try {
    pattern = new Cron(input.cron, { timezone: timezone ?? 'Etc/UTC', mode: '5-or-6-parts', paused: true });
  } catch (err) {
    throw new ErrandError('ERRAND_BAD_OPTION', `${where}: bad cron ${JSON.stringify(input.cron)}: ${(err as Error).message}`);
  }
  const catchUp = input.catchUp ?? 'once';
  if (!(catchUp === 'skip' || catchUp === 'once' || (typeof catchUp === 'object' && Number.isInteger(catchUp?.backfill) && catchUp.backfill >= 1 && catchUp.backfill <= 1000))) {
    throw new ErrandError('ERRAND_BAD_OPTION', `${where}: catchUp must be 'skip', 'once' or { backfill: n } with n from 1 to 1000`);
  }
  try {
    assertJsonPayload(input.payload);
  } catch (err) {
    throw new ErrandError('ERRAND_BAD_PAYLOAD', `${where}: ${(err as Error).message}`);
  }
  return Object.freeze({ kind: 'errand.schedule', name: input.name, cron: input.cron, job: input.job, payload: input.payload, timezone, catchUp, pattern });
}

/** The catch-up policy as stored: 'skip', 'once' or 'backfill:N'. */
export function catchUpText(c: CatchUp): string {
  return typeof c === 'string' ? c : `backfill:${c.backfill}`;
}

export function parseCatchUp(text: string): CatchUp {
  const m = /^backfill:(\d+)$/.exec(text);
  return m ? { backfill: Number(m[1]) } : text === 'skip' ? 'skip' : 'once';
}
