/**
 * One adapter per system under test. Every adapter does the same five things the same way:
 * make fresh tables (or attach to tables a sibling process made), insert in bulk, enqueue one,
 * run a worker whose no-op handler reports the payload it received, and count the jobs not yet
 * completed (from the system's own storage, so "done" means durably recorded).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue, Worker as BullWorker } from 'bullmq';
import type { Errand, Worker as ErrandWorker } from 'errand';
import * as graphile17 from 'graphile-worker';
import type { Runner, WorkerUtils } from 'graphile-worker';
import * as graphile18 from 'graphile-worker-0.18';
import PgBoss from 'pg-boss';
import { PgBoss as PgBoss12 } from 'pg-boss-12';
import pg from 'pg';
import pino from 'pino';
import { Redis as IORedis } from 'ioredis';
import { freshDatabase, REDIS_URL } from '../lib/env.js';

/** The Redis database the Errand rows use (BullMQ's is 0, ioredis' default): the same server, its own keyspace. */
const REDIS_DB = Number(process.env.BENCH_REDIS_DB ?? 0);

/**
 * The Errand under test: this checkout's, or another build's when ERRAND_BENCH_ENGINE names its
 * dist/index.js (the features-cost rows run the engine from before a change beside today's).
 */
const errandModule: typeof import('errand') = process.env.ERRAND_BENCH_ENGINE
  ? await import(pathToFileURL(process.env.ERRAND_BENCH_ENGINE).href)
  : await import('errand');
const { createErrand, defineJob } = errandModule;

export interface Payload {
  i: number;
  /** Wall-clock send time in ms (performance.timeOrigin + performance.now()), for cross-process latency. */
  t: number;
}

export type SystemName =
  | 'errand-pg'
  | 'errand-sqlite'
  | 'errand-sqlite-poll'
  | 'errand-memory'
  | 'errand-redis'
  | 'graphile-worker'
  | 'graphile-worker-0.18'
  | 'pg-boss'
  | 'pg-boss-12'
  | 'bullmq';

export interface WorkerConfig {
  /** Jobs run at once in one process. */
  concurrency: number;
  /** Errand: prefetch; graphile-worker: localQueue.size (0 = off); pg-boss: batchSize per work() loop. */
  batch: number;
  /** pg-boss: number of work() loops per process. */
  loops?: number;
  /** graphile-worker: completeJobBatchDelay (-1 = off). */
  completeBatchDelay?: number;
}

export interface BenchSystem {
  /** Fresh tables; returns a location sibling processes can attach() to. */
  setup(): Promise<string>;
  attach(location: string): Promise<void>;
  bulkInsert(payloads: Payload[]): Promise<void>;
  enqueue(p: Payload): Promise<void>;
  startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void>;
  stopWorker(): Promise<void>;
  /** Jobs not yet recorded as completed. */
  remaining(): Promise<number>;
  /** Close connections (and drop the tables when `drop`). */
  close(drop: boolean): Promise<void>;
}

const quietPino = () => pino({ level: 'warn' });

// ---------------------------------------------------------------- Errand
let errandHook: (p: Payload) => void = () => {};
const noop = defineJob<Payload>({
  name: 'noop',
  handler: async (p) => {
    errandHook(p);
  },
});

class ErrandSystem implements BenchSystem {
  private errand!: Errand;
  private worker: ErrandWorker | null = null;
  private dropper: (() => Promise<void>) | null = null;
  private file: string | null = null;
  private dir: string | null = null;
  private redisPrefix: string | null = null;
  /** noWake: a file whose path is too long for a wake-up socket, so the worker polls (every 100 ms), as before the channel. */
  constructor(
    private readonly kind: 'pg' | 'sqlite' | 'memory' | 'redis',
    private readonly noWake = false,
  ) {}

  async setup(): Promise<string> {
    let url: string;
    if (this.kind === 'pg') {
      const db = await freshDatabase('errand');
      this.dropper = db.drop;
      url = db.url;
    } else if (this.kind === 'sqlite') {
      if (this.noWake) this.dir = join(tmpdir(), `bench_errand_poll_${process.pid}_${Date.now()}_${'x'.repeat(80)}`);
      this.file = join(this.dir ?? tmpdir(), `bench_errand_${process.pid}_${Date.now()}.db`);
      url = `sqlite:${this.file}`;
    } else if (this.kind === 'redis') {
      // The same Redis server as BullMQ (its own key prefix per run, its keys deleted after).
      this.redisPrefix = `bench_errand_${process.pid}_${Date.now()}`;
      url = `${REDIS_URL}/${REDIS_DB}?prefix=${this.redisPrefix}`;
    } else url = 'memory:';
    await this.attach(url);
    return url;
  }

  async attach(url: string): Promise<void> {
    this.errand = await createErrand({ databaseUrl: url, jobs: [noop], logger: quietPino() });
  }

  async bulkInsert(payloads: Payload[]): Promise<void> {
    await this.errand.enqueueMany(payloads.map((p) => noop.with(p)));
  }

  async enqueue(p: Payload): Promise<void> {
    await this.errand.enqueue(noop, p);
  }

