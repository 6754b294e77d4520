import { ErrandError } from '../../errors.js';
import { runPostgresMigrations } from '../../migrations.js';
import { type AttemptError, type ClaimedJob, type EnqueuedJob, FINISHED_STATES, type JobRecord, type JobState } from '../../types.js';
import type { PgClient, PgPool, PgQueryable } from '../connections.js';
import type {
  CancelledJob, Driver, DriverCapabilities, LimitedClaim, RateLimitRecord, RateWindowUsage, StoredRateLimit, ScheduleRecord, StoredSchedule, JobFilter, JobPage, JobPageRequest, NewJob, QueueCounts, RelayedJob, RescuedJob, ThroughputPoint, WorkerInfo,
} from '../driver.js';
import {
  byClaimOrder, type CancelledRow, type RateLimitRow, type RateWindowRow, toRateLimit, toRateWindows, type ScheduleRow, toSchedule, type ClaimedRow, distinctQueues, type EnqueuedRow, type IdRow, type InsertedRow, type JobRow, matchInserted, mergeQueueCounts,
  pageJobs, type QueueCountRow, type QueueMetaRow, type QueueRow, type QueueThroughputRow, type RescuedRow, type StateCountRow, stateCounts,
  type ThroughputRow, toCancelled, toClaimed, toIds, toQueueThroughput, toRecord, toRescued, toThroughput, toWorker, type WalkBoundRow, type WorkerRow,
} from '../rows.js';
import { listenChannel } from './listen.js';
import { loadQueries, migrationsDirectory, overHistory } from '../sql-files.js';
import { fillPlaceholders, type PgNames, pgNames } from './schema.js';

const QUERIES = [
  'insert_jobs', 'find_unique', 'claim', 'claim_any', 'complete', 'complete_results', 'set_progress', 'fail', 'fail_dead', 'release', 'heartbeat', 'find_cancelled', 'register_worker',
  'deregister_worker', 'rescue', 'promote', 'notify', 'history_ensure', 'history_drop', 'prune_meta', 'ping', 'reserve_ids', 'insert_relayed',
  'admin_state_counts', 'admin_queue_counts', 'admin_queue_meta', 'admin_list_by_id', 'admin_list_by_run_at',
  'admin_get_job', 'admin_select_ids', 'admin_walk_bound_by_id', 'admin_walk_bound_by_run_at', 'admin_retry', 'admin_discard', 'admin_cancel', 'admin_delete', 'admin_pause',
  'admin_workers', 'admin_throughput', 'admin_throughput_by_queue',
  'legacy_tables', 'schedule_upsert', 'schedule_lock', 'schedule_advance', 'insert_schedule_job', 'admin_schedules', 'admin_schedule_pause', 'admin_schedule_jobs',
  'rate_limit_upsert', 'rate_limit_delete', 'rate_limits', 'rate_limit_lock', 'claim_limited', 'admin_rate_windows', 'prune_rate_windows',
] as const;
/** Reads by state over finished jobs: the same files over errand_jobs_history (overHistory). */
const HISTORY_READS = { history_list_by_id: 'admin_list_by_id', history_walk_bound_by_id: 'admin_walk_bound_by_id', history_select_ids: 'admin_select_ids' } as const;
type QueryName = (typeof QUERIES)[number] | keyof typeof HISTORY_READS;
/** The query files as written: `{schema}.` and `{channel}` are filled in per driver (schema.ts). */
const FILES = loadQueries('postgres', QUERIES);
const SQL_FILES: Record<QueryName, string> = {
  ...FILES,
  ...(Object.fromEntries(Object.entries(HISTORY_READS).map(([name, from]) => [name, overHistory(FILES[from])])) as Record<keyof typeof HISTORY_READS, string>),
};
/** Statements that move rows into errand_jobs_history: on a missing partition, made and retried (moving()). */
const MOVES = new Set<QueryName>(['complete', 'complete_results', 'fail_dead', 'rescue', 'admin_cancel', 'admin_discard']);
/** Partitions made ahead: from yesterday (a clock near midnight) to this many days after today. */
const DAYS_AHEAD = 3;

