import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Admin } from './admin.js';
import { DEFAULT_MAX_ATTEMPTS } from './backoff.js';
import { type DelayOptions, type Delayed, delayJob, makeDelayProxy } from './delay.js';
import type { PgClient, PgPool, SqliteDatabase, Transaction } from './drivers/connections.js';
import type { Driver, NewJob, RelayedJob } from './drivers/driver.js';
import { type ClientLoader, openDriver } from './drivers/open.js';
import { ErrandError } from './errors.js';
import { ErrandEmitter, type ErrandEventName, type ErrandEvents } from './events.js';
import type { JobDefinition, JobRequest } from './job.js';
import { defaultLogger, logEvents } from './logger.js';
import { type OutboxOption, openOutbox } from './outbox/open.js';
import { IdPool, OutboxRelay, relayTarget } from './outbox/relay.js';
import type { OutboxStore } from './outbox/store.js';
import { defineSchedule, type ScheduleDefinition, type ScheduleInput } from './schedules/schedule.js';
import { assertJsonPayload, textProblem } from './payload.js';
import { checkRateKey, type RateLimitOptions, toStoredRateLimits } from './rate-limits.js';
import { type EnqueuedJob, type EnqueueOptions, FINISHED_STATES, type JobRecord } from './types.js';
import { loadOtel, type OtelLoader, Tracing } from './tracing.js';
import { redact } from './url.js';
import { DEFAULT_MAX_RESULT_BYTES, DEFAULT_PROGRESS_THROTTLE_MS, type ExecuteDeps, executeJob } from './worker/execute.js';
import { Worker, type WorkerOptions } from './worker/worker.js';

const MAX_INT32 = 2 ** 31 - 1;
/** How long inline mode waits for a caller's transaction to end before running what it enqueued. */
const INLINE_TX_WAIT_MS = 10_000;

export interface ErrandOptions {
  /** `sqlite:./data/app.db` (default), `postgres://…`, or `memory:`. Ignored when `sqlite` or `pgPool` is given. */
  databaseUrl?: string;
  /** Share your app's SQLite connection, a `Database` (same file; one connection per process is best). */
  sqlite?: SqliteDatabase;
  /** Share your app's pg Pool. */
  pgPool?: PgPool;
  /**
   * PostgreSQL: run queries as named prepared statements (planned once per connection). Default
   * true; false behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
  /**
   * PostgreSQL: the schema the jobs tables live in (created by the migrations if missing), also
   * `?schema=` in the URL (both: they must agree). Default: where today's installs have them —
   * unqualified names, through the connection's search_path. Two installs in two schemas of one
   * database share nothing: jobs, wake-ups, migrations and prepared statements are per schema.
   */
  schema?: string;
  /** The job definitions this process can run (enqueue works for any name). */
  jobs?: JobDefinition<any>[];
  /** Apply pending migrations at connect. Default true. */
  migrate?: boolean;
  /** A pino logger. Default: JSON lines to stdout at ERRAND_LOG_LEVEL (info). */
  logger?: Logger;
  /**
   * 'inline': every enqueue runs its jobs at once (for tests and scripts; like Oban's inline
   * testing mode): `enqueue`/`enqueueMany` before they resolve; `enqueueSync`/`enqueueManySync`,
   * and any enqueue inside your transaction (`tx`), as soon as that transaction has ended.
   * `drain()` and `close()` wait for those. Default 'normal'.
   */
  mode?: 'normal' | 'inline';
  /**
   * The largest handler result stored, in bytes of JSON (default 65,536). A handler returning
   * more fails its job (dead, ERRAND_BAD_RESULT): store large output elsewhere, return a reference.
   */
  maxResultBytes?: number;
  /** Least time between two progress writes of one job, in ms (default 1,000). */
  progressThrottleMs?: number;
  /**
   * Cron schedules (`defineSchedule(…)` results, or their inputs): every worker of this client
   * with maintenance on makes their ticks' jobs, one job per tick across all processes. Their
   * jobs are registered as if given in `jobs`.
   */
  schedules?: (ScheduleDefinition<any> | ScheduleInput<any>)[];
  /**
   * Transactional enqueue when the jobs live elsewhere (Redis): your app's better-sqlite3
   * Database, its pg Pool, or a `sqlite:`/`postgres://` URL of it. `enqueue(…, { tx })` (and
   * `enqueueSync` on SQLite) then writes the job to an `errand_outbox` table in your transaction;
   * every worker of this client relays committed rows to the jobs database, each exactly once.
   */
  outbox?: OutboxOption;
  /**
   * OpenTelemetry spans for enqueues and attempts, when `@opentelemetry/api` is installed (an
   * optional peer dependency; the app registers the SDK). Default true; false turns them off.
   */
  tracing?: boolean;
  /**
   * Rate limits per queue, shared by every process through the database: queue name →
   * `{ limit, intervalMs, perKey? }` (at most `limit` job starts per `intervalMs`, per job key
   * when `perKey`). Stored at connect; the last declaration wins, and every worker on the
   * database enforces the stored limit whether it declared one or not (remove one with
   * `admin.removeRateLimit(queue)`). A job held back waits without using an attempt.
   */
  rateLimits?: Record<string, RateLimitOptions>;
}

