import { ErrandError } from '../errors.js';
import type { AttemptError, ClaimedJob, EnqueuedJob, JobRecord, JobState, Json } from '../types.js';
import { JOB_STATES } from '../types.js';
import {
  type CancelledJob,
  type RateLimitRecord,
  type RateWindowUsage,
  type ScheduleRecord,
  type JobPage, type JobPageRequest, type NewJob, type QueueCounts, type RescuedJob, type ThroughputPoint, WALK_LIMIT, type WorkerInfo,
} from './driver.js';

/**
 * What the drivers have in common, written once: the rows their query files return (typed: the
 * column names of sql/<dialect>/queries/*.sql) and how they become engine objects, how inserted
 * rows are matched to the input, keyset paging, and the admin reads' shaping.
 *
 * Both dialects return the same column names. Values differ in representation only: a time is a
 * Date (pg timestamptz), epoch milliseconds (SQLite, or pg's `extract(epoch …)` columns) or a
 * string; a bigint or count may come back as a string (pg int8); JSON columns arrive as text
 * (the pg driver turns off pg's own JSON parsing so that both parse alike).
 */

type Time = Date | number | string;
type Int = number | string;

/** `RETURNING` of insert_job(s).sql and the columns of find_unique.sql. */
export interface EnqueuedRow {
  id: Int;
  queue: string;
  name: string;
  state: JobState;
  priority: number;
  run_at: Time;
  max_attempts: number;
  unique_key: string | null;
  created_at: Time;
}

/** An inserted row and the 1-based position of its job in the insert's input. */
export interface InsertedRow extends EnqueuedRow {
  ord: Int;
}

/** `RETURNING` of claim.sql / claim_any.sql. */
export interface RateLimitRow {
  queue: string;
  max_starts: number;
  interval_ms: number;
  per_key: number | boolean;
  updated_at: Time;
  /** PostgreSQL: the server's clock; SQLite: absent (the process's clock is the database's). */
  now?: Time;
}

export interface RateWindowRow {
  queue: string;
  rate_key: string;
  starts: number;
  total: number;
  keys: number;
}

export function toRateLimit(r: RateLimitRow, now: Date): RateLimitRecord {
  return {
    queue: r.queue, limit: Number(r.max_starts), intervalMs: Number(r.interval_ms), perKey: Boolean(r.per_key),
    updatedAt: toDate(r.updated_at), now: r.now === undefined ? now : toDate(r.now),
  };
}

/** admin_rate_windows.sql rows (the ten fullest keys of each queue, each with the queue's totals), by queue. */
export function toRateWindows(rows: RateWindowRow[]): RateWindowUsage[] {
  const byQueue = new Map<string, RateWindowUsage>();
  for (const r of rows) {
    let u = byQueue.get(r.queue);
    if (!u) byQueue.set(r.queue, (u = { queue: r.queue, used: Number(r.total), keys: Number(r.keys), top: [] }));
    u.top.push({ key: r.rate_key, used: Number(r.starts) });
  }
  return [...byQueue.values()];
}

export interface ClaimedRow {
  id: Int;
  queue: string;
  name: string;
  payload: string;
  priority: number;
  run_at: Time;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  created_at: Time;
  /** claim*.sql only. */
  trace_context?: string | null;
}

/** admin_get_job.sql (with `errors`) and admin_list_by_*.sql (with `last_error` only). */
export interface JobRow extends ClaimedRow {
  state: JobState;
  unique_key: string | null;
  locked_by: string | null;
  lease_expires_at: Time | null;
  attempted_at: Time | null;
  finished_at: Time | null;
  errors?: string;
  last_error?: string | null;
  /** admin_get_job.sql only (pages leave them out). */
  result?: string | null;
  progress?: string | null;
  /** PostgreSQL pages by microseconds, finer than a Date holds. */
  cursor_us?: Int;
}

/** admin_walk_bound_by_*.sql: where a bounded walk stopped. */
export interface WalkBoundRow {
  last_us?: Int | null;
  last_id: Int | null;
  n: Int;
}

export interface IdRow {
  id: Int;
}

export interface QueueRow {
  queue: string;
}

export interface RescuedRow {
  id: Int;
  queue: string;
  name: string;
  state: JobState;
  locked_by: string | null;
}

export interface CancelledRow {
  id: Int;
  queue: string;
  name: string;
}

export function toCancelled(r: CancelledRow): CancelledJob {
  return { id: Number(r.id), queue: r.queue, name: r.name };
}

/** admin_schedules.sql */
export interface ScheduleRow {
  name: string;
  cron: string;
  timezone: string | null;
  job_name: string;
  queue: string;
  payload: string;
  catch_up: string;
  paused: boolean | number;
  last_tick: Time;
  last_run_at: Time | null;
  jobs_made: Int;
  created_at: Time;
  updated_at: Time;
}