/** The dedicated LISTEN connection: a pg `Client`. */
interface PgListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (msg: { payload?: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** What the driver uses of the `pg` module, loaded by drivers/open.ts only when needed. */
export interface PgModule {
  Pool: new (config: object) => PgPool;
  Client: new (config: object) => PgListenClient;
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

export interface PostgresDriverOptions {
  pg: PgModule;
  pool: PgPool;
  /** End the pool in close(). False for an app's shared pool. */
  owned: boolean;
  /** Called when an idle pooled connection fails (a server restart); the pool replaces it. */
  onError?: (err: unknown) => void;
  /**
   * Run each query as a named prepared statement, parsed and planned once per connection.
   * Default true: it halves a claim's round trip. False for a pooler that cannot keep prepared
   * statements (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
  /**
   * The schema this install's tables live in (checked by schema.ts). Undefined: the default place,
   * today's unqualified names.
   */
  schema?: string;
  /** Told what a migration left alone (the default place's tables, when migrating a schema). */
  onNotice?: (message: string, details: Record<string, unknown>) => void;
}

/** json and jsonb: left as text by JSON_AS_TEXT. */
const JSON_OIDS = new Set([114, 3802]);

/**
 * PostgreSQL through `pg`: claims with FOR UPDATE SKIP LOCKED, wake-ups by LISTEN/NOTIFY on a
 * dedicated connection, migrations under an advisory lock. Every hot-path call is one round trip.
 */
export class PostgresDriver implements Driver {
  readonly dialect = 'postgres';
  readonly capabilities: DriverCapabilities = { listen: true, multiProcess: true, durable: true, synchronous: false, transactional: true, rateLimits: true };
  readonly pool: PgPool;
  private readonly pg: PgModule;
  private readonly owned: boolean;
  private readonly config: object;
  private readonly prepared: boolean;
  /** Where this install lives, and the names derived from it. */
  readonly names: PgNames;
  readonly schema: string | null;
  private readonly sql: Record<QueryName, string>;
  private readonly onNotice?: PostgresDriverOptions['onNotice'];
  /**
   * json and jsonb come back as text, parsed by the shared row converters exactly as SQLite's are
   * (pg's default parser would decode them, and a top-level string payload would then be decoded
   * twice). Every other type keeps pg's parser.
   */
  private readonly types: PgModule['types'];

  constructor(options: PostgresDriverOptions) {
    this.pg = options.pg;
    this.pool = options.pool;
    this.owned = options.owned;
    this.prepared = options.preparedStatements ?? true;
    this.names = pgNames(options.schema);
    this.schema = this.names.schema;
    this.onNotice = options.onNotice;
    const names = this.names;
    this.sql = Object.fromEntries(Object.entries(SQL_FILES).map(([q, text]) => [q, fillPlaceholders(text, names, `${q}.sql`)])) as Record<QueryName, string>;
    this.config = options.pool.options ?? {};
    const parsers = options.pg.types;
    this.types = { getTypeParser: (oid, format) => (JSON_OIDS.has(oid) ? (v: string) => v : parsers.getTypeParser(oid, format ?? 'text')) };
    // Without a listener, an idle client's error (server restart) would crash the process.
    this.pool.on('error', (err) => options.onError?.(err));
  }

  /** Rows of a query file, typed by the caller (the file's columns). */
  private async q<R>(name: QueryName, values: unknown[], db: PgQueryable = this.pool): Promise<{ rows: R[]; rowCount: number }> {
    if (MOVES.has(name)) return this.moving(() => this.query<R>(name, values, db));
    return this.query<R>(name, values, db);
  }

  private async query<R>(name: QueryName, values: unknown[], db: PgQueryable): Promise<{ rows: R[]; rowCount: number }> {
    // Statement names carry the schema's prefix: two installs sharing a connection (one pgPool)
    // would otherwise prepare two texts under one name.
    const res = await db.query({ name: this.prepared ? `${this.names.statementPrefix}${name}` : undefined, text: this.sql[name], values, types: this.types });
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  }

  /**
   * A statement that moves jobs into history, run again once if today's partition was missing
   * (the maintainer makes them days ahead, but a process may finish jobs with no maintainer
   * running, or after a long stop). The failed statement rolled back whole: nothing moved.
   */
  private async moving<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      if (!isMissingPartition(err)) throw err;
      await this.ensureHistory();
      return run();
    }
  }

  /** History's partitions from yesterday to DAYS_AHEAD days ahead (the missing ones). */
  private async ensureHistory(): Promise<void> {
    await this.query('history_ensure', [1, DAYS_AHEAD], this.pool);
  }

  async migrate(): Promise<string[]> {
    const { schema, lockKey } = this.names;
    const names = this.names;
    const applied = await runPostgresMigrations(
      this.pool,
      { directory: migrationsDirectory('postgres'), table: 'errand_migrations', lockKey, schema: schema ?? undefined },
      { fill: (sql, file) => fillPlaceholders(sql, names, file) },
    );
    // Nothing moves by itself: when this run created a schema's tables while an install is still
    // in the default place, say so, and where.
    if (schema !== null && applied.some((m) => m.startsWith('0001_'))) {
      const { rows } = await this.q<{ schema: string }>('legacy_tables', [schema]);
      if (rows[0]) {
        const old = `${rows[0].schema}.errand_jobs`;
        this.onNotice?.(
          `errand: created the jobs tables in schema "${schema}"; the tables in the default place (${old} and the other errand_* tables) were left where they are, with their jobs: nothing was moved. To move them by hand, see "A schema of its own" in docs/engine.md`,
          { schema, leftBehind: old },
        );
      }
    }
    // Today's partition of history and the next days' (a process started long after its last
    // migration would otherwise make today's on its first completion).
    await this.ensureHistory();
    return applied;
  }

  async insertJobs(jobs: NewJob[], tx?: unknown): Promise<EnqueuedJob[]> {
    const db = tx === undefined ? this.pool : asClient(tx);
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
    for (const j of jobs) {
      cols[0].push(j.queue);
      cols[1].push(j.name);
      cols[2].push(j.payload);
      cols[3].push(j.priority);
      cols[4].push(j.runAt);
      cols[5].push(j.maxAttempts);
      cols[6].push(j.timeoutMs);
      cols[7].push(j.uniqueKey);
      cols[8].push(j.traceContext);
      cols[9].push(j.rateKey);
    }
    // Each returned row carries `ord`, its job's position in the input (insert_jobs.sql).
    const { rows } = await this.q<InsertedRow>('insert_jobs', cols, db);
    const holders = new Map<string, EnqueuedRow>();
    if (rows.length < jobs.length) {
      const keys = jobs.map((j) => j.uniqueKey).filter((k): k is string => k !== null);
      for (const h of (await this.q<EnqueuedRow>('find_unique', [keys], db)).rows) if (h.unique_key !== null) holders.set(h.unique_key, h);
    }
    return matchInserted(jobs, rows, holders);
  }

  async reserveIds(n: number): Promise<number[]> {
    return toIds((await this.q<IdRow>('reserve_ids', [n])).rows);
  }

  async insertRelayed(jobs: RelayedJob[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const col = <T>(f: (j: RelayedJob) => T) => jobs.map(f);
    const { rows } = await this.q<IdRow>('insert_relayed', [
      col((j) => j.id), col((j) => j.queue), col((j) => j.name), col((j) => j.payload), col((j) => j.priority),
      col((j) => j.runAt), col((j) => j.maxAttempts), col((j) => j.timeoutMs), col((j) => j.uniqueKey), col((j) => j.traceContext), col((j) => j.rateKey),
    ]);
    return toIds(rows);
  }

  inTransaction(tx?: unknown): boolean | null {
    if (tx === undefined) return false; // the pool's queries commit on their own
    const status = asClient(tx).getTransactionStatus?.();
    return status === undefined || status === null ? null : status !== 'I';
  }

  async claimJobs(queue: string | null, limit: number, workerId: string, leaseMs: number): Promise<ClaimedJob[]> {
    const { rows } =
      queue === null
        ? await this.q<ClaimedRow>('claim_any', [limit, workerId, leaseMs])
        : await this.q<ClaimedRow>('claim', [queue, limit, workerId, leaseMs]);
    return rows.map(toClaimed).sort(byClaimOrder);
  }

  async claimRateLimited(queue: string, limit: number, workerId: string, leaseMs: number, scan: number): Promise<LimitedClaim> {
    // Three statements on one connection: lock the queue's limit row (limited claims of this
    // queue take turns, across processes), claim and count in one statement whose snapshot
    // follows the lock, commit (synchronously: a count lost in a crash would let a window overfill).
    const client = await this.pool.connect();
    try {
      await client.query({ text: 'BEGIN' });
      const lim = (await this.q<{ max_starts: number; interval_ms: number; per_key: boolean }>('rate_limit_lock', [queue], client)).rows[0];
      if (!lim) {
        await client.query({ text: 'ROLLBACK' });
        return { jobs: await this.claimJobs(queue, limit, workerId, leaseMs), held: null, windowLeftMs: 0, limited: false };
      }
      const { rows } = await this.q<Partial<ClaimedRow> & { held: number; window_left_ms: number }>(
        'claim_limited',
        [queue, limit, workerId, leaseMs, lim.per_key ? scan : limit, lim.max_starts, lim.interval_ms, lim.per_key],
        client,
      );
      await client.query({ text: 'COMMIT' });
      const first = rows[0];
      const jobs = rows.filter((r) => r.id !== null && r.id !== undefined).map((r) => toClaimed(r as ClaimedRow)).sort(byClaimOrder);
      return { jobs, held: !first?.held ? null : lim.per_key ? 'keys' : 'queue', windowLeftMs: Math.max(0, Number(first?.window_left_ms ?? 0)), limited: true };
    } catch (err) {
      await client.query({ text: 'ROLLBACK' }).catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async declareRateLimits(limits: StoredRateLimit[]): Promise<void> {
    for (const l of limits) await this.q('rate_limit_upsert', [l.queue, l.limit, l.intervalMs, l.perKey]);
  }

  async removeRateLimit(queue: string): Promise<boolean> {
    return (await this.q('rate_limit_delete', [queue])).rowCount > 0;
  }

  async rateLimits(): Promise<RateLimitRecord[]> {
    const now = new Date();
    return (await this.q<RateLimitRow>('rate_limits', [])).rows.map((r) => toRateLimit(r, now));
  }

  async rateWindows(): Promise<RateWindowUsage[]> {
    return toRateWindows((await this.q<RateWindowRow>('admin_rate_windows', [])).rows);
  }

  async completeJobs(ids: number[], workerId: string, results?: (string | null)[]): Promise<void> {
    if (results) await this.q('complete_results', [ids, workerId, results]);
    else await this.q('complete', [ids, workerId]);
  }

  async setProgress(id: number, workerId: string, progress: string): Promise<void> {
    await this.q('set_progress', [id, workerId, progress]);
  }

  async failJob(id: number, workerId: string, next: 'retryable' | 'dead', retryInMs: number, error: AttemptError): Promise<void> {
    if (next === 'dead') await this.q('fail_dead', [id, workerId, JSON.stringify(error)]);
    else await this.q('fail', [id, workerId, retryInMs, JSON.stringify(error)]);
  }

  async releaseJobs(ids: number[], workerId: string, uncount: boolean, note: AttemptError | null): Promise<void> {
    if (ids.length === 0) return;
    const { rows } = await this.q<QueueRow>('release', [ids, workerId, uncount ? 1 : 0, note ? JSON.stringify(note) : null]);
    await this.notifyQueues(distinctQueues(rows));
  }

  async heartbeat(workerId: string, ids: number[], leaseMs: number): Promise<number[]> {
    if (ids.length === 0) return [];
    return toIds((await this.q<IdRow>('heartbeat', [workerId, leaseMs, ids])).rows);
  }

  async findCancelled(workerId: string, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return toIds((await this.q<IdRow>('find_cancelled', [workerId, ids])).rows);
  }

  async registerWorker(info: { id: string; host: string; pid: number; queues: Record<string, number>; running: number }): Promise<void> {
    await this.q('register_worker', [info.id, info.host, info.pid, JSON.stringify(info.queues), info.running]);
  }

  async deregisterWorker(id: string): Promise<void> {
    await this.q('deregister_worker', [id]);
  }

  async rescueExpired(): Promise<RescuedJob[]> {
    const rescued = (await this.q<RescuedRow>('rescue', [])).rows.map(toRescued);
    await this.notifyQueues(rescued.filter((r) => r.state === 'available').map((r) => r.queue));
    return rescued;
  }

  async promoteDue(): Promise<string[]> {
    const queues = distinctQueues((await this.q<QueueRow>('promote', [])).rows);
    await this.notifyQueues(queues);
    return queues;
  }

  /**
   * Make history's partitions ahead, drop the ones wholly older than `olderThanMs` (whole tables:
   * no DELETE), forget old counters, workers and rate windows. Returns the partitions dropped.
   */
  async prune(olderThanMs: number): Promise<number> {
    await this.ensureHistory();
    const { rows } = await this.q<{ dropped: number }>('history_drop', [olderThanMs]);
    await this.q('prune_meta', []);
    await this.q('prune_rate_windows', []);
    return Number(rows[0]?.dropped ?? 0);
  }

  async notify(queue: string): Promise<void> {
    await this.q('notify', [queue]);
  }

  /** Wake the workers of each of these queues once. */
  private async notifyQueues(queues: Iterable<string>): Promise<void> {
    for (const queue of new Set(queues)) await this.notify(queue);
  }

  /**
   * A dedicated connection for LISTEN (a pooled one would be handed to other queries). When it
   * drops (server restart), reconnect with backoff and wake every queue once: a notification
   * sent while we were away is lost, so workers must look for themselves.
   */
  async listen(onWake: (queue: string) => void, onError: (err: unknown) => void, onState?: (up: boolean) => void): Promise<() => Promise<void>> {
    return listenChannel(this.pg, this.config, `"${this.names.channel}"`, onWake, onError, onState);
  }

  async ping(): Promise<void> {
    await this.q('ping', []);
  }

  async stateCounts(cap: number): Promise<Record<JobState, number>> {
    return stateCounts((await this.q<StateCountRow>('admin_state_counts', [cap])).rows);
  }

  async queueCounts(cap: number): Promise<QueueCounts[]> {
    const [counts, meta] = await Promise.all([this.q<QueueCountRow>('admin_queue_counts', [cap]), this.q<QueueMetaRow>('admin_queue_meta', [])]);
    return mergeQueueCounts(counts.rows, meta.rows);
  }

  async listJobs(req: JobPageRequest): Promise<JobPage> {
    const finished = FINISHED_STATES.includes(req.state);
    return pageJobs(req, {
      page: async (p) => {
        const f = [p.state, p.queue, p.name, p.search];
        const { rows } = p.byRunAt
          ? await this.q<JobRow>('admin_list_by_run_at', [...f, p.afterRunAt, p.afterId, p.limit, p.walk])
          : await this.q<JobRow>(finished ? 'history_list_by_id' : 'admin_list_by_id', [...f, p.afterId, p.limit, p.walk]);
        return rows;
      },
      bound: async (p) => {
        const { rows } = p.byRunAt
          ? await this.q<WalkBoundRow>('admin_walk_bound_by_run_at', [p.state, p.afterRunAt, p.afterId, p.walk])
          : await this.q<WalkBoundRow>(finished ? 'history_walk_bound_by_id' : 'admin_walk_bound_by_id', [p.state, p.afterId, p.walk]);
        return rows[0];
      },
    });
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const { rows } = await this.q<JobRow>('admin_get_job', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async selectJobIds(filter: JobFilter, limit: number): Promise<number[]> {
    const query = FINISHED_STATES.includes(filter.state) ? 'history_select_ids' : 'admin_select_ids';
    return toIds((await this.q<IdRow>(query, [filter.state, filter.queue ?? null, filter.name ?? null, filter.search || null, limit])).rows);
  }

  async retryJobs(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.q<IdRow & QueueRow>('admin_retry', [ids]);
    await this.notifyQueues(distinctQueues(rows));
    return toIds(rows);
  }

  async discardJobs(ids: number[], message: string): Promise<number[]> {
    if (ids.length === 0) return [];
    return toIds((await this.q<IdRow>('admin_discard', [ids, message])).rows);
  }

  async cancelJobs(ids: number[], message: string): Promise<CancelledJob[]> {
    if (ids.length === 0) return [];
    return (await this.q<CancelledRow>('admin_cancel', [ids, message])).rows.map(toCancelled);
  }

  async deleteJobs(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return toIds((await this.q<IdRow>('admin_delete', [ids])).rows);
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<void> {
    await this.q('admin_pause', [queue, paused]);
    if (!paused) await this.notify(queue);
  }

  async listWorkers(aliveWithinMs: number): Promise<WorkerInfo[]> {
    return (await this.q<WorkerRow>('admin_workers', [aliveWithinMs])).rows.map(toWorker);
  }

  async throughput(sinceMs: number): Promise<ThroughputPoint[]> {
    return (await this.q<ThroughputRow>('admin_throughput', [sinceMs])).rows.map(toThroughput);
  }

  async throughputByQueue(sinceMs: number): Promise<{ queue: string; processed: number; failed: number }[]> {
    return (await this.q<QueueThroughputRow>('admin_throughput_by_queue', [sinceMs])).rows.map(toQueueThroughput);
  }

  async registerSchedules(schedules: StoredSchedule[]): Promise<void> {
    for (const sc of schedules) {
      await this.q('schedule_upsert', [sc.name, sc.cron, sc.timezone, sc.job.name, sc.job.queue, sc.job.payload, sc.catchUp]);
    }
  }

  async advanceSchedule(
    sc: StoredSchedule,
    plan: (cursor: Date, now: Date) => { ticks: Date[]; cursor: Date } | null,
  ): Promise<{ id: number; tick: Date }[] | null> {
    const client = await this.pool.connect();
    try {
      await client.query({ text: 'BEGIN' });
      const { rows } = await this.q<{ last_tick: number; paused: boolean; now: number }>('schedule_lock', [sc.name], client);
      const row = rows[0];
      const decided = row && !row.paused ? plan(new Date(row.last_tick), new Date(row.now)) : null;
      if (!decided) {
        await client.query({ text: 'ROLLBACK' });
        return null;
      }
      const made: { id: number; tick: Date }[] = [];
      for (const tick of decided.ticks) {
        const r = await this.q<IdRow>('insert_schedule_job', [
          sc.name, tick.getTime(), sc.job.queue, sc.job.name, sc.job.payload, sc.job.priority, sc.job.maxAttempts, sc.job.timeoutMs, sc.job.rateKey,
        ], client);
        if (r.rows[0]) made.push({ id: Number(r.rows[0].id), tick });
      }
      await this.q('schedule_advance', [sc.name, decided.cursor.getTime(), made.length, made.at(-1)?.tick.getTime() ?? null], client);
      await client.query({ text: 'COMMIT' });
      return made;
    } catch (err) {
      await client.query({ text: 'ROLLBACK' }).catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.q<ScheduleRow>('admin_schedules', [])).rows.map(toSchedule);
  }

  async setSchedulePaused(name: string, paused: boolean): Promise<boolean> {
    return (await this.q('admin_schedule_pause', [name, paused])).rowCount > 0;
  }

  async scheduleJobs(name: string, limit: number): Promise<JobRecord[]> {
    return (await this.q<JobRow>('admin_schedule_jobs', [name, limit])).rows.map(toRecord);
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}

/** PostgreSQL's error for a row no partition accepts (23514, check_violation): a day not made yet. */
function isMissingPartition(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '23514' && /no partition of relation/.test(e.message ?? '');
}

/** The caller's connection, recognised by what it can do: it runs queries and is not a Pool. */
function asClient(tx: unknown): PgClient {
  const c = tx as Partial<PgClient> | null;
  if (c && typeof c.query === 'function' && !('totalCount' in c)) return tx as PgClient;
  throw new ErrandError(
    'ERRAND_BAD_TRANSACTION',
    'with the postgres driver, { tx } must be the pg Client or PoolClient your transaction runs on (not the Pool: a pool runs each query on any connection)',
  );
}
