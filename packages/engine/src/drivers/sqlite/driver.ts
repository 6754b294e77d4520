import { ErrandError } from '../../errors.js';
import { runSqliteMigrations } from '../../migrations.js';
import { type AttemptError, type ClaimedJob, type EnqueuedJob, FINISHED_STATES, type JobRecord, type JobState } from '../../types.js';
import type { SqliteDatabase, SqliteStatement } from '../connections.js';
import type {
  CancelledJob, Driver, DriverCapabilities, LimitedClaim, RateLimitRecord, RateWindowUsage, StoredRateLimit, ScheduleRecord, StoredSchedule, JobFilter, JobPage, JobPageRequest, NewJob, QueueCounts, RescuedJob, ThroughputPoint, WorkerInfo,
} from '../driver.js';
import {
  byClaimOrder, type CancelledRow, type RateLimitRow, type RateWindowRow, toRateLimit, toRateWindows, type ScheduleRow, toSchedule, type ClaimedRow, distinctQueues, type EnqueuedRow, type IdRow, type InsertedRow, type JobRow, matchInserted, mergeQueueCounts,
  type PagePlan, pageJobs, type QueueCountRow, type QueueMetaRow, type QueueRow, type QueueThroughputRow, type RescuedRow, type StateCountRow,
  stateCounts, type ThroughputRow, toCancelled, toClaimed, toIds, toQueueThroughput, toRecord, toRescued, toThroughput, toWorker, type WalkBoundRow, type WorkerRow,
} from '../rows.js';
import { loadQueries, migrationsDirectory, overHistory } from '../sql-files.js';
import { type MoveName, SqliteHistory } from './history.js';
import { deferFsync, mainFile, type WithoutFsync } from './open.js';
import { AfterCommit, WakeReceiver, WakeSender, wakeDirectory } from '../../wake/socket-wake.js';

const QUERIES = [
  'insert_job', 'find_unique', 'claim', 'claim_any', 'delete_moved', 'set_progress', 'count_stats', 'fail', 'release', 'heartbeat', 'find_cancelled',
  'register_worker', 'deregister_worker', 'rescue', 'promote', 'prune_stats', 'prune_workers', 'ping',
  'admin_state_counts', 'admin_queue_counts', 'admin_queue_meta', 'admin_list_by_id', 'admin_list_by_run_at',
  'admin_get_job', 'admin_select_ids', 'admin_walk_bound_by_id', 'admin_walk_bound_by_run_at', 'admin_retry', 'admin_retry_waiting', 'admin_delete', 'admin_pause',
  'admin_workers', 'admin_throughput', 'admin_throughput_by_queue',
  'schedule_upsert', 'schedule_get', 'schedule_advance', 'insert_schedule_job', 'admin_schedules', 'admin_schedule_pause', 'admin_schedule_jobs',
  'rate_limit_upsert', 'rate_limit_delete', 'rate_windows_delete', 'rate_limits', 'rate_limit_get', 'claim_limited_candidates', 'claim_ids', 'rate_count',
  'admin_rate_windows', 'prune_rate_windows',
] as const;
/** Reads by state over finished jobs: the same files over the errand_jobs_history view (overHistory). */
const HISTORY_READS = { history_list_by_id: 'admin_list_by_id', history_walk_bound_by_id: 'admin_walk_bound_by_id', history_select_ids: 'admin_select_ids' } as const;
type QueryName = (typeof QUERIES)[number] | keyof typeof HISTORY_READS;
type Params = Record<string, unknown>;

const FILES = loadQueries('sqlite', QUERIES);
const SQL: Record<QueryName, string> = {
  ...FILES,
  ...(Object.fromEntries(Object.entries(HISTORY_READS).map(([name, from]) => [name, overHistory(FILES[from])])) as Record<keyof typeof HISTORY_READS, string>),
};
const MINUTE = 60_000;

