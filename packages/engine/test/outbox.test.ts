import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, defineJob, type Errand, ErrandError } from '../src/index.js';
import { driverOf } from '../src/client.js';
import { OutboxRelay } from '../src/outbox/relay.js';
import { SqliteOutbox } from '../src/outbox/sqlite-outbox.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';
import { startWorkerProcess } from './helpers/processes.js';

/**
 * The transactional outbox, with the jobs in PostgreSQL (a driver that takes relayed jobs, as the
 * Redis driver does) and the application's rows in a SQLite file or another PostgreSQL database:
 * a job exists exactly when the caller's transaction commits, and each becomes one job however
 * often it is relayed, whoever relays it, and whatever happens to the enqueuing process.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const quiet = pino({ level: 'silent' });
const ran: number[] = [];
const job = defineJob<{ sale: number }>({ name: 'outbox.sale', handler: (_p, ctx) => void ran.push(ctx.id) });

describe.runIf(HAS_PG)('outbox', () => {
  let jobsDb: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    jobsDb = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'errand-outbox-'));
  });
  afterAll(async () => {
    await jobsDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const appFile = (name: string) => {
    const db = new Database(join(dir, name));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE IF NOT EXISTS sales (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    return db;
  };
  const outboxRows = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM errand_outbox').get() as { n: number }).n;

  it('SQLite app, jobs elsewhere: committed → the job runs once under the id enqueue returned; rolled back → nothing', async () => {
    const db = appFile('app-commit.db');
    const errand = await createErrand({ databaseUrl: jobsDb.url, outbox: db, jobs: [job], logger: quiet });
    try {
      const committed = db.transaction(() => {
        const sale = Number(db.prepare('INSERT INTO sales (note) VALUES (?)').run('kept').lastInsertRowid);
        return errand.enqueueSync(job, { sale }, { tx: db });
      })();
      expect(() =>
        db.transaction(() => {
          const sale = Number(db.prepare('INSERT INTO sales (note) VALUES (?)').run('rolled back').lastInsertRowid);
          errand.enqueueSync(job, { sale }, { tx: db });
          throw new Error('the app changes its mind');
        })(),
      ).toThrow(/changes its mind/);
      // Async enqueue inside a transaction held open across the await.
      db.exec('BEGIN');
      const later = await errand.enqueue(job, { sale: 99 }, { tx: db });
      db.exec('COMMIT');
      expect(outboxRows(db)).toBe(2);
      expect(await errand.getJob(committed.id)).toBeNull(); // not relayed yet: no worker has run
      // waitForJob knows the job is in the outbox: it waits (here, past its timeout) rather than answering "no such job".
      await expect(errand.waitForJob(committed.id, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'ERRAND_WAIT_TIMEOUT', message: expect.stringMatching(/still in the outbox/) });
      await expect(errand.waitForJob(987_654, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'ERRAND_NOT_FOUND' });

      const worker = errand.worker({ queues: { default: 2 } });
      await worker.start();
      const done = await errand.waitForJob(committed.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ id: committed.id, state: 'completed', payload: { sale: 1 } });
      expect((await errand.waitForJob(later.id, { timeoutMs: 10_000 })).state).toBe('completed');
      await worker.stop();
      expect(outboxRows(db)).toBe(0);
      const { rows } = await (driverOf(errand) as unknown as { pool: { query(q: string): Promise<{ rows: { n: string }[] }> } }).pool.query(
        "SELECT (SELECT count(*) FROM errand_jobs WHERE name = 'outbox.sale') + (SELECT count(*) FROM errand_jobs_history WHERE name = 'outbox.sale') AS n",
      );
      expect(Number(rows[0].n)).toBe(2); // the rolled-back one never became a job
    } finally {
      await errand.close();
      db.close();
    }
  });

  it('a relay that dies after the insert, before deleting its rows: the next pass inserts nothing twice', async () => {
    const db = appFile('app-crash.db');
    const errand = await createErrand({ databaseUrl: jobsDb.url, outbox: db, jobs: [job], logger: quiet });
    try {
      const ids = db.transaction(() => [1, 2, 3].map((sale) => errand.enqueueSync(job, { sale }, { tx: db }).id))();
      const driver = driverOf(errand);
      const store = new SqliteOutbox(db, false);
      let crashes = 1;
      const relay = new OutboxRelay(store, async (jobs) => {
        await driver.insertRelayed!(jobs);
        if (crashes-- > 0) throw new Error('killed between the insert and the commit');
      }, errand.events);
      await relay.kick(); // inserted, then failed: the rows stay
      expect(outboxRows(db)).toBe(3);
      await relay.kick(); // relayed again: every id is there already
      expect(outboxRows(db)).toBe(0);
      await relay.stop();
      await store.close();
      const jobs = await Promise.all(ids.map((id) => errand.getJob(id)));
      expect(jobs.map((j) => j?.state)).toEqual(['available', 'available', 'available']);
      expect(await errand.admin.stateCounts(100)).toMatchObject({ available: 3 });
      expect(await driver.insertRelayed!(jobs.map((j) => ({ id: j!.id, queue: 'default', name: 'outbox.sale', payload: '{}', priority: 0, runAt: null, maxAttempts: 3, timeoutMs: null, uniqueKey: null, traceContext: null, rateKey: null })))).toEqual([]);
    } finally {
      await errand.close();
      db.close();
    }
  });

  it('the enqueuing process killed (SIGKILL) right after COMMIT: every job still runs, once, relayed by another process', async () => {
    const file = join(dir, 'app-killed.db');
    appFile('app-killed.db').close();
    const child = spawn(process.execPath, ['--conditions=@errand/source', '--import', 'tsx', join(HERE, 'fixtures', 'outbox-enqueue.ts'), jobsDb.url, file, '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const ids = JSON.parse(out.trim()) as number[];
    expect(ids).toHaveLength(5);

    const db = new Database(file);
    expect(outboxRows(db)).toBe(5);
    db.close();
    // Relayed and run by `errand worker --outbox`, a process of its own.
    const worker = await startWorkerProcess(['--jobs', join(HERE, 'fixtures', 'outbox-jobs.ts'), '--database-url', jobsDb.url, '--outbox', `sqlite:${file}`], {});
    const errand = await createErrand({ databaseUrl: jobsDb.url, logger: quiet });
    try {
      // This client has no outbox, so waitForJob cannot wait on a job not relayed yet: first wait
      // for the worker process (slow to start under load) to have relayed every row.
      const app = new Database(file);
      try {
        for (let i = 0; i < 300 && outboxRows(app) > 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(outboxRows(app)).toBe(0);
      } finally {
        app.close();
      }
      for (const id of ids) expect((await errand.waitForJob(id, { timeoutMs: 15_000 })).state).toBe('completed');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const after = new Database(file);
      expect(outboxRows(after)).toBe(0);
      after.close();
      expect((await Promise.all(ids.map((id) => errand.getJob(id)))).map((j) => j?.attempt)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await errand.close();
    }
  });

  it('PostgreSQL app: COMMIT wakes the relays of two clients, and each of 200 jobs runs exactly once; a rollback makes none', async () => {
    const appDb = await createTestDatabase('errand_app');
    const app = testPool(appDb.url, 4);
    const make = () => createErrand({ databaseUrl: jobsDb.url, outbox: appDb.url, jobs: [job], logger: quiet });
    const [a, b] = await Promise.all([make(), make()]);
    try {
      ran.length = 0;
      const workers = [a.worker({ queues: { default: 10 } }), b.worker({ queues: { default: 10 } })];
      await Promise.all(workers.map((w) => w.start()));
      const client = await app.connect();
      const ids: number[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          await client.query('BEGIN');
          const enqueued = await a.enqueueMany(Array.from({ length: 10 }, (_, k) => job.with({ sale: i * 10 + k })), { tx: client });
          ids.push(...enqueued.map((e) => e.id));
          await client.query('COMMIT');
        }
        await client.query('BEGIN');
        await b.enqueue(job, { sale: -1 }, { tx: client });
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      for (const id of ids) expect((await a.waitForJob(id, { timeoutMs: 15_000 })).state).toBe('completed');
      await Promise.all(workers.map((w) => w.stop()));
      expect(ran.length).toBe(200);
      expect(new Set(ran).size).toBe(200);
      expect(Number((await app.query('SELECT count(*) AS n FROM errand_outbox')).rows[0].n)).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await app.end();
      await appDb.drop();
    }
  });

  it('inline mode relays what a transaction enqueued once it commits, then runs it', async () => {
    const db = appFile('app-inline.db');
    const errand = await createErrand({ databaseUrl: jobsDb.url, outbox: db, jobs: [job], logger: quiet, mode: 'inline' });
    try {
      const { id } = db.transaction(() => errand.enqueueSync(job, { sale: 7 }, { tx: db }))();
      await errand.drain(); // waits for the inline run: relay, then run
      expect((await errand.getJob(id))?.state).toBe('completed');
      expect(outboxRows(db)).toBe(0);
    } finally {
      await errand.close();
      db.close();
    }
  });

  it('says what is wrong: jobs on SQLite need no outbox, a pool is not a transaction, an in-memory app database cannot be relayed', async () => {
    const db = appFile('app-errors.db');
    const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as ErrandError).code;
    expect(await code(createErrand({ databaseUrl: join('sqlite:', dir, 'jobs.db'), outbox: db, logger: quiet }))).toBe('ERRAND_BAD_OPTION');
    expect(await code(createErrand({ databaseUrl: jobsDb.url, outbox: new Database(':memory:'), logger: quiet }))).toBe('ERRAND_BAD_OPTION');
    const appDb = await createTestDatabase('errand_app');
    const pool = testPool(appDb.url, 2);
    const errand: Errand = await createErrand({ databaseUrl: jobsDb.url, outbox: pool, logger: quiet });
    try {
      await expect(errand.enqueue(job, { sale: 1 }, { tx: pool as never })).rejects.toMatchObject({ code: 'ERRAND_BAD_TRANSACTION' });
      expect(() => errand.enqueueSync(job, { sale: 1 }, { tx: db as never })).toThrow(ErrandError);
    } finally {
      await errand.close();
      await pool.end();
      await appDb.drop();
      db.close();
    }
  });
});
