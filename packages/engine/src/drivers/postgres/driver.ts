import pg from 'pg';
import { ErrandError } from '../../errors.js';
import type { AttemptError, ClaimedJob, EnqueuedJob, JobRecord, JobState } from '../../types.js';
import { JOB_STATES } from '../../types.js';
import { WALK_LIMIT } from '../driver.js';
import type { Driver, JobFilter, JobPage, JobPageRequest, NewJob, QueueCounts, RescuedJob, ThroughputPoint, WorkerInfo } from '../driver.js';
import { byClaimOrder, isFiltered, matchInserted, mergeQueueCounts, pageOf, pagesByRunAt, parseCursor, toClaimed, toDate, toRecord } from '../rows.js';
import { loadMigrations, loadQueries } from '../sql-files.js';

const QUERIES = [
  'insert_jobs', 'find_unique', 'claim', 'claim_any', 'complete', 'fail', 'release', 'heartbeat', 'register_worker',
  'deregister_worker', 'rescue', 'promote', 'notify', 'prune_jobs', 'prune_meta', 'ping',
  'admin_state_counts', 'admin_queue_counts', 'admin_queue_meta', 'admin_list_by_id', 'admin_list_by_run_at',
  'admin_get_job', 'admin_select_ids', 'admin_walk_bound_by_id', 'admin_walk_bound_by_run_at', 'admin_retry', 'admin_discard', 'admin_delete', 'admin_pause',
  'admin_workers', 'admin_throughput', 'admin_throughput_by_queue',
] as const;
const SQL = loadQueries('postgres', QUERIES);
const CHANNEL = 'errand_jobs';
const MIGRATION_LOCK = 7_245_901_113; // pg_advisory_lock key: "errand migrations"

export interface PostgresDriverOptions {
  connectionString?: string;
  /** Share the app's pool (not ended by close()). */
  pool?: pg.Pool;
  /** Pool size when Errand makes its own. Default 10. */
  max?: number;
  /** Called when an idle pooled connection fails (a server restart); the pool replaces it. */
  onError?: (err: unknown) => void;
  /**
   * Run each query as a named prepared statement, parsed and planned once per connection.
   * Default true: it halves a claim's round trip. False for a pooler that cannot keep prepared
   * statements (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult<any>>;
}

/**
 * json and jsonb come back as text, parsed by the shared row converters exactly as SQLite's are
 * (pg's default parser would decode them, and a top-level string payload would then be decoded
 * twice). Every other type keeps pg's parser.
 */
const JSON_OIDS = new Set([114, 3802]);
const JSON_AS_TEXT = {
  getTypeParser: (oid: number, format?: string) =>
    JSON_OIDS.has(oid) ? (v: string) => v : pg.types.getTypeParser(oid, (format ?? 'text') as 'text'),
};

/**
 * PostgreSQL through `pg`: claims with FOR UPDATE SKIP LOCKED, wake-ups by LISTEN/NOTIFY on a
 * dedicated connection, migrations under an advisory lock. Every hot-path call is one round trip.
 */
export class PostgresDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly capabilities = { listen: true, multiProcess: true, durable: true, synchronous: false };
  readonly pool: pg.Pool;
  private readonly owned: boolean;
  private readonly config: pg.ClientConfig;
  private readonly prepared: boolean;

  constructor(options: PostgresDriverOptions) {
    this.prepared = options.preparedStatements ?? true;
    if (options.pool) {
      this.pool = options.pool;
      this.owned = false;
      this.config = (options.pool as any).options ?? {};
    } else {
      this.config = { connectionString: options.connectionString };
      this.pool = new pg.Pool({ ...this.config, max: options.max ?? 10 });
      this.owned = true;
    }
    // Without a listener, an idle client's error (server restart) would crash the process.
    this.pool.on('error', (err) => options.onError?.(err));
  }

  private q(name: (typeof QUERIES)[number], values: unknown[], db: Queryable = this.pool) {
    return db.query({ name: this.prepared ? `errand_${name}` : undefined, text: SQL[name], values, types: JSON_AS_TEXT } as any);
  }

  async migrate(): Promise<string[]> {
    const client = await this.pool.connect();
    const applied: string[] = [];
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS errand_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set((await client.query('SELECT version FROM errand_migrations')).rows.map((r) => r.version));
      for (const m of loadMigrations('postgres')) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO errand_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
    return applied;
  }