export interface SqliteDriverOptions {
  /** The connection: opened by drivers/open.ts (then owned), or the app's own (shared). */
  database: SqliteDatabase;
  /** Close the connection in close(). False for an app's shared connection. */
  owned: boolean;
}

/**
 * SQLite through better-sqlite3 (the memory driver is the same on ':memory:'). better-sqlite3 is
 * synchronous, so every method does its work before returning its promise — which is what lets
 * enqueue join a caller's `db.transaction(() => …)` callback, and what `insertJobsSync` declares.
 * The connection comes opened (drivers/open.ts): this file never loads better-sqlite3 itself.
 */
export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite';
  readonly capabilities: DriverCapabilities;
  readonly db: SqliteDatabase;
  private readonly owned: boolean;
  private readonly stmts = new WeakMap<SqliteDatabase, Map<QueryName, SqliteStatement>>();
  /** Cross-process wake-ups through Unix sockets beside the file (wake/socket-wake.ts); null: workers poll. */
  private readonly wakeDir: string | null;
  private wakeSender: WakeSender | null = null;
  private afterCommit: AfterCommit | null = null;
  /** Finished jobs' day tables and their view (history.ts). */
  private readonly history: SqliteHistory;
  /**
   * A claim commits without an fsync (synchronous=NORMAL for its transaction only; open.ts
   * deferFsync), as claims on PostgreSQL commit with synchronous_commit off: the fsync was half of
   * a burn-down's commits. A process crash loses nothing (WAL frames sit in the OS's cache). A
   * power cut can undo the claims since the last fsync, which leaves those jobs available again —
   * a rerun at-least-once allows — and never a completion or a failure: those, and enqueues, keep
   * their fsync, and the WAL is sequential, so an fsynced completion carries its claim with it.
   * Rate-limited claims keep theirs (a count lost would let a window overfill). In memory, outside
   * WAL mode or already at NORMAL, it just runs the claim.
   */
  private readonly withoutFsync: WithoutFsync;

  constructor(options: SqliteDriverOptions) {
    this.db = options.database;
    this.owned = options.owned;
    this.history = new SqliteHistory(this.db);
    const memory = this.db.memory;
    this.wakeDir = memory ? null : wakeDirectory(mainFile(this.db));
    this.capabilities = { listen: this.wakeDir !== null, multiProcess: !memory, durable: !memory, synchronous: true, transactional: true, rateLimits: true };
    this.withoutFsync = deferFsync(this.db) ?? ((fn) => fn());
  }

  /** Wake the workers of these queues (every process on this file), now. */
  private wakeNow(queues: Iterable<string>): void {
    if (this.wakeDir === null) return;
    this.wakeSender ??= new WakeSender(this.wakeDir);
    this.wakeSender.send(queues);
  }

  private stmt(name: QueryName, db: SqliteDatabase = this.db): SqliteStatement {
    let byName = this.stmts.get(db);
    if (!byName) this.stmts.set(db, (byName = new Map()));
    let s = byName.get(name);
    if (!s) byName.set(name, (s = db.prepare(SQL[name])));
    return s;
  }

  /** Rows of a query file, typed by the caller (the file's columns). */
  private all<R>(name: QueryName, params: Params = {}, db?: SqliteDatabase): R[] {
    return this.stmt(name, db).all(params) as R[];
  }

  private get<R>(name: QueryName, params: Params = {}, db?: SqliteDatabase): R | undefined {
    return this.stmt(name, db).get(params) as R | undefined;
  }

  private run(name: QueryName, params: Params = {}): number {
    return this.stmt(name).run(params).changes;
  }

  /**
   * Move jobs into history inside `fn`'s BEGIN IMMEDIATE transaction: `copy(name, params)` copies
   * the rows a move statement selects into the day table of `now` and returns them; every row
   * copied leaves errand_jobs (delete_moved.sql) before the transaction commits. The day's table
   * is made, if missing, before the transaction (history.move).
   */
  private moving<R>(now: number, names: MoveName[], fn: (copy: <T extends IdRow>(name: MoveName, params: Params) => T[]) => R): R {
    const stmts = new Map(names.map((n) => [n, this.history.move(n, now)]));
    return this.db
      .transaction(() => {
        const moved: number[] = [];
        const out = fn(<T extends IdRow>(name: MoveName, params: Params) => {
          const rows = stmts.get(name)!.all(params) as T[];
          for (const r of rows) moved.push(Number(r.id));
          return rows;
        });
        if (moved.length) this.run('delete_moved', { ids: JSON.stringify(moved) });
        return out;
      })
      .immediate();
  }

  async migrate(): Promise<string[]> {
    const applied = runSqliteMigrations(this.db, { directory: migrationsDirectory('sqlite'), table: 'errand_migrations' });
    this.history.ensure(Date.now());
    return applied;
  }

  async insertJobs(jobs: NewJob[], tx?: unknown): Promise<EnqueuedJob[]> {
    return this.insertJobsSync(jobs, tx);
  }

  insertJobsSync(jobs: NewJob[], tx?: unknown): EnqueuedJob[] {
    const db = tx === undefined ? this.db : asDatabase(tx);
    const run = () => {
      const now = Date.now();
      const returned: InsertedRow[] = [];
      const holders = new Map<string, EnqueuedRow>();
      jobs.forEach((j, i) => {
        const row = this.get<EnqueuedRow>('insert_job', {
          queue: j.queue, name: j.name, payload: j.payload, priority: j.priority,
          run_at: j.runAt ? j.runAt.getTime() : now, now, max_attempts: j.maxAttempts,
          timeout_ms: j.timeoutMs, unique_key: j.uniqueKey, trace_context: j.traceContext, rate_key: j.rateKey,
        }, db);
        // One statement per job: its position is the loop's.
        if (row) returned.push({ ...row, ord: i + 1 });
        else if (j.uniqueKey !== null) {
          const holder = this.get<EnqueuedRow>('find_unique', { unique_key: j.uniqueKey }, db);
          if (holder) holders.set(j.uniqueKey, holder);
        }
      });
      return matchInserted(jobs, returned, holders);
    };
    // Inside the caller's transaction, join it; otherwise one transaction (one fsync) for the batch.
    const inserted = db.inTransaction || jobs.length === 1 ? run() : db.transaction(run).immediate();
    if (this.wakeDir !== null) {
      const now = Date.now();
      const due = new Set(inserted.filter((j) => j.inserted && j.runAt.getTime() <= now).map((j) => j.queue));
      if (due.size > 0) {
        this.afterCommit ??= new AfterCommit((queues) => this.wakeNow(queues));
        this.afterCommit.add(db, due);
      }
    }
    return inserted;
  }

  inTransaction(tx?: unknown): boolean {
    return (tx === undefined ? this.db : asDatabase(tx)).inTransaction;
  }

  async claimJobs(queue: string | null, limit: number, workerId: string, leaseMs: number): Promise<ClaimedJob[]> {
    const params = { queue, limit, worker: workerId, now: Date.now(), lease_ms: leaseMs };
    const rows = this.withoutFsync(() => this.db.transaction(() => this.all<ClaimedRow>(queue === null ? 'claim_any' : 'claim', params)).immediate());
    return rows.map(toClaimed).sort(byClaimOrder);
  }

  async claimRateLimited(queue: string, limit: number, workerId: string, leaseMs: number, scan: number): Promise<LimitedClaim> {
    // BEGIN IMMEDIATE: the write lock is held from reading the windows to counting the claim, so
    // limited claims of every process on this file take turns. Several statements, no round trips.
    const result = this.db.transaction((): LimitedClaim => {
      const now = Date.now();
      const lim = this.get<{ max_starts: number; interval_ms: number; per_key: number }>('rate_limit_get', { queue });
      if (!lim) {
        const rows = this.all<ClaimedRow>('claim', { queue, limit, worker: workerId, now, lease_ms: leaseMs });
        return { jobs: rows.map(toClaimed), held: null, windowLeftMs: 0, limited: false };
      }
      const interval = Number(lim.interval_ms);
      const window = now - (now % interval);
      const perKey = Boolean(lim.per_key);
      const candidates = this.all<{ id: number; k: string; rn: number; room: number }>('claim_limited_candidates', {
        queue, max_starts: lim.max_starts, per_key: perKey ? 1 : 0, window, now, scan: perKey ? scan : limit,
      });
      const chosen: number[] = [];
      let held = 0;
      for (const c of candidates) {
        if (c.rn > c.room) held++;
        else if (chosen.length < limit) chosen.push(Number(c.id));
      }
      const rows = chosen.length
        ? this.all<ClaimedRow & { rate_key: string | null }>('claim_ids', { ids: JSON.stringify(chosen), worker: workerId, now, lease_ms: leaseMs })
        : [];
      const perKeyCount = new Map<string, number>();
      for (const r of rows) {
        const k = perKey ? (r.rate_key ?? '') : '';
        perKeyCount.set(k, (perKeyCount.get(k) ?? 0) + 1);
      }
      for (const [k, n] of perKeyCount) this.run('rate_count', { queue, rate_key: k, window, starts: n });
      return { jobs: rows.map(toClaimed), held: held === 0 ? null : perKey ? 'keys' : 'queue', windowLeftMs: window + interval - now, limited: true };
    }).immediate();
    result.jobs.sort(byClaimOrder);
    return result;
  }

  async declareRateLimits(limits: StoredRateLimit[]): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      for (const l of limits) this.run('rate_limit_upsert', { queue: l.queue, max_starts: l.limit, interval_ms: l.intervalMs, per_key: l.perKey ? 1 : 0, now });
    }).immediate();
  }

  async removeRateLimit(queue: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.run('rate_windows_delete', { queue });
      return this.all('rate_limit_delete', { queue }).length > 0;
    }).immediate();
  }

  async rateLimits(): Promise<RateLimitRecord[]> {
    const now = new Date();
    return this.all<RateLimitRow>('rate_limits').map((r) => toRateLimit(r, now));
  }

  async rateWindows(): Promise<RateWindowUsage[]> {
    return toRateWindows(this.all<RateWindowRow>('admin_rate_windows', { now: Date.now() }));
  }

  async completeJobs(ids: number[], workerId: string, results?: (string | null)[]): Promise<void> {
    const now = Date.now();
    this.moving(now, results ? ['complete', 'complete_result'] : ['complete'], (copy) => {
      if (!results) {
        this.countStats(copy<IdRow & QueueRow>('complete', { ids: JSON.stringify(ids), worker: workerId, now }), now, workerId, 'processed');
        return;
      }
      // Jobs with a result one statement each (in-process: no round trips), the rest in one.
      const plain: number[] = [];
      const rows: QueueRow[] = [];
      ids.forEach((id, i) => {
        const result = results[i];
        if (result === null || result === undefined) plain.push(id);
        else rows.push(...copy<IdRow & QueueRow>('complete_result', { id, worker: workerId, now, result }));
      });
      if (plain.length) rows.push(...copy<IdRow & QueueRow>('complete', { ids: JSON.stringify(plain), worker: workerId, now }));
      this.countStats(rows, now, workerId, 'processed');
    });
  }

  async setProgress(id: number, workerId: string, progress: string): Promise<void> {
    this.run('set_progress', { id, worker: workerId, progress });
  }

  private countStats(rows: QueueRow[], now: number, workerId: string, field: 'processed' | 'failed') {
    const byQueue = new Map<string, number>();
    for (const r of rows) byQueue.set(r.queue, (byQueue.get(r.queue) ?? 0) + 1);
    const minute = now - (now % MINUTE);
    for (const [queue, n] of byQueue) {
      this.run('count_stats', { minute, queue, worker: workerId, processed: field === 'processed' ? n : 0, failed: field === 'failed' ? n : 0 });
    }
  }

  async failJob(id: number, workerId: string, next: 'retryable' | 'dead', retryInMs: number, error: AttemptError): Promise<void> {
    const now = Date.now();
    if (next === 'dead') {
      this.moving(now, ['fail_dead'], (copy) => {
        this.countStats(copy<IdRow & QueueRow>('fail_dead', { id, worker: workerId, now, error: JSON.stringify(error) }), now, workerId, 'failed');
      });
      return;
    }
    this.db.transaction(() => {
      const rows = this.all<QueueRow>('fail', { id, worker: workerId, run_at: now + retryInMs, error: JSON.stringify(error) });
      this.countStats(rows, now, workerId, 'failed');
    }).immediate();
  }

  async releaseJobs(ids: number[], workerId: string, uncount: boolean, note: AttemptError | null): Promise<void> {
    if (ids.length === 0) return;
    this.run('release', { ids: JSON.stringify(ids), worker: workerId, uncount: uncount ? 1 : 0, note: note ? JSON.stringify(note) : null, now: Date.now() });
  }

  async heartbeat(workerId: string, ids: number[], leaseMs: number): Promise<number[]> {
    if (ids.length === 0) return [];
    return toIds(this.all<IdRow>('heartbeat', { ids: JSON.stringify(ids), worker: workerId, lease_ms: leaseMs, now: Date.now() }));
  }

  async findCancelled(workerId: string, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return toIds(this.all<IdRow>('find_cancelled', { ids: JSON.stringify(ids), worker: workerId }));
  }

  async registerWorker(info: { id: string; host: string; pid: number; queues: Record<string, number>; running: number }): Promise<void> {
    this.run('register_worker', { ...info, queues: JSON.stringify(info.queues), now: Date.now() });
  }

  async deregisterWorker(id: string): Promise<void> {
    this.run('deregister_worker', { id });
  }

  async rescueExpired(): Promise<RescuedJob[]> {
    const now = Date.now();
    // The jobs cut short beyond their last attempt move to history (dead); the others go back.
    const rows = this.moving(now, ['rescue_dead'], (copy) => [...copy<RescuedRow>('rescue_dead', { now }), ...this.all<RescuedRow>('rescue', { now })]);
    return rows.map(toRescued);
  }

  async promoteDue(): Promise<string[]> {
    const queues = distinctQueues(this.all<QueueRow>('promote', { now: Date.now() }));
    if (queues.length > 0) this.wakeNow(queues);
    return queues;
  }

  /**
   * Make today's and tomorrow's history tables, drop the ones wholly older than `olderThanMs`
   * (whole tables: no DELETE), forget old counters, workers and rate windows. Returns the history
   * tables dropped.
   */
  async prune(olderThanMs: number): Promise<number> {
    const now = Date.now();
    const dropped = this.history.drop(now - Math.max(0, olderThanMs), now);
    this.run('prune_stats', { before: now - 2 * 24 * 3600_000 });
    this.run('prune_workers', { before: now - 10 * MINUTE });
    this.run('prune_rate_windows', { now });
    return dropped;
  }

  async notify(queue: string): Promise<void> {
    this.wakeNow([queue]);
  }

  /**
   * A socket in the wake-up directory. Never fails for a channel problem: `onState(false)` (the
   * worker polls) and a retry every second; a socket file removed is made again.
   */
  async listen(onWake: (queue: string) => void, _onError: (err: unknown) => void, onState?: (up: boolean) => void): Promise<() => Promise<void>> {
    if (this.wakeDir === null) {
      throw new ErrandError('ERRAND_NOT_SUPPORTED', 'this sqlite database has no wake-up channel (in memory, on Windows, or a path too long for a socket; capabilities.listen is false); workers poll');
    }
    const receiver = new WakeReceiver({ dir: this.wakeDir, onWake, onState: (up) => onState?.(up) });
    await receiver.start();
    return () => receiver.stop();
  }

  async ping(): Promise<void> {
    this.get('ping');
  }

  async stateCounts(cap: number): Promise<Record<JobState, number>> {
    return stateCounts(this.all<StateCountRow>('admin_state_counts', { cap }));
  }

  async queueCounts(cap: number): Promise<QueueCounts[]> {
    const now = Date.now();
    return mergeQueueCounts(this.all<QueueCountRow>('admin_queue_counts', { now, cap }), this.all<QueueMetaRow>('admin_queue_meta', { since: now - MINUTE }));
  }

  async listJobs(req: JobPageRequest): Promise<JobPage> {
    const filter = (p: PagePlan) => ({ state: p.state, queue: p.queue, name: p.name, search: p.search, limit: p.limit, walk: p.walk });
    const finished = FINISHED_STATES.includes(req.state);
    return pageJobs(req, {
      page: (p) =>
        p.byRunAt
          ? this.all<JobRow>('admin_list_by_run_at', { ...filter(p), after_run_at: p.afterRunAt, after_id: p.afterId })
          : this.all<JobRow>(finished ? 'history_list_by_id' : 'admin_list_by_id', { ...filter(p), before_id: p.afterId }),
      bound: (p) =>
        p.byRunAt
          ? this.get<WalkBoundRow>('admin_walk_bound_by_run_at', { state: p.state, walk: p.walk, after_run_at: p.afterRunAt, after_id: p.afterId })
          : this.get<WalkBoundRow>(finished ? 'history_walk_bound_by_id' : 'admin_walk_bound_by_id', { state: p.state, walk: p.walk, before_id: p.afterId }),
    });
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const row = this.get<JobRow>('admin_get_job', { id });
    return row ? toRecord(row) : null;
  }

  async selectJobIds(filter: JobFilter, limit: number): Promise<number[]> {
    return toIds(this.all<IdRow>(FINISHED_STATES.includes(filter.state) ? 'history_select_ids' : 'admin_select_ids', { state: filter.state, queue: filter.queue ?? null, name: filter.name ?? null, search: filter.search || null, limit }));
  }

  async retryJobs(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const params = { ids: JSON.stringify(ids), now: Date.now() };
    // Finished jobs come back from history (copied, then deleted from their day's table), waiting
    // ones become available: one transaction.
    return this.db
      .transaction(() => {
        // Waiting ones first: the ones brought back are available by then, and would be counted twice.
        const waiting = toIds(this.all<IdRow>('admin_retry_waiting', params));
        const back = toIds(this.all<IdRow>('admin_retry', params));
        if (back.length) this.history.deleteIds(JSON.stringify(back));
        return [...waiting, ...back];
      })
      .immediate();
  }

  async discardJobs(ids: number[], message: string): Promise<number[]> {
    if (ids.length === 0) return [];
    const now = Date.now();
    return toIds(this.moving(now, ['admin_discard'], (copy) => copy<IdRow>('admin_discard', { ids: JSON.stringify(ids), now, message })));
  }

  async cancelJobs(ids: number[], message: string): Promise<CancelledJob[]> {
    if (ids.length === 0) return [];
    const now = Date.now();
    return this.moving(now, ['admin_cancel'], (copy) => copy<CancelledRow>('admin_cancel', { ids: JSON.stringify(ids), now, message })).map(toCancelled);
  }

  async deleteJobs(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const json = JSON.stringify(ids);
    return this.db.transaction(() => [...toIds(this.all<IdRow>('admin_delete', { ids: json })), ...this.history.deleteIds(json)]).immediate();
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<void> {
    this.run('admin_pause', { name: queue, paused: paused ? 1 : 0, now: Date.now() });
    if (!paused) this.wakeNow([queue]);
  }

  async listWorkers(aliveWithinMs: number): Promise<WorkerInfo[]> {
    return this.all<WorkerRow>('admin_workers', { since: Date.now() - aliveWithinMs }).map(toWorker);
  }

  async throughput(sinceMs: number): Promise<ThroughputPoint[]> {
    return this.all<ThroughputRow>('admin_throughput', { since: minuteOf(Date.now() - sinceMs) }).map(toThroughput);
  }

  async throughputByQueue(sinceMs: number): Promise<{ queue: string; processed: number; failed: number }[]> {
    return this.all<QueueThroughputRow>('admin_throughput_by_queue', { since: minuteOf(Date.now() - sinceMs) }).map(toQueueThroughput);
  }

  async registerSchedules(schedules: StoredSchedule[]): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      for (const sc of schedules) {
        this.run('schedule_upsert', {
          name: sc.name, cron: sc.cron, timezone: sc.timezone, job_name: sc.job.name, queue: sc.job.queue, payload: sc.job.payload, catch_up: sc.catchUp, now,
        });
      }
    }).immediate();
  }

  async advanceSchedule(
    sc: StoredSchedule,
    plan: (cursor: Date, now: Date) => { ticks: Date[]; cursor: Date } | null,
  ): Promise<{ id: number; tick: Date }[] | null> {
    // BEGIN IMMEDIATE: the write lock is held from the read of the cursor to its update, so two
    // processes on one file decide each tick once.
    return this.db.transaction(() => {
      const row = this.get<{ last_tick: number; paused: number }>('schedule_get', { name: sc.name });
      if (!row || row.paused) return null;
      const now = Date.now();
      const decided = plan(new Date(row.last_tick), new Date(now));
      if (!decided) return null;
      const made: { id: number; tick: Date }[] = [];
      for (const tick of decided.ticks) {
        const r = this.get<IdRow>('insert_schedule_job', {
          queue: sc.job.queue, name: sc.job.name, payload: sc.job.payload, priority: sc.job.priority, max_attempts: sc.job.maxAttempts,
          timeout_ms: sc.job.timeoutMs, tick: tick.getTime(), now, schedule: sc.name, rate_key: sc.job.rateKey,
        });
        if (r) made.push({ id: Number(r.id), tick });
      }
      this.run('schedule_advance', { name: sc.name, cursor: decided.cursor.getTime(), made: made.length, last_run: made.at(-1)?.tick.getTime() ?? null });
      return made;
    }).immediate();
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.all<ScheduleRow>('admin_schedules').map(toSchedule);
  }

  async setSchedulePaused(name: string, paused: boolean): Promise<boolean> {
    return this.all('admin_schedule_pause', { name, paused: paused ? 1 : 0, now: Date.now() }).length > 0;
  }

  async scheduleJobs(name: string, limit: number): Promise<JobRecord[]> {
    return this.all<JobRow>('admin_schedule_jobs', { name, limit }).map(toRecord);
  }

  async close(): Promise<void> {
    this.wakeSender?.close();
    if (this.owned && this.db.open) this.db.close();
  }
}

function minuteOf(t: number): number {
  return t - (t % MINUTE);
}

/** The caller's connection, recognised by what it can do (a better-sqlite3 Database, or alike). */
function asDatabase(tx: unknown): SqliteDatabase {
  const db = tx as Partial<SqliteDatabase> | null;
  if (db && typeof db.prepare === 'function' && typeof db.transaction === 'function' && typeof db.inTransaction === 'boolean') return tx as SqliteDatabase;
  throw new ErrandError('ERRAND_BAD_TRANSACTION', 'with the sqlite driver, { tx } must be the better-sqlite3 Database your transaction runs on');
}
