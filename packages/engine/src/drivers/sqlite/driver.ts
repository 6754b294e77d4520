import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ErrandError } from '../../errors.js';
import type { AttemptError, ClaimedJob, EnqueuedJob, JobRecord, JobState } from '../../types.js';
import { JOB_STATES } from '../../types.js';
import { WALK_LIMIT } from '../driver.js';
import type { Driver, JobFilter, JobPage, JobPageRequest, NewJob, QueueCounts, RescuedJob, ThroughputPoint, WorkerInfo } from '../driver.js';
import { byClaimOrder, isFiltered, matchInserted, mergeQueueCounts, pageOf, pagesByRunAt, parseCursor, toClaimed, toDate, toRecord } from '../rows.js';
import { loadMigrations, loadQueries } from '../sql-files.js';

const QUERIES = [
  'insert_job', 'find_unique', 'claim', 'claim_any', 'complete', 'count_stats', 'fail', 'release', 'heartbeat',
  'register_worker', 'deregister_worker', 'rescue', 'promote', 'prune_jobs', 'prune_stats', 'prune_workers', 'ping',
  'admin_state_counts', 'admin_queue_counts', 'admin_queue_meta', 'admin_list_by_id', 'admin_list_by_run_at',
  'admin_get_job', 'admin_select_ids', 'admin_walk_bound_by_id', 'admin_walk_bound_by_run_at', 'admin_retry', 'admin_discard', 'admin_delete', 'admin_pause',
  'admin_workers', 'admin_throughput', 'admin_throughput_by_queue',
] as const;
type QueryName = (typeof QUERIES)[number];

const SQL = loadQueries('sqlite', QUERIES);
const MINUTE = 60_000;

export interface SqliteDriverOptions {
  /** A file path, or ':memory:' for the memory driver. */
  filename?: string;
  /** An open better-sqlite3 database to share (the app's own connection). Not closed by close(). */
  database?: Database.Database;
  /** How long a statement waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * SQLite through better-sqlite3: WAL (readers never block the writer), synchronous=FULL (a
 * committed job survives power loss), busy_timeout (processes sharing the file wait their turn).
 * better-sqlite3 is synchronous, so every method does its work before returning its promise —
 * which is what lets enqueue join a caller's `db.transaction(() => …)` callback.
 */
export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  readonly capabilities;
  readonly db: Database.Database;
  private readonly owned: boolean;
  private readonly stmts = new WeakMap<Database.Database, Map<QueryName, Database.Statement>>();

