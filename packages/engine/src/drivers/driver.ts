import type { AttemptError, ClaimedJob, EnqueuedJob, JobRecord, JobState } from '../types.js';

/**
 * The driver seam: the only code that knows a database. The engine core calls these methods
 * and never writes SQL; drivers/open.ts is the one place that turns a URL (or a shared
 * connection) into a driver. Each implementation keeps its SQL in sql/<dialect>/ files.
 *
 * The seam is internal for now: `errand` exports neither `Driver` nor its implementations, so it
 * can still change shape (the Redis driver of a later issue will reshape transactional enqueue
 * around an outbox) without a breaking release. What a driver can do is declared here, never
 * tested by class: `capabilities`, and the optional methods (`insertJobsSync`, `inTransaction`).
 */
export interface DriverCapabilities {
  /** Wake-ups pushed by the database (PostgreSQL LISTEN/NOTIFY). Without it, workers poll. */
  listen: boolean;
  /** Several processes may share the database. */
  multiProcess: boolean;
  /** Jobs survive the process (false for memory:). */
  durable: boolean;
  /**
   * Calls never wait for I/O (better-sqlite3): the worker then yields to the event loop once per
   * batch, or claim → run → complete would hold it for a whole burn-down.
   */
  synchronous: boolean;
  /** `insertJobs(jobs, tx)` joins the caller's open transaction on its own connection. */
  transactional: boolean;
  /** Rate limits per queue (claimRateLimited and friends). Without it, declaring one is refused. */
  rateLimits: boolean;
}

/** A job to insert, with every default already applied. */
export interface NewJob {
  queue: string;
  name: string;
  /** JSON text of the payload (already validated). */
  payload: string;
  priority: number;
  /** null = now, by the database's clock. */
  runAt: Date | null;
  maxAttempts: number;
  timeoutMs: number | null;
  uniqueKey: string | null;
  /** The enqueuer's W3C trace context as JSON text (tracing.ts), or null when not traced. */
  traceContext: string | null;
  /** The enqueue option `traceContext` (checked): the parent of this job's enqueue span. */
  traceParent?: Record<string, string>;
  /** The job's rate-limit key (from the job definition's `rateLimitKey` or the enqueue option), or null. */
  rateKey: string | null;
}

/** A queue's rate limit as stored (rate-limits.ts validates it): at most `limit` starts per fixed window of `intervalMs`. */
export interface StoredRateLimit {
  queue: string;
  limit: number;
  intervalMs: number;
  /** Counted per job rate key (jobs without one share the key ''). */
  perKey: boolean;
}

/** A stored limit with when it was last declared, and the database's clock when it was read. */
export interface RateLimitRecord extends StoredRateLimit {
  updatedAt: Date;
  /** The database's clock at the read (current windows are computed from it). */
  now: Date;
}

/** Job starts counted in the current windows of a limited queue (admin API). */
export interface RateWindowUsage {
  queue: string;
  /** Starts in the current window, summed over the queue's keys. */
  used: number;
  /** Keys with starts in the current window ('' for a queue-wide limit). */
  keys: number;
  /** The fullest keys of the current window (at most 10), fullest first. */
  top: { key: string; used: number }[];
}

/**
 * What a claim on a rate-limited queue did. `held`: due jobs the limit kept back — 'queue' (the
 * queue-wide window is full: no claim can take anything before it ends), 'keys' (some keys'
 * windows are full; others may still have room), or null. `windowLeftMs`: until the current
 * window ends, by the database's clock. `limited` is false when the queue has no limit (any
 * more): the claim was the plain one.
 */
export interface LimitedClaim {
  jobs: ClaimedJob[];
  held: 'queue' | 'keys' | null;
  windowLeftMs: number;
  limited: boolean;
}


/** A job an outbox relays: its id was reserved (reserveIds) when it was written to the outbox. */
export interface RelayedJob extends NewJob {
  id: number;
}

export interface JobFilter {
  state: JobState;
  queue?: string | null;
  name?: string | null;
  /** Case-insensitive substring of the payload's JSON text. */
  search?: string | null;
}

export interface JobPageRequest extends JobFilter {
  limit: number;
  /** Opaque cursor from the previous page's `next`. */
  cursor?: string | null;
}

export interface JobPage {
  jobs: JobRecord[];
  /**
   * Cursor of the next page, or null at the end. With a filter, a page reads at most WALK_LIMIT
   * rows of its state, so a page may come back short (even empty) with a cursor: there may be
   * more further on.
   */
  next: string | null;
}

/** The most rows of one state a filtered page reads before it stops and hands back a cursor. */
export const WALK_LIMIT = 20_000;