export function toSchedule(r: ScheduleRow): ScheduleRecord {
  return {
    name: r.name,
    cron: r.cron,
    timezone: r.timezone,
    jobName: r.job_name,
    queue: r.queue,
    payload: json<Json>(r.payload),
    catchUp: r.catch_up,
    paused: Boolean(r.paused),
    lastTick: toDate(r.last_tick),
    lastRunAt: toDateOrNull(r.last_run_at),
    jobsMade: Number(r.jobs_made),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export interface StateCountRow {
  state: JobState;
  n: Int;
}

export interface QueueCountRow {
  queue: string;
  scheduled: Int;
  available: Int;
  running: Int;
  retryable: Int;
  oldest_due: Time | null;
  now: Time;
}

export interface QueueMetaRow {
  name: string;
  paused: boolean | number | null;
  concurrency: Int | null;
}

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  queues: string;
  started_at: Time;
  last_heartbeat: Time;
  running: number;
}

export interface ThroughputRow {
  minute: Time;
  processed: Int;
  failed: Int;
}

export interface QueueThroughputRow {
  queue: string;
  processed: Int;
  failed: Int;
}

export function toDate(v: Time): Date {
  return v instanceof Date ? v : new Date(v);
}

export function toDateOrNull(v: Time | null | undefined): Date | null {
  return v === null || v === undefined ? null : toDate(v);
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function toClaimed(r: ClaimedRow): ClaimedJob {
  return {
    id: Number(r.id),
    queue: r.queue,
    name: r.name,
    payload: json<Json>(r.payload),
    priority: r.priority,
    runAt: toDate(r.run_at),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    timeoutMs: r.timeout_ms,
    createdAt: toDate(r.created_at),
    traceContext: r.trace_context ?? null,
  };
}

export function toEnqueued(r: EnqueuedRow, inserted: boolean): EnqueuedJob {
  return {
    id: Number(r.id),
    queue: r.queue,
    name: r.name,
    state: r.state,
    priority: r.priority,
    runAt: toDate(r.run_at),
    maxAttempts: r.max_attempts,
    uniqueKey: r.unique_key,
    createdAt: toDate(r.created_at),
    inserted,
  };
}

export function toRecord(r: JobRow): JobRecord {
  const errors: AttemptError[] = r.errors !== undefined ? json(r.errors) : r.last_error ? [json(r.last_error)] : [];
  return {
    id: Number(r.id),
    queue: r.queue,
    name: r.name,
    payload: json<Json>(r.payload),
    state: r.state,
    priority: r.priority,
    runAt: toDate(r.run_at),
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    timeoutMs: r.timeout_ms,
    uniqueKey: r.unique_key,
    lockedBy: r.locked_by,
    leaseExpiresAt: toDateOrNull(r.lease_expires_at),
    createdAt: toDate(r.created_at),
    attemptedAt: toDateOrNull(r.attempted_at),
    finishedAt: toDateOrNull(r.finished_at),
    errors,
    result: r.result === null || r.result === undefined ? null : json<Json>(r.result),
    progress: r.progress === null || r.progress === undefined ? null : json<Json>(r.progress),
  };
}

/**
 * Match insert results to the input, by each row's `ord` (its job's 1-based input position),
 * never by the order rows come back in: a database need not return an INSERT … SELECT's rows in
 * the order it read them, and a wrong match would hand a caller another job's id. A job with no
 * row was skipped for its unique key: it is answered by the job holding that key.
 */
export function matchInserted(input: NewJob[], returned: InsertedRow[], holders: Map<string, EnqueuedRow>): EnqueuedJob[] {
  const out: (EnqueuedJob | undefined)[] = new Array(input.length);
  for (const row of returned) {
    const i = Number(row.ord) - 1;
    const job = input[i];
    if (!job || out[i] || row.name !== job.name || row.queue !== job.queue || row.unique_key !== job.uniqueKey) {
      throw new ErrandError('ERRAND_INTERNAL', `insert returned a row (ord ${row.ord}, id ${row.id}) that matches no job of the input`);
    }
    out[i] = toEnqueued(row, true);
  }
  return input.map((job, i) => {
    const done = out[i];
    if (done) return done;
    const holder = job.uniqueKey === null ? undefined : holders.get(job.uniqueKey);
    if (!holder) throw new ErrandError('ERRAND_INTERNAL', `insert of job ${job.name} returned no row and no unique-key holder`);
    return toEnqueued(holder, false);
  });
}

export function toRescued(r: RescuedRow): RescuedJob {
  return { id: Number(r.id), queue: r.queue, name: r.name, state: r.state, lockedBy: r.locked_by };
}

export function toIds(rows: IdRow[]): number[] {
  return rows.map((r) => Number(r.id));
}

export function distinctQueues(rows: QueueRow[]): string[] {
  return [...new Set(rows.map((r) => r.queue))];
}

/** Waiting states page by (run_at, id) ascending; the others by id descending. */
export function pagesByRunAt(state: JobState): boolean {
  return state === 'scheduled' || state === 'available' || state === 'retryable';
}

/** How to read one page of listJobs: the driver turns it into its query's parameters. */
export interface PagePlan {
  state: JobState;
  queue: string | null;
  name: string | null;
  search: string | null;
  limit: number;
  /** Rows of the state a query reads at most (the page limit, or WALK_LIMIT when filtered). */
  walk: number;
  byRunAt: boolean;
  /** The cursor: continue after (run_at key, id) — by-run_at pages — or before id. */
  afterRunAt: number | null;
  afterId: number | null;
}

/**
 * listJobs for every driver: plan the page from the request and its cursor, read it, and when a
 * filtered page came back short, ask where the bounded walk stopped so the next page continues
 * from there. A full page continues after its last job.
 */
export async function pageJobs(
  req: JobPageRequest,
  read: { page(plan: PagePlan): Promise<JobRow[]> | JobRow[]; bound(plan: PagePlan): Promise<WalkBoundRow | undefined> | WalkBoundRow | undefined },
): Promise<JobPage> {
  const filtered = Boolean(req.queue || req.name || req.search);
  const cursor = parseCursor(req.cursor);
  const plan: PagePlan = {
    state: req.state,
    queue: req.queue ?? null,
    name: req.name ?? null,
    search: req.search || null,
    limit: req.limit,
    walk: filtered ? WALK_LIMIT : req.limit,
    byRunAt: pagesByRunAt(req.state),
    afterRunAt: cursor.runAt,
    afterId: cursor.id,
  };
  const rows = await read.page(plan);
  const jobs = rows.map(toRecord);
  const key = (runAt: unknown, id: unknown) => (plan.byRunAt ? `${runAt}:${id}` : String(id));
  const last = jobs[jobs.length - 1];
  if (jobs.length === req.limit && last) {
    // A driver may key the cursor finer than a Date holds (PostgreSQL: microseconds, cursor_us).
    return { jobs, next: key(rows[rows.length - 1].cursor_us ?? last.runAt.getTime(), last.id) };
  }
  if (filtered) {
    const bound = await read.bound(plan);
    if (bound && Number(bound.n) >= plan.walk && bound.last_id !== null) return { jobs, next: key(bound.last_us, bound.last_id) };
  }
  return { jobs, next: null };
}

function parseCursor(cursor: string | null | undefined): { runAt: number | null; id: number | null } {
  if (!cursor) return { runAt: null, id: null };
  const [a, b] = cursor.split(':');
  if (b === undefined) return { runAt: null, id: Number(a) || null };
  return { runAt: Number(a), id: Number(b) };
}

export function byClaimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return a.priority - b.priority || a.runAt.getTime() - b.runAt.getTime() || a.id - b.id;
}

/** Counts per state, every state present (0 where the query returned no row). */
export function stateCounts(rows: StateCountRow[]): Record<JobState, number> {
  const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const r of rows) out[r.state] = Number(r.n);
  return out;
}

