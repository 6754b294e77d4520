import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import { fillPlaceholders, pgNames } from '../src/drivers/postgres/schema.js';
import type { PostgresDriver } from '../src/drivers/postgres/driver.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { dayTable, type SqliteHistory } from '../src/drivers/sqlite/history.js';
import { createErrand, defineJob, type Errand, PermanentError, runPostgresMigrations, runSqliteMigrations } from '../src/index.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';

/**
 * Finished jobs live outside errand_jobs (PostgreSQL migration 0011: a table partitioned by UTC
 * day; SQLite migration 0009: a table per day behind a view). What a user sees must not change —
 * getJob, waitForJob and results, the console's pages, counts, retry and delete, unique keys, the
 * outbox's relay — while errand_jobs holds unfinished jobs only, pruning drops whole day tables
 * and nothing else, an upgrade carries the finished jobs it finds, and no id is handed out twice.
 */
const logger = pino({ level: 'silent' });
const DAY = 86_400_000;
const RETENTION = 7 * DAY;

const ok = defineJob<{ n: number }>({ name: 'hist.ok', handler: (p) => ({ doubled: p.n * 2 }) });
const boom = defineJob<{ n: number }>({
  name: 'hist.boom',
  maxAttempts: 1,
  handler: () => {
    throw new PermanentError('no');
  },
});
const JOBS = [ok, boom];

/** Raw access to one install's tables, per dialect. */
interface Raw {
  /** Rows of a query (`?` placeholders on SQLite, `$n` on PostgreSQL). */
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Jobs in errand_jobs (unfinished ones, and nothing else). */
  hot(): Promise<number>;
  /** The history tables there are (day tables or partitions; SQLite's upgrade table too). */
  tables(): Promise<string[]>;
  /** Move finished job `id` into the day table of `agoMs` ago, with that finished_at. */
  age(id: number, agoMs: number): Promise<void>;
}

function rawSqlite(errand: Errand): Raw {
  const driver = driverOf(errand) as SqliteDriver;
  const db = driver.db;
  const history = (driver as unknown as { history: SqliteHistory }).history;
  const query = async (text: string, values: unknown[] = []) => {
    const s = db.prepare(text);
    if (s.reader) return s.all(...values) as Record<string, unknown>[];
    s.run(...values);
    return [];
  };
  return {
    query,
    hot: async () => Number((await query('SELECT count(*) AS n FROM errand_jobs'))[0].n),
    tables: async () => history.tables(),
    async age(id, agoMs) {
      const t = Date.now() - agoMs;
      history.ensure(t);
      db.transaction(() => {
        db.prepare(`INSERT INTO ${dayTable(t)} SELECT * FROM errand_jobs_history WHERE id = ?`).run(id);
        db.prepare(`DELETE FROM ${dayTable(Date.now())} WHERE id = ?`).run(id);
        db.prepare(`UPDATE ${dayTable(t)} SET finished_at = ? WHERE id = ?`).run(t, id);
      })();
    },
  };
}

function rawPostgres(errand: Errand): Raw {
  const pool = (driverOf(errand) as PostgresDriver).pool;
  const query = async (text: string, values: unknown[] = []) => (await pool.query({ text, values })).rows as Record<string, unknown>[];
  return {
    query,
    hot: async () => Number((await query('SELECT count(*) AS n FROM errand_jobs'))[0].n),
    tables: async () =>
      (await query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'errand_jobs_history'::regclass ORDER BY 1")).map(
        (r) => r.relname as string,
      ),
    async age(id, agoMs) {
      const at = new Date(Date.now() - agoMs);
      await query("SELECT errand_history_ensure('errand_jobs_history', ($1::timestamptz AT TIME ZONE 'UTC')::date, ($1::timestamptz AT TIME ZONE 'UTC')::date)", [at]);
      // Changing the partition key moves the row into the partition of its new day.
      await query('UPDATE errand_jobs_history SET finished_at = $2 WHERE id = $1', [id, at]);
    },
  };
}

const MIGRATIONS = (dialect: 'sqlite' | 'postgres') => fileURLToPath(new URL(`../sql/${dialect}/migrations/`, import.meta.url));
/** A directory with the migrations before `first` (the release before history). */
function migrationsBefore(dialect: 'sqlite' | 'postgres', first: string, into: string): string {
  mkdirSync(into, { recursive: true });
  for (const f of readdirSync(MIGRATIONS(dialect))) if (f < first) copyFileSync(join(MIGRATIONS(dialect), f), join(into, f));
  return into;
}