  async insertJobs(jobs: NewJob[], tx?: unknown): Promise<EnqueuedJob[]> {
    const db = tx === undefined ? this.pool : asQueryable(tx);
    const cols: unknown[][] = [[], [], [], [], [], [], [], []];
    for (const j of jobs) {
      cols[0].push(j.queue);
      cols[1].push(j.name);
      cols[2].push(j.payload);
      cols[3].push(j.priority);
      cols[4].push(j.runAt);
      cols[5].push(j.maxAttempts);
      cols[6].push(j.timeoutMs);
      cols[7].push(j.uniqueKey);
    }
    const { rows } = await this.q('insert_jobs', cols, db);
    const holders = new Map<string, any>();
    if (rows.length < jobs.length) {
      const keys = jobs.map((j) => j.uniqueKey).filter((k): k is string => k !== null);
      for (const h of (await this.q('find_unique', [keys], db)).rows) holders.set(h.unique_key, h);
    }
    return matchInserted(jobs, rows, holders);
  }

  async claimJobs(queue: string | null, limit: number, workerId: string, leaseMs: number): Promise<ClaimedJob[]> {
    const { rows } =
      queue === null
        ? await this.q('claim_any', [limit, workerId, leaseMs])
        : await this.q('claim', [queue, limit, workerId, leaseMs]);
    return rows.map(toClaimed).sort(byClaimOrder);
  }

  async completeJobs(ids: number[], workerId: string): Promise<void> {
    await this.q('complete', [ids, workerId]);
  }

  async failJob(id: number, workerId: string, next: 'retryable' | 'dead', retryInMs: number, error: AttemptError): Promise<void> {
    await this.q('fail', [id, workerId, next, retryInMs, JSON.stringify(error)]);
  }

  async releaseJobs(ids: number[], workerId: string, uncount: boolean, note: AttemptError | null): Promise<void> {
    if (ids.length === 0) return;
    const { rows } = await this.q('release', [ids, workerId, uncount ? 1 : 0, note ? JSON.stringify(note) : null]);
    await this.notifyQueues(rows.map((r) => r.queue as string));
  }

  async heartbeat(workerId: string, ids: number[], leaseMs: number): Promise<number[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.q('heartbeat', [workerId, leaseMs, ids]);
    return rows.map((r) => Number(r.id));
  }

  async registerWorker(info: { id: string; host: string; pid: number; queues: Record<string, number>; running: number }): Promise<void> {
    await this.q('register_worker', [info.id, info.host, info.pid, JSON.stringify(info.queues), info.running]);
  }

  async deregisterWorker(id: string): Promise<void> {
    await this.q('deregister_worker', [id]);
  }

  async rescueExpired(): Promise<RescuedJob[]> {
    const { rows } = await this.q('rescue', []);
    const rescued = rows.map((r) => ({ id: Number(r.id), queue: r.queue, name: r.name, state: r.state, lockedBy: r.locked_by }));
    await this.notifyQueues(rescued.filter((r) => r.state === 'available').map((r) => r.queue));
    return rescued;
  }

  async promoteDue(): Promise<string[]> {
    const { rows } = await this.q('promote', []);
    const queues = [...new Set(rows.map((r) => r.queue as string))];
    await this.notifyQueues(queues);
    return queues;
  }

