import type { AttemptError, ClaimedJob, EnqueuedJob, JobRecord, JobState, Json } from '../../types.js';
import type { ScheduleRecord, WorkerInfo } from '../driver.js';

/**
 * Replies of the Redis scripts (lua/*.lua) turned into engine objects. A script replies with a
 * flat array; each header says how many fields make one job and in which order. Redis returns
 * hash fields as strings and a missing field as null.
 */

type Field = string | number | null;

const num = (v: Field): number => Number(v);
const numOrNull = (v: Field): number | null => (v === null || v === '' ? null : Number(v));
const date = (v: Field): Date => new Date(Number(v));
const dateOrNull = (v: Field): Date | null => (v === null || v === '' ? null : new Date(Number(v)));
const json = <T>(v: Field): T => JSON.parse(String(v)) as T;

/** Fields per job in a claim's reply (lib.lua's CLAIM_ROW). */
export const CLAIM_WIDTH = 11;

export function toClaimed(r: Field[], i: number): ClaimedJob {
  return {
    id: num(r[i]),
    queue: String(r[i + 1]),
    name: String(r[i + 2]),
    payload: json<Json>(r[i + 3]),
    priority: num(r[i + 4]),
    runAt: date(r[i + 5]),
    attempt: num(r[i + 6]),
    maxAttempts: num(r[i + 7]),
    timeoutMs: numOrNull(r[i + 8]),
    createdAt: date(r[i + 9]),
    traceContext: r[i + 10] === null || r[i + 10] === undefined || r[i + 10] === '' ? null : String(r[i + 10]),
  };
}

/** Fields per job in insert.lua's reply. */
export const INSERT_WIDTH = 8;

export function toEnqueued(r: Field[], i: number, queue: string, uniqueKey: string | null): EnqueuedJob {
  return {
    id: num(r[i + 1]),
    queue,
    name: String(r[i + 2]),
    state: r[i + 3] as JobState,
    priority: num(r[i + 4]),
    runAt: date(r[i + 5]),
    maxAttempts: num(r[i + 7]),
    uniqueKey,
    createdAt: date(r[i + 6]),
    inserted: num(r[i]) === 1,
  };
}

/** Fields of lib.lua's ROW (a whole job), as HMGET returns them. */
export const ROW_WIDTH = 19;

/** A job row; `lastErrorOnly` keeps only the latest error (what admin pages show). */
export function toRecord(r: Field[], i = 0, lastErrorOnly = false): JobRecord {
  const errors = json<AttemptError[]>(r[i + 16] ?? '[]');
  return {
    id: num(r[i]),
    queue: String(r[i + 1]),
    name: String(r[i + 2]),
    payload: json<Json>(r[i + 3]),
    state: r[i + 4] as JobState,
    priority: num(r[i + 5]),
    runAt: date(r[i + 6]),
    attempt: num(r[i + 7]),
    maxAttempts: num(r[i + 8]),
    timeoutMs: numOrNull(r[i + 9]),
    uniqueKey: r[i + 10] === null ? null : String(r[i + 10]),
    lockedBy: r[i + 11] === null ? null : String(r[i + 11]),
    leaseExpiresAt: dateOrNull(r[i + 12]),
    createdAt: date(r[i + 13]),
    attemptedAt: dateOrNull(r[i + 14]),
    finishedAt: dateOrNull(r[i + 15]),
    errors: lastErrorOnly ? errors.slice(-1) : errors,
    result: r[i + 17] === null || r[i + 17] === undefined ? null : json<Json>(r[i + 17]),
    progress: r[i + 18] === null || r[i + 18] === undefined ? null : json<Json>(r[i + 18]),
  };
}

/** The hash fields of a job, in ROW order (for HMGET outside a script). */
export const ROW_FIELDS = [
  'id', 'queue', 'name', 'payload', 'state', 'priority', 'run_at', 'attempt', 'max_attempts', 'timeout_ms',
  'unique_key', 'locked_by', 'lease_expires_at', 'created_at', 'attempted_at', 'finished_at', 'errors', 'result', 'progress',
] as const;

/** A schedule's hash (HGETALL's flat field, value list; lua/schedule_upsert.lua writes it). */
export function toSchedule(flat: string[]): ScheduleRecord {
  const h: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) h[flat[i]] = flat[i + 1];
  return {
    name: h.name,
    cron: h.cron,
    timezone: h.timezone || null,
    jobName: h.job_name,
    queue: h.queue,
    payload: JSON.parse(h.payload),
    catchUp: h.catch_up,
    paused: h.paused === '1',
    lastTick: new Date(Number(h.last_tick)),
    lastRunAt: h.last_run_at ? new Date(Number(h.last_run_at)) : null,
    jobsMade: Number(h.jobs_made),
    createdAt: new Date(Number(h.created_at)),
    updatedAt: new Date(Number(h.updated_at)),
  };
}

/** A worker's entry in `P:workers` (JSON written by lua/worker_register.lua). */
export function toWorker(id: string, json: string): WorkerInfo {
  const w = JSON.parse(json) as { host: string; pid: number; queues: string; running: number; started_at: string; last_heartbeat: string };
  return {
    id,
    host: w.host,
    pid: w.pid,
    queues: JSON.parse(w.queues),
    startedAt: new Date(Number(w.started_at)),
    lastHeartbeat: new Date(Number(w.last_heartbeat)),
    running: w.running,
  };
}
