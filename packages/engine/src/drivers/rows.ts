import type { AttemptError, ClaimedJob, EnqueuedJob, JobRecord, JobState, Json } from '../types.js';
import type { JobPage, JobPageRequest, NewJob, QueueCounts } from './driver.js';

/** Converters shared by the drivers: database rows in, engine objects out. */

type Time = Date | number | string | null;

export function toDate(v: Time): Date {
  return v instanceof Date ? v : new Date(v as number);
}

export function toDateOrNull(v: Time): Date | null {
  return v === null || v === undefined ? null : toDate(v);
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function toClaimed(r: any): ClaimedJob {
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
  };
}

export function toEnqueued(r: any, inserted: boolean): EnqueuedJob {
  return {
    id: Number(r.id),
    queue: r.queue,
    name: r.name,
    state: r.state as JobState,
    priority: r.priority,
    runAt: toDate(r.run_at),
    maxAttempts: r.max_attempts,
    uniqueKey: r.unique_key,
    createdAt: toDate(r.created_at),
    inserted,
  };
}

export function toRecord(r: any): JobRecord {
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
  };
}

/**
 * Match insert results to the input order: rows come back in input order with unique-key hits
 * missing; each missing one is answered by the job that holds its key.
 */
export function matchInserted(input: NewJob[], returned: any[], holders: Map<string, any>): EnqueuedJob[] {
  const out: EnqueuedJob[] = [];
  let r = 0;
  for (const job of input) {
    const row = returned[r];
    if (row && (job.uniqueKey === null || row.unique_key === job.uniqueKey)) {
      out.push(toEnqueued(row, true));
      r++;
    } else {
      const holder = job.uniqueKey === null ? undefined : holders.get(job.uniqueKey);
      if (!holder) throw new Error(`insert of job ${job.name} returned no row and no unique-key holder`);
      out.push(toEnqueued(holder, false));
    }
  }
  return out;
}

/** Waiting states page by (run_at, id) ascending; the others by id descending. */
export function pagesByRunAt(state: JobState): boolean {
  return state === 'scheduled' || state === 'available' || state === 'retryable';
}

export function parseCursor(req: JobPageRequest): { runAt: number | null; id: number | null } {
  if (!req.cursor) return { runAt: null, id: null };
  const [a, b] = req.cursor.split(':');
  if (b === undefined) return { runAt: null, id: Number(a) || null };
  return { runAt: Number(a), id: Number(b) };
}

export function isFiltered(req: JobPageRequest): boolean {
  return Boolean(req.queue || req.name || req.search);
}

/**
 * A page and its next cursor. A full page continues after its last job; a short filtered page
 * whose walk stopped at the walk limit continues after the last row the walk read (`bound`).
 */
export function pageOf(rows: any[], req: JobPageRequest, bound?: { last_us?: unknown; last_id: unknown; n: unknown } | null, walk = 0): JobPage {
  const jobs = rows.map(toRecord);
  const last = jobs[jobs.length - 1];
  const lastRow = rows[rows.length - 1];
  if (jobs.length === req.limit && last) {
    // A driver may key the cursor finer than a Date holds (PostgreSQL: microseconds, cursor_us).
    const runAtKey = lastRow?.cursor_us ?? last.runAt.getTime();
    return { jobs, next: pagesByRunAt(req.state) ? `${runAtKey}:${last.id}` : String(last.id) };
  }
  if (bound && Number(bound.n) >= walk && bound.last_id !== null) {
    return { jobs, next: pagesByRunAt(req.state) ? `${bound.last_us}:${bound.last_id}` : String(bound.last_id) };
  }
  return { jobs, next: null };
}

export function byClaimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return a.priority - b.priority || a.runAt.getTime() - b.runAt.getTime() || a.id - b.id;
}

/** Combine per-queue counts with paused flags and live workers' concurrency. */
export function mergeQueueCounts(counts: any[], meta: any[]): QueueCounts[] {
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