  async prune(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.q('prune_jobs', [olderThanMs, 5000]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < 5000) break;
    }
    await this.q('prune_meta', []);
    return total;
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
    let client: pg.Client | null = null;
    let stopped = false;
    let delay = 100;
    const connect = async (): Promise<void> => {
      if (stopped) return;
      const c = new pg.Client(this.config);
      c.on('notification', (msg) => onWake(msg.payload ?? ''));
      c.on('error', (err) => {
        onError(err);
        reconnect(c);
      });
      c.on('end', () => reconnect(c));
      try {
        await c.connect();
        await c.query(`LISTEN ${CHANNEL}`);
        client = c;
        delay = 100;
        onState?.(true);
        onWake('*');
      } catch (err) {
        onError(err);
        c.end().catch(() => {});
        if (!stopped) setTimeout(connect, (delay = Math.min(delay * 2, 5000))).unref();
      }
    };
    const reconnect = (c: pg.Client) => {
      if (client !== c || stopped) return;
      client = null;
      onState?.(false);
      c.end().catch(() => {});
      setTimeout(connect, delay).unref();
    };
    await connect();
    return async () => {
      stopped = true;
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    };
  }

  async ping(): Promise<void> {
    await this.q('ping', []);
  }

  async stateCounts(cap: number): Promise<Record<JobState, number>> {
    const { rows } = await this.q('admin_state_counts', [cap]);
    const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of rows) out[r.state as JobState] = Number(r.n);
    return out;
  }

  async queueCounts(cap: number): Promise<QueueCounts[]> {
    const [counts, meta] = await Promise.all([this.q('admin_queue_counts', [cap]), this.q('admin_queue_meta', [])]);
    return mergeQueueCounts(counts.rows, meta.rows);
  }

  async listJobs(req: JobPageRequest): Promise<JobPage> {
    const c = parseCursor(req);
    const filtered = isFiltered(req);
    const walk = filtered ? WALK_LIMIT : req.limit;
    const f = [req.state, req.queue ?? null, req.name ?? null, req.search || null];
    const byRunAt = pagesByRunAt(req.state);
    const { rows } = byRunAt
      ? await this.q('admin_list_by_run_at', [...f, c.runAt, c.id, req.limit, walk])
      : await this.q('admin_list_by_id', [...f, c.id, req.limit, walk]);
    let bound = null;
    if (filtered && rows.length < req.limit) {
      const b = byRunAt
        ? await this.q('admin_walk_bound_by_run_at', [req.state, c.runAt, c.id, walk])
        : await this.q('admin_walk_bound_by_id', [req.state, c.id, walk]);
      bound = b.rows[0];
    }
    return pageOf(rows, req, bound, walk);
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const { rows } = await this.q('admin_get_job', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async selectJobIds(filter: JobFilter, limit: number): Promise<number[]> {
    const { rows } = await this.q('admin_select_ids', [filter.state, filter.queue ?? null, filter.name ?? null, filter.search || null, limit]);
    return rows.map((r) => Number(r.id));
  }

  async retryJobs(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.q('admin_retry', [ids]);
    await this.notifyQueues(rows.map((r) => r.queue as string));
    return rows.map((r) => Number(r.id));
  }

  async discardJobs(ids: number[], message: string): Promise<number[]> {
    if (ids.length === 0) return [];
    return (await this.q('admin_discard', [ids, message])).rows.map((r) => Number(r.id));
  }

  async deleteJobs(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return (await this.q('admin_delete', [ids])).rows.map((r) => Number(r.id));
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<void> {
    await this.q('admin_pause', [queue, paused]);
    if (!paused) await this.notify(queue);
  }

  async listWorkers(aliveWithinMs: number): Promise<WorkerInfo[]> {
    const { rows } = await this.q('admin_workers', [aliveWithinMs]);
    return rows.map((r) => ({
      id: r.id, host: r.host, pid: r.pid, queues: JSON.parse(r.queues), startedAt: toDate(r.started_at),
      lastHeartbeat: toDate(r.last_heartbeat), running: r.running,
    }));
  }

  async throughput(sinceMs: number): Promise<ThroughputPoint[]> {
    const { rows } = await this.q('admin_throughput', [sinceMs]);
    return rows.map((r) => ({ minute: toDate(r.minute), processed: Number(r.processed), failed: Number(r.failed) }));
  }

  async throughputByQueue(sinceMs: number): Promise<{ queue: string; processed: number; failed: number }[]> {
    const { rows } = await this.q('admin_throughput_by_queue', [sinceMs]);
    return rows.map((r) => ({ queue: r.queue, processed: Number(r.processed), failed: Number(r.failed) }));
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}

function asQueryable(tx: unknown): Queryable {
  if (tx && typeof (tx as Queryable).query === 'function' && !(tx instanceof pg.Pool)) return tx as Queryable;
  throw new ErrandError(
    'ERRAND_BAD_TRANSACTION',
    'with the postgres driver, { tx } must be the pg Client or PoolClient your transaction runs on (not the Pool: a pool runs each query on any connection)',
  );
}