interface Target {
  name: 'sqlite' | 'postgres';
  enabled: boolean;
  /** A fresh, empty database. */
  fresh(): Promise<{ url: string; drop(): Promise<void> }>;
  raw(errand: Errand): Raw;
  /**
   * A database at the release before history with, written straight into errand_jobs: a completed
   * job (id 7, finished 2 days ago), a dead one (id 9, finished 10 days ago), an available one
   * (id 8) and a completed one with the highest id (42, finished an hour ago).
   */
  legacy(): Promise<{ url: string; drop(): Promise<void> }>;
}

let dir: string;
const TARGETS: Target[] = [
  {
    name: 'sqlite',
    enabled: true,
    fresh: async () => ({ url: `sqlite:${join(dir, `h${Math.random().toString(36).slice(2)}.db`)}`, drop: async () => {} }),
    raw: rawSqlite,
    async legacy() {
      const file = join(dir, `legacy${Math.random().toString(36).slice(2)}.db`);
      const db = new Database(file);
      runSqliteMigrations(db, { directory: migrationsBefore('sqlite', '0009', join(dir, 'sqlite-before')), table: 'errand_migrations' });
      const now = Date.now();
      const insert = db.prepare(
        `INSERT INTO errand_jobs (id, queue, name, payload, state, run_at, max_attempts, created_at, attempted_at, finished_at, unique_key, result)
         VALUES (?, 'default', 'hist.ok', '{"n":1}', ?, ?, 3, ?, ?, ?, ?, ?)`,
      );
      insert.run(7, 'completed', now - 3 * DAY, now - 3 * DAY, now - 2 * DAY, now - 2 * DAY, 'k7', '{"doubled":2}');
      insert.run(8, 'available', now, now, null, null, 'k8', null);
      insert.run(9, 'dead', now - 11 * DAY, now - 11 * DAY, now - 10 * DAY, now - 10 * DAY, null, null);
      insert.run(42, 'completed', now - DAY, now - DAY, now - 3600_000, now - 3600_000, null, null);
      db.close();
      return { url: `sqlite:${file}`, drop: async () => {} };
    },
  },
  {
    name: 'postgres',
    enabled: HAS_PG,
    async fresh() {
      const db = await createTestDatabase();
      return { url: db.url, drop: () => db.drop() };
    },
    raw: rawPostgres,
    async legacy() {
      const db: TestDatabase = await createTestDatabase();
      const pool = testPool(db.url);
      try {
        const names = pgNames();
        await runPostgresMigrations(
          pool,
          { directory: migrationsBefore('postgres', '0011', join(dir, 'pg-before')), table: 'errand_migrations', lockKey: names.lockKey },
          { fill: (sql, f) => fillPlaceholders(sql, names, f) },
        );
        const insert = (id: number, state: string, finishedAgoMs: number | null, key: string | null, result: string | null) =>
          pool.query(
            `INSERT INTO errand_jobs (id, queue, name, payload, state, max_attempts, attempted_at, finished_at, unique_key, result)
             VALUES ($1, 'default', 'hist.ok', '{"n":1}', $2, 3, now(), now() - make_interval(secs => $3::float8 / 1000), $4, $5)`,
            [id, state, finishedAgoMs, key, result],
          );
        await insert(7, 'completed', 2 * DAY, 'k7', '{"doubled":2}');
        await insert(8, 'available', null, 'k8', null);
        await insert(9, 'dead', 10 * DAY, null, null);
        await insert(42, 'completed', 3600_000, null, null);
        await pool.query("SELECT setval('errand_jobs_id_seq', 42)");
      } finally {
        await pool.end();
      }
      return { url: db.url, drop: () => db.drop() };
    },
  },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-history-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const target of TARGETS) {
  describe.runIf(target.enabled)(`history: ${target.name}`, () => {
    let errand: Errand;
    let raw: Raw;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const db = await target.fresh();
      drop = db.drop;
      errand = await createErrand({ databaseUrl: db.url, jobs: JOBS, logger });
      raw = target.raw(errand);
    });
    afterAll(async () => {
      await errand?.close();
      await drop?.();
    });

    it('moves finished jobs out of errand_jobs; they are still read, listed, counted and waited for', async () => {
      const done = await errand.enqueueMany([ok.with({ n: 1 }), ok.with({ n: 2 }), ok.with({ n: 3 })]);
      const dead = await errand.enqueue(boom, { n: 4 });
      const [cancelled, discarded, waiting] = await errand.enqueueMany([ok.with({ n: 5 }, { runAt: new Date(Date.now() + 3600_000) }), ok.with({ n: 6 }, { runAt: new Date(Date.now() + 3600_000) }), ok.with({ n: 7 }, { runAt: new Date(Date.now() + 3600_000) })]);
      await errand.drain();
      await errand.admin.cancelJobs([cancelled.id]);
      await errand.admin.discard([discarded.id], 'gave up');

      expect(await raw.hot()).toBe(1); // only the job still waiting
      expect((await errand.getJob(waiting.id))?.state).toBe('scheduled');
      expect(await errand.waitForJob(done[0].id, { timeoutMs: 1000 })).toMatchObject({ state: 'completed', result: { doubled: 2 } });
      expect(await errand.getJob(dead.id)).toMatchObject({ state: 'dead', errors: [expect.objectContaining({ message: 'no' })] });
      expect((await errand.getJob(cancelled.id))?.state).toBe('cancelled');
      expect(await errand.getJob(discarded.id)).toMatchObject({ state: 'dead', errors: [expect.objectContaining({ kind: 'discarded', message: 'gave up' })] });

      const counts = await errand.admin.stateCounts();
      expect(counts).toMatchObject({ completed: 3, dead: 2, cancelled: 1, scheduled: 1, available: 0, running: 0 });
      // Keyset pages newest first, and a filtered page.
      const p1 = await errand.admin.listJobs({ state: 'completed', limit: 2 });
      expect(p1.jobs.map((j) => j.id)).toEqual([done[2].id, done[1].id]);
      const p2 = await errand.admin.listJobs({ state: 'completed', limit: 2, cursor: p1.next });
      expect(p2.jobs.map((j) => j.id)).toEqual([done[0].id]);
      expect((await errand.admin.listJobs({ state: 'dead', name: 'hist.boom', limit: 10 })).jobs.map((j) => j.id)).toEqual([dead.id]);
      expect((await errand.admin.listJobs({ state: 'dead', search: 'GAVE', limit: 10 })).jobs).toEqual([]); // search reads the payload
      expect(await errand.admin.bulk('delete', { state: 'cancelled' })).toEqual([cancelled.id]);
      expect(await errand.getJob(cancelled.id)).toBeNull();
      await errand.admin.delete([waiting.id]);
    });

    it('retries a dead job back into errand_jobs under its id, and runs it again', async () => {
      const dead = await errand.enqueue(boom, { n: 1 });
      await errand.drain();
      expect(await errand.admin.retry([dead.id])).toEqual([dead.id]);
      expect(await errand.getJob(dead.id)).toMatchObject({ state: 'available', maxAttempts: 2, finishedAt: null });
      expect(await raw.hot()).toBe(1);
      await errand.drain();
      expect(await errand.getJob(dead.id)).toMatchObject({ state: 'dead', attempt: 2 });
      expect(await raw.hot()).toBe(0);
      // Deleting a finished job removes it from history.
      expect(await errand.admin.delete([dead.id])).toEqual([dead.id]);
      expect(await errand.getJob(dead.id)).toBeNull();
    });

    it('a finished job no longer holds its unique key; ids are never handed out again', async () => {
      const first = await errand.enqueue(ok, { n: 1 }, { uniqueKey: 'hist-k' });
      expect((await errand.enqueue(ok, { n: 2 }, { uniqueKey: 'hist-k' })).inserted).toBe(false);
      await errand.drain();
      // The highest id has left errand_jobs: a new job still gets a higher one.
      const second = await errand.enqueue(ok, { n: 3 }, { uniqueKey: 'hist-k' });
      expect(second.inserted).toBe(true);
      expect(second.id).toBeGreaterThan(first.id);
      await errand.drain();
      expect((await errand.getJob(first.id))?.payload).toEqual({ n: 1 });
      expect((await errand.getJob(second.id))?.payload).toEqual({ n: 3 });
    });

    it('prunes by dropping whole day tables older than the retention, and nothing else', async () => {
      const jobs = await errand.enqueueMany([1, 2, 3, 4].map((n) => ok.with({ n })));
      const waiting = await errand.enqueue(ok, { n: 5 }, { runAt: new Date(Date.now() + 3600_000) });
      await errand.drain();
      const [old, older, edge, fresh] = jobs;
      // Nothing is old yet (on SQLite, a fresh install's empty upgrade table goes at the first prune).
      expect(await driverOf(errand).prune(RETENTION)).toBe(target.name === 'sqlite' ? 1 : 0);
      await raw.age(older.id, 10 * DAY);
      await raw.age(old.id, 8 * DAY + 60_000);
      await raw.age(edge.id, RETENTION - 3600_000); // its day ends after the cutoff: kept until wholly old
      const before = await raw.tables();
      expect(before.length).toBeGreaterThanOrEqual(4);

      const dropped = await driverOf(errand).prune(RETENTION);
      expect(dropped).toBe(2);
      expect(await errand.getJob(older.id)).toBeNull();
      expect(await errand.getJob(old.id)).toBeNull();
      expect((await errand.getJob(edge.id))?.state).toBe('completed');
      expect((await errand.getJob(fresh.id))?.state).toBe('completed');
      expect((await errand.getJob(waiting.id))?.state).toBe('scheduled');
      const after = await raw.tables();
      expect(before.filter((t) => !after.includes(t))).toHaveLength(2);
      expect(after).toContain(dayTable(Date.now()));
      expect(await driverOf(errand).prune(RETENTION)).toBe(0); // nothing more is wholly old
      await errand.admin.delete([waiting.id]);
    });

    it('upgrades: finished jobs found in errand_jobs move to history, readable as before; ids continue above them', async () => {
      const db = await target.legacy();
      const up = await createErrand({ databaseUrl: db.url, jobs: JOBS, logger });
      try {
        const r = target.raw(up);
        expect(await r.hot()).toBe(1);
        expect(await up.getJob(7)).toMatchObject({ state: 'completed', result: { doubled: 2 }, uniqueKey: 'k7' });
        expect(await up.getJob(8)).toMatchObject({ state: 'available' });
        expect((await up.getJob(9))?.state).toBe('dead');
        expect((await up.admin.listJobs({ state: 'completed', limit: 10 })).jobs.map((j) => j.id)).toEqual([42, 7]);
        // k7 was released by its completion; k8 is held by the waiting job.
        expect((await up.enqueue(ok, { n: 1 }, { uniqueKey: 'k7' })).inserted).toBe(true);
        expect((await up.enqueue(ok, { n: 1 }, { uniqueKey: 'k8' })).id).toBe(8);
        const next = await up.enqueue(ok, { n: 2 });
        expect(next.id).toBeGreaterThan(42);
        // PostgreSQL: the job finished 10 days ago is pruned with its day's partition. SQLite: the
        // upgrade table holds every day the old jobs finished on, and goes once its newest is old.
        await driverOf(up).prune(RETENTION);
        expect((await up.getJob(9))?.state ?? null).toBe(target.name === 'postgres' ? null : 'dead');
        expect((await up.getJob(7))?.state).toBe('completed');
        expect((await up.getJob(42))?.state).toBe('completed');
      } finally {
        await up.close();
        await db.drop();
      }
    });

    // PostgreSQL only: SQLite makes a day's table in the move's own transaction, and has no relay target.
    if (target.name === 'postgres') it('makes a missing day partition when a job finishes, and moves it there', async () => {
      const db = await target.fresh();
      const other = await createErrand({ databaseUrl: db.url, jobs: JOBS, logger });
      try {
        const r = target.raw(other);
        // No partition at all (as after days without a worker): the first move makes today's and the next days'.
        for (const t of await r.tables()) await r.query(`DROP TABLE ${t}`);
        const [a, b] = await other.enqueueMany([ok.with({ n: 1 }), boom.with({ n: 2 })]);
        await other.drain();
        expect(await other.getJob(a.id)).toMatchObject({ state: 'completed', result: { doubled: 2 } });
        expect((await other.getJob(b.id))?.state).toBe('dead');
        expect(await r.hot()).toBe(0);
        expect(await r.tables()).toContain(dayTable(Date.now()));
      } finally {
        await other.close();
        await db.drop();
      }
    });

    if (target.name === 'postgres') it('relays a job once: a repeated relay finds it in history after it finished', async () => {
      const driver = driverOf(errand);
      const [id] = await driver.reserveIds!(1);
      const job = { id, queue: 'default', name: 'hist.ok', payload: '{"n":1}', priority: 0, runAt: null, maxAttempts: 3, timeoutMs: null, uniqueKey: null, traceContext: null, rateKey: null };
      expect(await driver.insertRelayed!([job])).toEqual([id]);
      await errand.drain();
      expect((await errand.getJob(id))?.state).toBe('completed');
      expect(await driver.insertRelayed!([job])).toEqual([]);
      expect(await raw.hot()).toBe(0);
    });
  });
}