  constructor(options: SqliteDriverOptions) {
    const memory = options.filename === ':memory:';
    if (options.database) {
      this.db = options.database;
      this.owned = false;
    } else {
      const filename = options.filename ?? './data/errand.db';
      if (!memory) mkdirSync(dirname(filename), { recursive: true });
      this.db = new Database(filename);
      this.owned = true;
    }
    this.capabilities = { listen: false, multiProcess: !memory, durable: !memory, synchronous: true };
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!memory) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    }
  }

  private stmt(name: QueryName, db: Database.Database = this.db): Database.Statement {
    let byName = this.stmts.get(db);
    if (!byName) this.stmts.set(db, (byName = new Map()));
    let s = byName.get(name);
    if (!s) byName.set(name, (s = db.prepare(SQL[name])));
    return s;
  }

  async migrate(): Promise<string[]> {
    const db = this.db;
    db.exec('CREATE TABLE IF NOT EXISTS errand_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied: string[] = [];
    for (const m of loadMigrations('sqlite')) {
      // One transaction per migration, taken IMMEDIATE: a second process waits, then sees it applied.
      db.transaction(() => {
        if (db.prepare('SELECT 1 FROM errand_migrations WHERE version = ?').get(m.version)) return;
        db.exec(m.sql);
        db.prepare('INSERT INTO errand_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
        applied.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
      }).immediate();
    }
    return applied;
  }

  async insertJobs(jobs: NewJob[], tx?: unknown): Promise<EnqueuedJob[]> {
    return this.insertJobsSync(jobs, tx);
  }

  /** The synchronous insert behind insertJobs: inside a caller's db.transaction() callback it throws synchronously, so the caller's transaction rolls back. */
  insertJobsSync(jobs: NewJob[], tx?: unknown): EnqueuedJob[] {
    const db = tx === undefined ? this.db : asDatabase(tx);
    const insert = this.stmt('insert_job', db);
    const find = this.stmt('find_unique', db);
    const run = () => {
      const now = Date.now();
      const returned: any[] = [];
      const holders = new Map<string, any>();
      for (const j of jobs) {
        const row = insert.get({
          queue: j.queue, name: j.name, payload: j.payload, priority: j.priority,
          run_at: j.runAt ? j.runAt.getTime() : now, now, max_attempts: j.maxAttempts,
          timeout_ms: j.timeoutMs, unique_key: j.uniqueKey,
        });
        if (row) returned.push(row);
        else if (j.uniqueKey !== null) holders.set(j.uniqueKey, find.get({ unique_key: j.uniqueKey }));
      }
      return matchInserted(jobs, returned, holders);
    };
    // Inside the caller's transaction, join it; otherwise one transaction (one fsync) for the batch.
    return db.inTransaction || jobs.length === 1 ? run() : db.transaction(run).immediate();
  }

  async claimJobs(queue: string | null, limit: number, workerId: string, leaseMs: number): Promise<ClaimedJob[]> {
    const stmt = this.stmt(queue === null ? 'claim_any' : 'claim');
    const now = Date.now();
    const rows = this.db.transaction(() => stmt.all({ queue, limit, worker: workerId, now, lease_ms: leaseMs })).immediate();
    return rows.map(toClaimed).sort(byClaimOrder);
  }

  async completeJobs(ids: number[], workerId: string): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      const rows = this.stmt('complete').all({ ids: JSON.stringify(ids), worker: workerId, now }) as { queue: string }[];
      this.countStats(rows, now, workerId, 'processed');
    }).immediate();
  }

  private countStats(rows: { queue: string }[], now: number, workerId: string, field: 'processed' | 'failed') {
    const byQueue = new Map<string, number>();
    for (const r of rows) byQueue.set(r.queue, (byQueue.get(r.queue) ?? 0) + 1);
    const minute = now - (now % MINUTE);
    for (const [queue, n] of byQueue) {
      this.stmt('count_stats').run({ minute, queue, worker: workerId, processed: field === 'processed' ? n : 0, failed: field === 'failed' ? n : 0 });
    }
  }

  async failJob(id: number, workerId: string, next: 'retryable' | 'dead', retryInMs: number, error: AttemptError): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      const rows = this.stmt('fail').all({ id, worker: workerId, state: next, run_at: now + retryInMs, now, error: JSON.stringify(error) }) as { queue: string }[];
      this.countStats(rows, now, workerId, 'failed');
    }).immediate();
  }

  async releaseJobs(ids: number[], workerId: string, uncount: boolean, note: AttemptError | null): Promise<void> {
    if (ids.length === 0) return;
    this.stmt('release').run({ ids: JSON.stringify(ids), worker: workerId, uncount: uncount ? 1 : 0, note: note ? JSON.stringify(note) : null, now: Date.now() });
  }

  async heartbeat(workerId: string, ids: number[], leaseMs: number): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = this.stmt('heartbeat').all({ ids: JSON.stringify(ids), worker: workerId, lease_ms: leaseMs, now: Date.now() }) as { id: number }[];
    return rows.map((r) => Number(r.id));
  }

  async registerWorker(info: { id: string; host: string; pid: number; queues: Record<string, number>; running: number }): Promise<void> {
    this.stmt('register_worker').run({ ...info, queues: JSON.stringify(info.queues), now: Date.now() });
  }

  async deregisterWorker(id: string): Promise<void> {
    this.stmt('deregister_worker').run({ id });
  }

  async rescueExpired(): Promise<RescuedJob[]> {
    const rows = this.stmt('rescue').all({ now: Date.now() }) as any[];
    return rows.map((r) => ({ id: Number(r.id), queue: r.queue, name: r.name, state: r.state, lockedBy: r.locked_by }));
  }

  async promoteDue(): Promise<string[]> {
    const rows = this.stmt('promote').all({ now: Date.now() }) as { queue: string }[];
    return [...new Set(rows.map((r) => r.queue))];
  }

  async prune(olderThanMs: number): Promise<number> {
    const now = Date.now();
    let total = 0;
    for (;;) {
      const { changes } = this.stmt('prune_jobs').run({ before: now - olderThanMs, limit: 5000 });
      total += changes;
      if (changes < 5000) break;
    }
    this.stmt('prune_stats').run({ before: now - 2 * 24 * 3600_000 });
    this.stmt('prune_workers').run({ before: now - 10 * MINUTE });
    return total;
  }

  async notify(): Promise<void> {}

  async listen(): Promise<() => Promise<void>> {
    throw new Error('the sqlite driver has no LISTEN/NOTIFY; workers poll');
  }

  async ping(): Promise<void> {
    this.stmt('ping').get();
  }

  async stateCounts(cap: number): Promise<Record<JobState, number>> {
    const rows = this.stmt('admin_state_counts').all({ cap }) as { state: JobState; n: number }[];
    const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of rows) out[r.state] = Number(r.n);
    return out;
  }

  async queueCounts(cap: number): Promise<QueueCounts[]> {
    const now = Date.now();
    const counts = this.stmt('admin_queue_counts').all({ now, cap }) as any[];
    const meta = this.stmt('admin_queue_meta').all({ since: now - MINUTE }) as any[];
    return mergeQueueCounts(counts, meta);
  }

  async listJobs(req: JobPageRequest): Promise<JobPage> {
    const c = parseCursor(req);
    const filtered = isFiltered(req);
    const base = { state: req.state, queue: req.queue ?? null, name: req.name ?? null, search: req.search || null, limit: req.limit };
    const walk = filtered ? WALK_LIMIT : req.limit;
    const byRunAt = pagesByRunAt(req.state);
    const rows = byRunAt
      ? this.stmt('admin_list_by_run_at').all({ ...base, walk, after_run_at: c.runAt, after_id: c.id })
      : this.stmt('admin_list_by_id').all({ ...base, walk, before_id: c.id });
    let bound = null;
    if (filtered && rows.length < req.limit) {
      bound = byRunAt
        ? this.stmt('admin_walk_bound_by_run_at').get({ state: req.state, walk, after_run_at: c.runAt, after_id: c.id })
        : this.stmt('admin_walk_bound_by_id').get({ state: req.state, walk, before_id: c.id });
    }
    return pageOf(rows, req, bound as any, walk);
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const row = this.stmt('admin_get_job').get({ id });
    return row ? toRecord(row) : null;
  }

  async selectJobIds(filter: JobFilter, limit: number): Promise<number[]> {
    const rows = this.stmt('admin_select_ids').all({
      state: filter.state, queue: filter.queue ?? null, name: filter.name ?? null, search: filter.search || null, limit,
    }) as { id: number }[];
    return rows.map((r) => Number(r.id));
  }

  async retryJobs(ids: number[]): Promise<number[]> {
    return ids.length ? (this.stmt('admin_retry').all({ ids: JSON.stringify(ids), now: Date.now() }) as any[]).map((r) => Number(r.id)) : [];
  }

  async discardJobs(ids: number[], message: string): Promise<number[]> {
    return ids.length ? (this.stmt('admin_discard').all({ ids: JSON.stringify(ids), now: Date.now(), message }) as any[]).map((r) => Number(r.id)) : [];
  }

  async deleteJobs(ids: number[]): Promise<number[]> {
    return ids.length ? (this.stmt('admin_delete').all({ ids: JSON.stringify(ids) }) as any[]).map((r) => Number(r.id)) : [];
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<void> {
    this.stmt('admin_pause').run({ name: queue, paused: paused ? 1 : 0, now: Date.now() });
  }

  async listWorkers(aliveWithinMs: number): Promise<WorkerInfo[]> {
    const rows = this.stmt('admin_workers').all({ since: Date.now() - aliveWithinMs }) as any[];
    return rows.map((r) => ({
      id: r.id, host: r.host, pid: r.pid, queues: JSON.parse(r.queues), startedAt: toDate(r.started_at),
      lastHeartbeat: toDate(r.last_heartbeat), running: r.running,
    }));
  }

  async throughput(sinceMs: number): Promise<ThroughputPoint[]> {
    const since = Date.now() - sinceMs;
    const rows = this.stmt('admin_throughput').all({ since: since - (since % MINUTE) }) as any[];
    return rows.map((r) => ({ minute: toDate(r.minute), processed: Number(r.processed), failed: Number(r.failed) }));
  }

  async throughputByQueue(sinceMs: number): Promise<{ queue: string; processed: number; failed: number }[]> {
    const since = Date.now() - sinceMs;
    const rows = this.stmt('admin_throughput_by_queue').all({ since: since - (since % MINUTE) }) as any[];
    return rows.map((r) => ({ queue: r.queue, processed: Number(r.processed), failed: Number(r.failed) }));
  }

  async close(): Promise<void> {
    if (this.owned && this.db.open) this.db.close();
  }
}

function asDatabase(tx: unknown): Database.Database {
  if (tx instanceof Database) return tx;
  if (tx && typeof (tx as any).prepare === 'function' && 'inTransaction' in (tx as object)) return tx as Database.Database;
  throw new ErrandError('ERRAND_BAD_TRANSACTION', 'with the sqlite driver, { tx } must be the better-sqlite3 Database your transaction runs on');
}