/** @internal For tests: load the database client packages another way. */
export interface InternalErrandOptions extends ErrandOptions {
  loadClient?: ClientLoader;
  loadOtel?: OtelLoader;
}

/** Enqueue options, and the transaction to enqueue in (`Tx`: the connection type of the driver). */
export type EnqueueInTxOptions<Tx = Transaction> = EnqueueOptions & { tx?: Tx };

export interface DrainResult {
  id: number;
  name: string;
  queue: string;
  attempt: number;
  outcome: 'completed' | 'retryable' | 'dead';
  error?: string;
}

/**
 * Connect to a database and get an Errand client: enqueue jobs, run workers, administer. The
 * client's `tx` type follows the connection: with `sqlite`, that SQLite `Database`; with
 * `pgPool`, a pg PoolClient or Client; with a URL, either.
 */
export function createErrand(options: ErrandOptions & { sqlite: SqliteDatabase }): Promise<Errand<SqliteDatabase>>;
export function createErrand(options: ErrandOptions & { pgPool: PgPool }): Promise<Errand<PgClient>>;
export function createErrand(options?: ErrandOptions): Promise<Errand>;
export async function createErrand(options: ErrandOptions = {}): Promise<Errand> {
  const logger = options.logger ?? defaultLogger();
  const rateLimits = toStoredRateLimits(options.rateLimits);
  const driver = await openDriver({ ...options, logger, load: (options as InternalErrandOptions).loadClient });
  let outbox: OutboxStore | undefined;
  try {
    if (options.outbox !== undefined) {
      relayTarget(driver); // refuses a driver that cannot take relayed jobs, before opening anything
      outbox = await openOutbox(options.outbox, logger, (options as InternalErrandOptions).loadClient);
    }
    if (options.migrate !== false) {
      try {
        await driver.migrate();
        await outbox?.migrate();
      } catch (err) {
        const where = options.databaseUrl ? ` at ${redact(options.databaseUrl)}` : '';
        throw new ErrandError('ERRAND_MIGRATION_FAILED', `errand: cannot migrate the database${where}: ${(err as Error).message}`, { cause: err });
      }
    }
    const otel = options.tracing === false ? null : await loadOtel((options as InternalErrandOptions).loadOtel);
    const errand = new Errand(driver, options, logger, outbox, otel ? new Tracing(otel) : null);
    if (rateLimits.length) await driver.declareRateLimits(rateLimits);
    await errand['ids']?.fill();
    return errand;
  } catch (err) {
    await outbox?.close().catch(() => {});
    await driver.close().catch(() => {});
    throw err;
  }
}

/** The driver behind a client: for the engine's own tests and tools, not part of the public API. */
export function driverOf(errand: Errand<any>): Driver {
  return errand['driver'];
}

export class Errand<Tx extends Transaction = Transaction> {
  readonly events = new ErrandEmitter();
  readonly admin: Admin;
  readonly logger: Logger;
  private readonly registry = new Map<string, JobDefinition<any>>();
  private readonly localWake = new EventEmitter();
  private readonly workers = new Set<Worker>();
  private closed = false;
  private readonly mode: 'normal' | 'inline';
  /** Inline runs waiting for a caller's transaction to end, or running. */
  private readonly inlineRuns = new Set<Promise<void>>();
  private readonly maxResultBytes: number;
  /** The schedules this client's workers run. */
  readonly schedules: readonly ScheduleDefinition<any>[];
  private readonly progressThrottleMs: number;
  /** With an outbox: the job ids reserved ahead, and the relay every worker of this client runs. */
  private readonly ids: IdPool | null = null;
  private relay: OutboxRelay | null = null;