  async startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void> {
    errandHook = onJob;
    this.worker = this.errand.worker({ queues: { default: cfg.concurrency }, prefetch: cfg.batch });
    await this.worker.start();
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
    this.worker = null;
  }

  async remaining(): Promise<number> {
    const c = await this.errand.admin.stateCounts(1e9);
    return c.available + c.running + c.scheduled + c.retryable;
  }

  async close(drop: boolean): Promise<void> {
    await this.errand.close();
    if (drop && this.dropper) await this.dropper();
    if (drop && this.file) for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`, `${this.file}-wake`]) rmSync(f, { force: true, recursive: true });
    if (drop && this.dir) rmSync(this.dir, { force: true, recursive: true });
    if (drop && this.redisPrefix) await deleteRedisKeys(`${this.redisPrefix}:*`);
  }
}

/** Delete every key matching `pattern` in the bench's Redis database (SCAN, so Redis never blocks long). */
export async function deleteRedisKeys(pattern: string): Promise<number> {
  const r = new IORedis(`${REDIS_URL}/${REDIS_DB}`);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
      cursor = next;
      if (keys.length) n += await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

// ---------------------------------------------------------------- graphile-worker (0.17 and 0.18, the same API)
type GraphileModule = Pick<typeof graphile17, 'Logger' | 'makeWorkerUtils' | 'run'>;

class GraphileSystem implements BenchSystem {
  private readonly silentGraphile;
  constructor(private readonly lib: GraphileModule) {
    this.silentGraphile = new lib.Logger(() => (level, message) => {
      if (level === 'error') console.error(`[graphile-worker] ${message}`);
    });
  }

  private url = '';
  private utils!: WorkerUtils;
  private runner: Runner | null = null;
  private dropper: (() => Promise<void>) | null = null;

  async setup(): Promise<string> {
    const db = await freshDatabase('graphile');
    this.dropper = db.drop;
    await this.attach(db.url);
    await this.utils.migrate();
    return db.url;
  }

  async attach(url: string): Promise<void> {
    this.url = url;
    this.utils = await this.lib.makeWorkerUtils({ connectionString: url, logger: this.silentGraphile });
  }

  async bulkInsert(payloads: Payload[]): Promise<void> {
    await this.utils.addJobs(payloads.map((p) => ({ identifier: 'noop', payload: p })));
  }

  async enqueue(p: Payload): Promise<void> {
    await this.utils.addJob('noop', p);
  }

  async startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void> {
    this.runner = await this.lib.run({
      connectionString: this.url,
      concurrency: cfg.concurrency,
      noHandleSignals: true,
      pollInterval: 2000,
      logger: this.silentGraphile,
      taskList: {
        noop: async (payload) => {
          onJob(payload as Payload);
        },
      },
      preset: {
        worker: {
          ...(cfg.batch > 1 ? { localQueue: { size: cfg.batch } } : {}),
          completeJobBatchDelay: cfg.completeBatchDelay ?? -1,
          failJobBatchDelay: cfg.completeBatchDelay ?? -1,
        },
      },
    });
  }

  async stopWorker(): Promise<void> {
    await this.runner?.stop();
    this.runner = null;
  }

  async remaining(): Promise<number> {
    return this.utils.withPgClient(async (c) => Number((await c.query('SELECT count(*) AS n FROM graphile_worker._private_jobs')).rows[0].n));
  }

  async close(drop: boolean): Promise<void> {
    await this.stopWorker();
    await this.utils.release();
    if (drop && this.dropper) await this.dropper();
  }
}

// ---------------------------------------------------------------- pg-boss (10 and 12)
const BOSS_QUEUE = 'noop';

/** What both pg-boss versions offer alike, as the adapters use it. */
interface Boss {
  on(event: 'error', listener: (err: Error) => void): unknown;
  start(): Promise<unknown>;
  send(name: string, data: object): Promise<unknown>;
  offWork(name: string): Promise<void>;
  stop(options: { graceful: boolean; timeout: number }): Promise<void>;
}

/** The parts of a pg-boss adapter the two versions share: its database, counting, closing. */
abstract class PgBossBase<B extends Boss> implements BenchSystem {
  protected boss!: B;
  private pool!: pg.Pool;
  private dropper: (() => Promise<void>) | null = null;
  protected abstract readonly tag: string;
  protected abstract make(url: string): B;
  protected abstract createQueue(): Promise<void>;
  abstract bulkInsert(payloads: Payload[]): Promise<void>;
  abstract startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void>;

  async setup(): Promise<string> {
    const db = await freshDatabase(this.tag);
    this.dropper = db.drop;
    await this.attach(db.url);
    await this.createQueue();
    return db.url;
  }

  async attach(url: string): Promise<void> {
    this.boss = this.make(url);
    this.boss.on('error', (err) => console.error(`[${this.tag}]`, err.message));
    await this.boss.start();
    this.pool = new pg.Pool({ connectionString: url, max: 1 });
  }

  async enqueue(p: Payload): Promise<void> {
    await this.boss.send(BOSS_QUEUE, p);
  }

  async stopWorker(): Promise<void> {
    await this.boss.offWork(BOSS_QUEUE).catch(() => {});
  }

  async remaining(): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'`, [BOSS_QUEUE]);
    return Number(rows[0].n);
  }

  async close(drop: boolean): Promise<void> {
    await this.pool.end();
    await this.boss.stop({ graceful: false, timeout: 1000 }).catch(() => {});
    if (drop && this.dropper) await this.dropper();
  }
}