export interface QueueCounts {
  queue: string;
  scheduled: number;
  available: number;
  running: number;
  retryable: number;
  /** Age in ms of the oldest job that could run now (0 when none is waiting). */
  latencyMs: number;
  paused: boolean;
  /** Sum of the concurrency live workers give this queue. */
  concurrency: number;
}

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  queues: Record<string, number>;
  startedAt: Date;
  lastHeartbeat: Date;
  running: number;
}

export interface ThroughputPoint {
  minute: Date;
  processed: number;
  failed: number;
}

export interface RescuedJob {
  id: number;
  queue: string;
  name: string;
  state: JobState;
  lockedBy: string | null;
}

/** A schedule as the driver stores it (schedules/schedule.ts validates and builds it). */
export interface StoredSchedule {
  name: string;
  cron: string;
  timezone: string | null;
  /** The job each tick makes, with every default applied. */
  job: { name: string; queue: string; payload: string; priority: number; maxAttempts: number; timeoutMs: number | null; rateKey: string | null };
  /** 'skip' | 'once' | 'backfill:N' */
  catchUp: string;
}

/** A schedule as the admin API lists it (its next run is computed from `cron` by the caller). */
export interface ScheduleRecord {
  name: string;
  cron: string;
  timezone: string | null;
  jobName: string;
  queue: string;
  payload: unknown;
  catchUp: string;
  paused: boolean;
  /** The cursor: every tick up to here is decided (made, or skipped by the catch-up policy). */
  lastTick: Date;
  /** The latest tick that made a job (null: none yet). */
  lastRunAt: Date | null;
  jobsMade: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CancelledJob {
  id: number;
  queue: string;
  name: string;
}

export interface Driver {
  /** Which database this is ('sqlite', 'postgres', …): for logs and tests, never for branching. */
  readonly dialect: string;
  readonly capabilities: DriverCapabilities;
  /** PostgreSQL: the schema the tables live in; null or absent for the default place (and other databases). */
  readonly schema?: string | null;
  /**
   * Optional: why `{ tx }` cannot work on this driver and what to use instead, appended to the
   * ERRAND_NOT_SUPPORTED error when `capabilities.transactional` is false.
   */
  readonly transactionalHint?: string;
  /** Apply pending migrations (under a lock; safe from several processes at once). */
  migrate(): Promise<string[]>;
  /**
   * Insert jobs. With `tx`, the caller's connection inside the caller's open transaction
   * (SQLite: a better-sqlite3 Database; PostgreSQL: a pg Client/PoolClient): the rows commit or
   * roll back with the caller's. Results are in input order; a unique-key hit returns the holder
   * with `inserted: false`.
   */
  insertJobs(jobs: NewJob[], tx?: unknown): Promise<EnqueuedJob[]>;
  /**
   * Optional capability: the same insert, done before returning (better-sqlite3). Inside a
   * caller's synchronous `db.transaction(() => …)` it throws right there, so that transaction
   * rolls back. `enqueueSync` needs it.
   */
  insertJobsSync?(jobs: NewJob[], tx?: unknown): EnqueuedJob[];
  /**
   * Optional: whether `tx` (default: the driver's own connection) is inside an open transaction
   * now, or null when the driver cannot tell. Inline mode waits on it to run the jobs enqueued in
   * a caller's transaction once it has ended.
   */
  inTransaction?(tx?: unknown): boolean | null;
  /**
   * Optional (a driver an outbox relays into, outbox/): reserve `n` job ids, never handed out
   * again, for jobs written to an outbox now and inserted later by insertRelayed.
   */
  reserveIds?(n: number): Promise<number[]>;
  /**
   * Optional: insert relayed jobs, each at most once however often it is relayed: a job whose id
   * is present already (an earlier relay of the same outbox row) is skipped, and so is one whose
   * unique key an unfinished job holds. Returns the ids inserted now.
   */
  insertRelayed?(jobs: RelayedJob[]): Promise<number[]>;
  /** Claim up to `limit` due jobs of `queue` (null = any queue) for `workerId`. */
  claimJobs(queue: string | null, limit: number, workerId: string, leaseMs: number): Promise<ClaimedJob[]>;
  /**
   * Claim on a rate-limited queue: in one transaction that serialises the queue's limited claims
   * across processes (SQLite: BEGIN IMMEDIATE; PostgreSQL: the limit's row locked), take at most
   * `limit` due jobs that fit the room left in their key's current window, and count them there.
   * Jobs that do not fit are left as they are (no attempt used). `scan`: how many due jobs, in
   * claim order, are looked at for room (per-key limits). Without a stored limit, the plain claim.
   */
  claimRateLimited(queue: string, limit: number, workerId: string, leaseMs: number, scan: number): Promise<LimitedClaim>;
  /** Declare rate limits: insert or replace each queue's (the last declaration wins). */
  declareRateLimits(limits: StoredRateLimit[]): Promise<void>;
  /** Remove a queue's limit and its counts; false when it had none. */
  removeRateLimit(queue: string): Promise<boolean>;
  /** Every stored limit (workers read it at start and each heartbeat). */
  rateLimits(): Promise<RateLimitRecord[]>;
  /** How full each limited queue's current window is. */
  rateWindows(): Promise<RateWindowUsage[]>;
  /**
   * Mark jobs completed. `results`, when given, is aligned with `ids`: each job's result as JSON
   * text, or null for none. Without it (no handler of the batch returned a value) the statement
   * is the one it has always been.
   */
  completeJobs(ids: number[], workerId: string, results?: (string | null)[]): Promise<void>;
  /** Store a running job's latest progress report (JSON text); nothing if it is no longer ours and running. */
  setProgress(id: number, workerId: string, progress: string): Promise<void>;
  failJob(id: number, workerId: string, next: 'retryable' | 'dead', retryInMs: number, error: AttemptError): Promise<void>;
  /** Give jobs back at once; `uncount` undoes the attempt that never really ran. */
  releaseJobs(ids: number[], workerId: string, uncount: boolean, note: AttemptError | null): Promise<void>;
  /** Renew leases; returns the ids still held by this worker. */
  heartbeat(workerId: string, ids: number[], leaseMs: number): Promise<number[]>;
  /** Of `ids` (held by `workerId`, lost at a heartbeat), the ones an operator cancelled. */
  findCancelled(workerId: string, ids: number[]): Promise<number[]>;
  registerWorker(info: { id: string; host: string; pid: number; queues: Record<string, number>; running: number }): Promise<void>;
  deregisterWorker(id: string): Promise<void>;
  rescueExpired(): Promise<RescuedJob[]>;
  /** Due scheduled/retryable jobs become available; returns the queues that got any. */
  promoteDue(): Promise<string[]>;
  /**
   * Forget finished jobs older than `olderThanMs` (and old counters, workers, rate windows).
   * SQL drivers drop whole day tables of history (made ahead here too) and return how many; the
   * Redis driver deletes jobs and returns how many.
   */
  prune(olderThanMs: number): Promise<number>;
  /** Wake the workers of a queue (no-op without LISTEN). */
  notify(queue: string): Promise<void>;
  /**
   * Subscribe to wake-ups; returns an unsubscribe. Only when capabilities.listen. `onState` says
   * when the subscription is up (every committed insert of a due job will wake) and when it is
   * down (lost connection, until it is back).
   */
  listen(onWake: (queue: string) => void, onError: (err: unknown) => void, onState?: (up: boolean) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;

  /** Declare schedules: insert new ones (cursor = now), update the definition of known ones. */
  registerSchedules(schedules: StoredSchedule[]): Promise<void>;
  /**
   * In one transaction holding the schedule's row: read its cursor, ask `plan` which ticks to
   * make (with the database's now), insert one job per tick (a tick already made is skipped by
   * the unique (schedule_name, schedule_tick) index), and move the cursor. Null when the schedule
   * is unknown, paused, busy in another process, or has nothing due; otherwise the jobs made.
   */
  advanceSchedule(
    schedule: StoredSchedule,
    plan: (cursor: Date, now: Date) => { ticks: Date[]; cursor: Date } | null,
  ): Promise<{ id: number; tick: Date }[] | null>;

  // Admin API (the console and the CLI use these; never raw SQL).
  listSchedules(): Promise<ScheduleRecord[]>;
  /** False when there is no such schedule. Resuming moves the cursor to now. */
  setSchedulePaused(name: string, paused: boolean): Promise<boolean>;
  /** The latest jobs a schedule made, newest tick first. */
  scheduleJobs(name: string, limit: number): Promise<JobRecord[]>;
  stateCounts(cap: number): Promise<Record<JobState, number>>;
  queueCounts(cap: number): Promise<QueueCounts[]>;
  listJobs(req: JobPageRequest): Promise<JobPage>;
  getJob(id: number): Promise<JobRecord | null>;
  selectJobIds(filter: JobFilter, limit: number): Promise<number[]>;
  retryJobs(ids: number[]): Promise<number[]>;
  discardJobs(ids: number[], message: string): Promise<number[]>;
  /** Unfinished jobs (waiting or running) become cancelled; returns the ones that changed. */
  cancelJobs(ids: number[], message: string): Promise<CancelledJob[]>;
  deleteJobs(ids: number[]): Promise<number[]>;
  setQueuePaused(queue: string, paused: boolean): Promise<void>;
  listWorkers(aliveWithinMs: number): Promise<WorkerInfo[]>;
  throughput(sinceMs: number): Promise<ThroughputPoint[]>;
  throughputByQueue(sinceMs: number): Promise<{ queue: string; processed: number; failed: number }[]>;

  close(): Promise<void>;
}