  /** Use createErrand. */
  constructor(
    private readonly driver: Driver,
    options: ErrandOptions,
    logger: Logger,
    private readonly outbox?: OutboxStore,
    /** OpenTelemetry, when its API is installed; null: nothing traced, nothing extra run. */
    private readonly tracing: Tracing | null = null,
  ) {
    this.logger = logger;
    if (outbox) this.ids = new IdPool(relayTarget(driver).reserveIds, this.events);
    this.mode = options.mode ?? 'normal';
    this.maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    if (!Number.isInteger(this.maxResultBytes) || this.maxResultBytes < 1) {
      throw new ErrandError('ERRAND_BAD_OPTION', `maxResultBytes must be a positive whole number of bytes, got ${options.maxResultBytes}`);
    }
    this.progressThrottleMs = options.progressThrottleMs ?? DEFAULT_PROGRESS_THROTTLE_MS;
    if (!Number.isFinite(this.progressThrottleMs) || this.progressThrottleMs < 0) {
      throw new ErrandError('ERRAND_BAD_OPTION', `progressThrottleMs must be a number of milliseconds ≥ 0, got ${options.progressThrottleMs}`);
    }
    this.localWake.setMaxListeners(1000);
    for (const job of options.jobs ?? []) this.register(job);
    this.schedules = (options.schedules ?? []).map((s) => defineSchedule(s));
    const names = new Set<string>();
    for (const s of this.schedules) {
      if (names.has(s.name)) throw new ErrandError('ERRAND_BAD_OPTION', `two schedules are named ${s.name}`);
      names.add(s.name);
      if (this.registry.get(s.job.name) !== s.job) this.register(s.job);
    }
    this.register(delayJob as JobDefinition<any>);
    this.admin = new Admin(driver, this.events);
    logEvents(this.events, logger);
  }

  /** PostgreSQL: the schema this client's tables live in (the `schema` option or `?schema=`); null for the default place. */
  get schema(): string | null {
    return this.driver.schema ?? null;
  }

  /** Add a job definition this process can run. */
  register(job: JobDefinition<any>): this {
    const known = this.registry.get(job.name);
    if (known && known !== job) throw new ErrandError('ERRAND_BAD_OPTION', `two different job definitions are named ${job.name}`);
    this.registry.set(job.name, job);
    return this;
  }

  /** The registered job definitions, by name. */
  get jobs(): ReadonlyMap<string, JobDefinition<any>> {
    return this.registry;
  }