/** Combine per-queue counts with paused flags and live workers' concurrency. */
export function mergeQueueCounts(counts: QueueCountRow[], meta: QueueMetaRow[]): QueueCounts[] {
  const out = new Map<string, QueueCounts>();
  const get = (queue: string) => {
    let q = out.get(queue);
    if (!q) out.set(queue, (q = { queue, scheduled: 0, available: 0, running: 0, retryable: 0, latencyMs: 0, paused: false, concurrency: 0 }));
    return q;
  };
  for (const c of counts) {
    const q = get(c.queue);
    q.scheduled = Number(c.scheduled);
    q.available = Number(c.available);
    q.running = Number(c.running);
    q.retryable = Number(c.retryable);
    q.latencyMs = c.oldest_due === null ? 0 : Math.max(0, toDate(c.now).getTime() - toDate(c.oldest_due).getTime());
  }
  for (const m of meta) {
    const q = get(m.name);
    if (m.paused !== null) q.paused = Boolean(m.paused);
    if (m.concurrency !== null) q.concurrency += Number(m.concurrency);
  }
  return [...out.values()].sort((a, b) => a.queue.localeCompare(b.queue));
}

export function toWorker(r: WorkerRow): WorkerInfo {
  return {
    id: r.id,
    host: r.host,
    pid: r.pid,
    queues: JSON.parse(r.queues),
    startedAt: toDate(r.started_at),
    lastHeartbeat: toDate(r.last_heartbeat),
    running: r.running,
  };
}

export function toThroughput(r: ThroughputRow): ThroughputPoint {
  return { minute: toDate(r.minute), processed: Number(r.processed), failed: Number(r.failed) };
}

export function toQueueThroughput(r: QueueThroughputRow): { queue: string; processed: number; failed: number } {
  return { queue: r.queue, processed: Number(r.processed), failed: Number(r.failed) };
}