class PgBossSystem extends PgBossBase<PgBoss> {
  protected readonly tag = 'pgboss';
  protected make(url: string): PgBoss {
    return new PgBoss({ connectionString: url });
  }
  protected async createQueue(): Promise<void> {
    await this.boss.createQueue(BOSS_QUEUE);
  }
  async bulkInsert(payloads: Payload[]): Promise<void> {
    await this.boss.insert(payloads.map((data) => ({ name: BOSS_QUEUE, data })));
  }
  async startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void> {
    // pg-boss 10 has no per-job concurrency: a work() loop fetches batchSize jobs and hands the
    // whole batch to the handler; the handler runs them at once (concurrency = batch size).
    for (let k = 0; k < (cfg.loops ?? 1); k++) {
      await this.boss.work<Payload>(BOSS_QUEUE, { batchSize: cfg.batch, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        await Promise.all(jobs.map(async (j) => onJob(j.data)));
      });
    }
  }
}

/**
 * pg-boss 12 runs localConcurrency workers per work() call, each fetching batchSize jobs; it
 * wakes by LISTEN/NOTIFY when the queue asks for it, and fetches back to back while batches
 * come back full (burstWhenBatchFull): its fast settings.
 */
class PgBoss12System extends PgBossBase<PgBoss12> {
  protected readonly tag = 'pgboss12';
  protected make(url: string): PgBoss12 {
    return new PgBoss12({ connectionString: url, useListenNotify: true });
  }
  protected async createQueue(): Promise<void> {
    await this.boss.createQueue(BOSS_QUEUE, { notify: true });
  }
  async bulkInsert(payloads: Payload[]): Promise<void> {
    await this.boss.insert(BOSS_QUEUE, payloads.map((data) => ({ data })));
  }
  async startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void> {
    // cfg.loops workers (localConcurrency), each fetching cfg.batch jobs at a time and running
    // its batch at once; with NOTIFY on, the idle backstop poll is its minimum, 0.5 s.
    await this.boss.work<Payload>(
      BOSS_QUEUE,
      { localConcurrency: cfg.loops ?? 1, batchSize: cfg.batch, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, burstWhenBatchFull: cfg.batch > 1 },
      async (jobs) => {
        await Promise.all(jobs.map(async (j) => onJob(j.data)));
      },
    );
  }
}

// ---------------------------------------------------------------- BullMQ
const REDIS = { host: '127.0.0.1', port: 6379 };

class BullSystem implements BenchSystem {
  private name = '';
  private queue!: Queue;
  private worker: BullWorker | null = null;

  async setup(): Promise<string> {
    const name = `bench_${process.pid}_${Date.now()}`;
    await this.attach(name);
    return name;
  }

  async attach(name: string): Promise<void> {
    this.name = name;
    this.queue = new Queue(name, { connection: REDIS });
    await this.queue.waitUntilReady();
  }

  async bulkInsert(payloads: Payload[]): Promise<void> {
    await this.queue.addBulk(payloads.map((data) => ({ name: 'noop', data })));
  }

  async enqueue(p: Payload): Promise<void> {
    await this.queue.add('noop', p);
  }

  async startWorker(cfg: WorkerConfig, onJob: (p: Payload) => void): Promise<void> {
    this.worker = new BullWorker<Payload>(
      this.name,
      async (job) => {
        onJob(job.data);
      },
      { connection: { ...REDIS, maxRetriesPerRequest: null }, concurrency: cfg.concurrency },
    );
    this.worker.on('error', (err) => console.error('[bullmq]', err.message));
    await this.worker.waitUntilReady();
  }

  async stopWorker(): Promise<void> {
    await this.worker?.close();
    this.worker = null;
  }

  async remaining(): Promise<number> {
    const c = await this.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  async close(drop: boolean): Promise<void> {
    await this.stopWorker();
    if (drop) await this.queue.obliterate({ force: true }).catch(() => {});
    await this.queue.close();
  }
}

export function makeSystem(name: SystemName): BenchSystem {
  switch (name) {
    case 'errand-pg':
      return new ErrandSystem('pg');
    case 'errand-sqlite':
      return new ErrandSystem('sqlite');
    case 'errand-sqlite-poll':
      return new ErrandSystem('sqlite', true);
    case 'errand-memory':
      return new ErrandSystem('memory');
    case 'errand-redis':
      return new ErrandSystem('redis');
    case 'graphile-worker':
      return new GraphileSystem(graphile17);
    case 'graphile-worker-0.18':
      // The same API; the cast only bridges the two copies of @graphile/logger's types.
      return new GraphileSystem(graphile18 as unknown as GraphileModule);
    case 'pg-boss':
      return new PgBossSystem();
    case 'pg-boss-12':
      return new PgBoss12System();
    case 'bullmq':
      return new BullSystem();
  }
}