  on<E extends ErrandEventName>(event: E, listener: (payload: ErrandEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** Apply pending migrations now (createErrand does it at connect unless `migrate: false`); returns the files applied. */
  async migrate(): Promise<string[]> {
    this.assertOpen();
    return this.driver.migrate();
  }

  /**
   * Enqueue one job. With `{ tx }`, inside your own open transaction (SQLite: the `Database`,
   * inside `db.transaction(() => …)`, where the insert runs synchronously;
   * PostgreSQL: the pg Client/PoolClient between BEGIN and COMMIT): the job exists exactly when
   * your rows commit.
   */
  async enqueue<P>(job: JobDefinition<P>, payload: P, options: EnqueueInTxOptions<Tx> = {}): Promise<EnqueuedJob> {
    const { tx, ...opts } = options;
    const [one] = await this.enqueueMany([{ job, payload, options: opts }], { tx });
    return one;
  }

  /** Enqueue many jobs in one round trip (one statement on PostgreSQL, one transaction on SQLite). */
  async enqueueMany(requests: JobRequest<any>[], options: { tx?: Tx } = {}): Promise<EnqueuedJob[]> {
    this.assertOpen();
    if (requests.length === 0) return [];
    const rows = toNewJobs(requests);
    const { tx } = options;
    const outbox = tx !== undefined ? this.outbox : undefined;
    if (tx !== undefined && !outbox) this.assertTransactional();
    const span = this.tracing?.startEnqueue(rows);
    let inserted: EnqueuedJob[];
    try {
      if (outbox) {
        const jobs = withIds(rows, await this.ids!.take(rows.length));
        await outbox.write(jobs, tx);
        inserted = this.afterOutbox(jobs, tx!);
      } else inserted = await this.driver.insertJobs(rows, tx);
    } catch (err) {
      span?.fail(err);
      throw err;
    }
    span?.end(inserted);
    if (outbox) return inserted;
    this.afterInsert(inserted, tx !== undefined);
    if (this.mode === 'inline') {
      if (tx === undefined) await this.runDue();
      else this.runInlineAfter(tx, inserted);
    }
    return inserted;
  }

  /**
   * SQLite and memory only: enqueue synchronously, for use inside your own
   * `db.transaction(() => { …; errand.enqueueSync(job, payload, { tx: db }); })()`. A bad payload
   * or option throws right there, so your transaction rolls back with no half-written rows.
   */
  enqueueSync<P>(job: JobDefinition<P>, payload: P, options: EnqueueInTxOptions<Tx> = {}): EnqueuedJob {
    const { tx, ...opts } = options;
    return this.enqueueManySync([{ job, payload, options: opts }], { tx })[0];
  }

  enqueueManySync(requests: JobRequest<any>[], options: { tx?: Tx } = {}): EnqueuedJob[] {
    this.assertOpen();
    const outbox = options.tx !== undefined ? this.outbox : undefined;
    if (outbox?.writeSync) {
      if (requests.length === 0) return [];
      const rows = toNewJobs(requests);
      const span = this.tracing?.startEnqueue(rows);
      try {
        const jobs = withIds(rows, this.ids!.takeSync(rows.length));
        outbox.writeSync(jobs, options.tx);
        const out = this.afterOutbox(jobs, options.tx!);
        span?.end(out);
        return out;
      } catch (err) {
        span?.fail(err);
        throw err;
      }
    }
    const driver = this.driver;
    if (!driver.insertJobsSync) {
      throw new ErrandError(
        'ERRAND_NOT_SUPPORTED',
        `enqueueSync needs a driver with a synchronous insert (sqlite, memory); with ${driver.dialect} use await enqueue(job, payload${driver.capabilities.transactional ? ', { tx: client }' : ''})`,
      );
    }
    if (requests.length === 0) return [];
    const rows = toNewJobs(requests);
    const { tx } = options;
    if (tx !== undefined) this.assertTransactional();
    const span = this.tracing?.startEnqueue(rows);
    let inserted: EnqueuedJob[];
    try {
      inserted = driver.insertJobsSync(rows, tx);
    } catch (err) {
      span?.fail(err);
      throw err;
    }
    span?.end(inserted);
    this.afterInsert(inserted, tx !== undefined);
    // Handlers are asynchronous: they run once the caller's synchronous code (its transaction) is done.
    if (this.mode === 'inline') this.runInlineAfter(tx, inserted);
    return inserted;
  }

  /**
   * Jobs written to the outbox in the caller's transaction: what enqueue returns for them (their
   * reserved ids; `inserted`: written — a unique key is only checked when the relay inserts), and
   * inline mode's run once the transaction has ended and the relay has moved them.
   */
  private afterOutbox(jobs: RelayedJob[], tx: Tx): EnqueuedJob[] {
    const now = new Date();
    const out = jobs.map((j): EnqueuedJob => {
      const runAt = j.runAt ?? now;
      return { id: j.id, queue: j.queue, name: j.name, state: runAt > now ? 'scheduled' : 'available', priority: j.priority, runAt, maxAttempts: j.maxAttempts, uniqueKey: j.uniqueKey, createdAt: now, inserted: true };
    });
    if (this.events.listenerCount('job:enqueued') > 0) {
      this.events.emit('job:enqueued', { jobs: out.map((j) => ({ id: j.id, name: j.name, queue: j.queue, inserted: true })) });
    }
    if (this.mode === 'inline') this.runInlineAfter(tx, out, { inTransaction: (t) => this.outbox!.inTransaction(t), beforeRun: () => this.relayNow() });
    return out;
  }

  /** One relay pass now (inline mode, tests): committed outbox rows become jobs. */
  private async relayNow(): Promise<void> {
    if (!this.outbox) return;
    await (this.relay ?? new OutboxRelay(this.outbox, relayTarget(this.driver).insertRelayed, this.events)).kick();
  }

  /** The relay of this client's outbox: started with its first worker, stopped by close(). */
  private startRelay(): void {
    if (!this.outbox || this.relay) return;
    this.relay = new OutboxRelay(this.outbox, relayTarget(this.driver).insertRelayed, this.events);
    this.relay.start().catch((error: unknown) => this.events.emit('db:error', { operation: 'outbox listen', error }));
  }

  private assertTransactional(): void {
    if (!this.driver.capabilities.transactional) {
      const hint = this.driver.transactionalHint ? `: ${this.driver.transactionalHint}` : '';
      throw new ErrandError('ERRAND_NOT_SUPPORTED', `the ${this.driver.dialect} driver cannot enqueue inside your transaction ({ tx })${hint}`);
    }
  }

  /**
   * Inline mode, for jobs enqueued inside a caller's transaction (or synchronously): run what is
   * due once that transaction has ended — committed, or rolled back, when there is nothing of it
   * to run. Until then, the jobs are not visible to the engine's own connection, or (SQLite,
   * one shared connection) would run inside the caller's transaction.
   */
  private runInlineAfter(
    tx: Tx | undefined,
    inserted: EnqueuedJob[],
    outbox?: { inTransaction: (tx: Tx | undefined) => boolean | null; beforeRun: () => Promise<void> },
  ): void {
    const inTransaction = outbox?.inTransaction ?? ((t: Tx | undefined) => this.driver.inTransaction?.(t) ?? null);
    const run = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve)); // the caller's synchronous code first
      const deadline = Date.now() + INLINE_TX_WAIT_MS;
      let open = inTransaction(tx);
      for (let wait = 1; open !== false && Date.now() < deadline; wait = Math.min(wait * 2, 20)) {
        if (open === null) {
          // The driver cannot tell (an old pg): wait until the first job is visible, i.e. committed.
          const first = inserted.find((j) => j.inserted);
          if (!first || (await this.driver.getJob(first.id))) break;
        }
        await sleep(wait);
        open = inTransaction(tx);
      }
      if (!this.closed) {
        await outbox?.beforeRun();
        await this.runDue();
      }
    })()
      .catch((error: unknown) => {
        this.events.emit('db:error', { operation: 'inline', error });
        this.logger.error({ err: String(error) }, 'inline run failed');
      })
      .finally(() => this.inlineRuns.delete(run));
    this.inlineRuns.add(run);
  }

  /** Wait for the inline runs under way (inline mode). */
  private async inlineSettled(): Promise<void> {
    while (this.inlineRuns.size) await Promise.all([...this.inlineRuns]);
  }

  private afterInsert(inserted: EnqueuedJob[], inCallerTx: boolean): void {
    if (this.events.listenerCount('job:enqueued') > 0) {
      this.events.emit('job:enqueued', { jobs: inserted.map((j) => ({ id: j.id, name: j.name, queue: j.queue, inserted: j.inserted })) });
    }
    const now = Date.now();
    const due = new Set(inserted.filter((j) => j.inserted && j.runAt.getTime() <= now).map((j) => j.queue));
    if (!inCallerTx) for (const q of due) this.localWake.emit('wake', q);
    else if (due.size) {
      // The caller's transaction commits later: wake local workers soon after, not now.
      setTimeout(() => {
        for (const q of due) this.localWake.emit('wake', q);
      }, 5).unref();
    }
  }

  /**
   * Delayed Job's style: `errand.delay(new Banana('medium')).split()` enqueues a job that
   * rebuilds the object from its fields (its class registered with `delayable`) and calls the
   * method with the same arguments.
   */
  delay = <T extends object>(target: T, options?: DelayOptions): Delayed<T> => makeDelayProxy(this, target, options);

  /** A worker for these queues. Call start(); stop() (or SIGTERM with stopOnSignals) is graceful. */
  worker(options: WorkerOptions = {}): Worker {
    this.assertOpen();
    this.startRelay();
    const worker = new Worker(
      {
        driver: this.driver,
        registry: this.registry,
        events: this.events,
        logger: this.logger,
        onLocalWake: (listener) => {
          this.localWake.on('wake', listener);
          return () => this.localWake.off('wake', listener);
        },
        maxResultBytes: this.maxResultBytes,
        progressThrottleMs: this.progressThrottleMs,
        schedules: this.schedules,
        tracing: this.tracing ?? undefined,
      },
      options,
    );
    this.workers.add(worker);
    return worker;
  }

  /**
   * Run every job that is due now (of one queue, or of all), one at a time, until none is left
   * (jobs that enqueue jobs included); returns what ran. Retries scheduled for later are not
   * waited for. For tests and scripts.
   */
  async drain(options: { limit?: number; queue?: string } = {}): Promise<DrainResult[]> {
    await this.inlineSettled();
    return this.runDue(options);
  }

  private async runDue(options: { limit?: number; queue?: string } = {}): Promise<DrainResult[]> {
    const limit = options.limit ?? 10_000;
    const deps: ExecuteDeps = {
      registry: this.registry, events: this.events, logger: this.logger, workerId: `drain:${process.pid}`,
      driver: this.driver, maxResultBytes: this.maxResultBytes, progressThrottleMs: this.progressThrottleMs,
      tracing: this.tracing ?? undefined,
    };
    const results: DrainResult[] = [];
    while (results.length < limit) {
      const [job] = await this.driver.claimJobs(options.queue ?? null, 1, deps.workerId, 60_000);
      if (!job) break;
      const outcome = await executeJob(job, deps);
      if (outcome.kind === 'success') {
        await this.driver.completeJobs([job.id], deps.workerId, outcome.result === undefined ? undefined : [outcome.result]);
        results.push({ id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, outcome: 'completed' });
      } else if (outcome.kind === 'failure') {
        await this.driver.failJob(job.id, deps.workerId, outcome.next, outcome.retryInMs, outcome.record);
        results.push({ id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, outcome: outcome.next, error: outcome.error.message });
      }
    }
    return results;
  }

  /** A job as stored, with its result and progress; null when there is none with this id (or it was pruned). */
  async getJob(id: number): Promise<JobRecord | null> {
    this.assertOpen();
    return this.admin.getJob(id);
  }

  /**
   * Wait until a job is finished (completed, dead or cancelled) and return it, with its `result`.
   * Polls the database (from 20 ms, backing off to 500 ms), so it works whichever process runs
   * the job. Rejects with ERRAND_WAIT_TIMEOUT after `timeoutMs`, with `signal.reason` when
   * `signal` aborts, and with ERRAND_NOT_FOUND when there is no such job (never enqueued, deleted
   * or pruned). A job still in this client's outbox (committed, not relayed yet) is waited for.
   * The job is not touched either way.
   */
  async waitForJob(id: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<JobRecord> {
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      throw new ErrandError('ERRAND_BAD_OPTION', `timeoutMs must be a number of milliseconds ≥ 0, got ${timeoutMs}`);
    }
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      signal?.throwIfAborted();
      const job = await this.findJob(id);
      if (!job) throw new ErrandError('ERRAND_NOT_FOUND', `no job #${id}: never enqueued, deleted, or pruned`);
      if (job !== 'outbox' && (FINISHED_STATES as readonly string[]).includes(job.state)) return job;
      const left = deadline - Date.now();
      if (left <= 0) {
        const where = job === 'outbox' ? 'is still in the outbox, not relayed (is a worker with this outbox running?),' : `(${job.name}) is still ${job.state}`;
        throw new ErrandError('ERRAND_WAIT_TIMEOUT', `job #${id} ${where} after ${timeoutMs} ms`);
      }
      try {
        await sleep(Math.min(wait, left), undefined, { signal });
      } catch {
        signal?.throwIfAborted();
      }
    }
  }

  /** The job, 'outbox' while it waits there to be relayed, or null. */
  private async findJob(id: number): Promise<JobRecord | 'outbox' | null> {
    const job = await this.getJob(id);
    if (job || !this.outbox) return job;
    if (await this.outbox.holds(id)) return 'outbox';
    return this.getJob(id); // relayed between the two looks
  }

  /** Stop every worker made by this client (gracefully), then close the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.inlineSettled();
    await Promise.all([...this.workers].map((w) => w.stop()));
    await this.relay?.stop();
    this.closed = true;
    await this.outbox?.close();
    await this.driver.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new ErrandError('ERRAND_CLOSED', 'this Errand client is closed');
  }
}

function withIds(rows: NewJob[], ids: number[]): RelayedJob[] {
  return rows.map((r, i) => ({ ...r, id: ids[i] }));
}

function toNewJobs(requests: JobRequest<any>[]): NewJob[] {
  return requests.map((r, i) => toNewJob(r, requests.length > 1 ? `jobs[${i}].` : ''));
}

function toNewJob(r: JobRequest<any>, where: string): NewJob {
  const { job, payload } = r;
  const o = r.options ?? {};
  if (job?.kind !== 'errand.job') throw new ErrandError('ERRAND_UNKNOWN_JOB', `${where}job is not a job definition (use defineJob)`);
  try {
    assertJsonPayload(payload);
  } catch (err) {
    throw new ErrandError('ERRAND_BAD_PAYLOAD', `job ${job.name}: ${where}${(err as Error).message}`);
  }
  if (o.delayMs !== undefined && (!Number.isInteger(o.delayMs) || o.delayMs < 0)) {
    bad(where, 'delayMs', `must be a whole number of milliseconds ≥ 0, got ${o.delayMs}`);
  }
  const runAt = o.runAt ?? (o.delayMs ? new Date(Date.now() + o.delayMs) : null);
  if (runAt !== null && (!(runAt instanceof Date) || Number.isNaN(runAt.getTime()))) bad(where, 'runAt', 'must be a valid Date');
  if (runAt !== null && (runAt.getUTCFullYear() < 1970 || runAt.getUTCFullYear() > 9999)) {
    bad(where, 'runAt', `must be between the years 1970 and 9999, got ${runAt.toISOString()}`);
  }
  const maxAttempts = o.maxAttempts ?? job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_INT32) {
    bad(where, 'maxAttempts', `must be a whole number from 1 to ${MAX_INT32}, got ${maxAttempts}`);
  }
  const priority = o.priority ?? job.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) bad(where, 'priority', `must be a whole number from -1000000 to 1000000, got ${priority}`);
  const timeoutMs = o.timeoutMs ?? job.timeoutMs ?? null;
  // setTimeout cannot wait longer than 2^31-1 ms (it would fire at once).
  if (timeoutMs !== null && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_INT32)) {
    bad(where, 'timeoutMs', `must be a whole number of milliseconds from 1 to ${MAX_INT32}, got ${timeoutMs}`);
  }
  const queue = o.queue ?? job.queue ?? 'default';
  if (typeof queue !== 'string' || !/^[A-Za-z0-9_.:\-/]{1,200}$/.test(queue)) bad(where, 'queue', `${JSON.stringify(queue)} must be 1-200 letters, digits or _ . : - /`);
  const uniqueKey = o.uniqueKey ?? null;
  if (uniqueKey !== null) {
    if (typeof uniqueKey !== 'string' || uniqueKey.length === 0 || uniqueKey.length > 1000) bad(where, 'uniqueKey', 'must be a non-empty string of at most 1000 characters');
    const problem = textProblem(uniqueKey);
    if (problem) bad(where, 'uniqueKey', problem);
  }
  let rateKey: unknown = o.rateLimitKey;
  if (rateKey === undefined && job.rateLimitKey) {
    try {
      rateKey = job.rateLimitKey(payload);
    } catch (err) {
      bad(where, 'rateLimitKey', `of job ${job.name} threw: ${(err as Error)?.message ?? err}`);
    }
  }
  const row: NewJob = {
    queue, name: job.name, payload: JSON.stringify(payload), priority, runAt, maxAttempts, timeoutMs, uniqueKey, traceContext: null, rateKey: checkRateKey(rateKey, where),
  };
  if (o.traceContext !== undefined) row.traceParent = checkCarrier(o.traceContext, where);
  return row;
}

/** A W3C carrier: string headers, traceparent among them, small. */
function checkCarrier(carrier: unknown, where: string): Record<string, string> {
  const c = carrier as Record<string, unknown> | null;
  const ok =
    c !== null && typeof c === 'object' && !Array.isArray(c) && typeof c.traceparent === 'string' && Object.values(c).every((v) => typeof v === 'string');
  if (!ok || JSON.stringify(c).length > 4096) {
    bad(where, 'traceContext', 'must be a W3C trace context: an object of string headers with a traceparent (what propagation.inject writes), at most 4 KiB');
  }
  return c as Record<string, string>;
}

function bad(where: string, field: string, why: string): never {
  throw new ErrandError('ERRAND_BAD_OPTION', `${where}${field} ${why}`);
}
