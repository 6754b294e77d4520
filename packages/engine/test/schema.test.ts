import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgNames } from '../src/drivers/postgres/schema.js';
import { createErrand, defineJob, type Errand, ErrandError } from '../src/index.js';
import { parseDatabaseUrl } from '../src/url.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';
import { ERRAND_CLI } from './helpers/processes.js';
import { waitForEvent } from './helpers/signals.js';

const logger = pino({ level: 'silent' });
const run = promisify(execFile);

async function rejection(p: Promise<unknown>): Promise<ErrandError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ErrandError);
  return err as ErrandError;
}

describe('the schema option: URLs and names', () => {
  it('takes ?schema= out of the URL given to pg, keeping every other parameter', () => {
    expect(parseDatabaseUrl('postgres://u:p@h:5432/db?schema=errand')).toEqual({ kind: 'postgres', connectionString: 'postgres://u:p@h:5432/db', schema: 'errand' });
    expect(parseDatabaseUrl('postgres://h/db?sslmode=disable&schema=jobs&application_name=shop')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://h/db?sslmode=disable&application_name=shop',
      schema: 'jobs',
    });
    expect(parseDatabaseUrl('postgres://h/db?sslmode=disable')).toEqual({ kind: 'postgres', connectionString: 'postgres://h/db?sslmode=disable' });
    expect(() => parseDatabaseUrl('postgres://h/db?schema=a&schema=b')).toThrow(/\?schema= 2 times/);
  });

  it('refuses a bad schema name, naming it, before connecting', async () => {
    for (const bad of ['1jobs', 'my-jobs', 'a"b', 'pg_jobs', '', 'x'.repeat(64)]) {
      const err = await rejection(createErrand({ databaseUrl: 'postgres://127.0.0.1:1/none', schema: bad, logger, migrate: false }));
      expect(err.code).toBe('ERRAND_BAD_OPTION');
      expect(err.message).toContain(JSON.stringify(bad));
    }
    const inUrl = await rejection(createErrand({ databaseUrl: 'postgres://127.0.0.1:1/none?schema=my-jobs', logger, migrate: false }));
    expect(inUrl.message).toMatch(/\?schema= of postgres:\/\/127\.0\.0\.1:1\/none.*"my-jobs" is not a schema name/);
  });

  it('refuses a URL and an option that disagree, and a schema on SQLite', async () => {
    const err = await rejection(createErrand({ databaseUrl: 'postgres://127.0.0.1:1/none?schema=a', schema: 'b', logger, migrate: false }));
    expect(err.code).toBe('ERRAND_BAD_OPTION');
    expect(err.message).toMatch(/schema option says "b" but the database URL's \?schema= says "a"/);
    for (const databaseUrl of ['memory:', 'sqlite:/tmp/errand-schema-never.db']) {
      const e = await rejection(createErrand({ databaseUrl, schema: 'errand', logger }));
      expect(e.message).toMatch(/schema option is for PostgreSQL only/);
    }
  });

  it('derives a channel, a migration lock and statement names per schema, the default keeping today’s', () => {
    const def = pgNames();
    expect(def).toMatchObject({ schema: null, qualifier: '', channel: 'errand_jobs', lockKey: 7_245_901_113, statementPrefix: 'errand_' });
    expect(pgNames('public')).toMatchObject({ qualifier: '"public".', channel: 'errand_jobs', lockKey: 7_245_901_113 });
    const a = pgNames('errand_a');
    const b = pgNames('errand_b');
    expect(a.qualifier).toBe('"errand_a".');
    expect(a.channel).toBe('errand_jobs:errand_a');
    expect(new Set([a.lockKey, b.lockKey, def.lockKey]).size).toBe(3);
    expect(Number.isSafeInteger(a.lockKey)).toBe(true);
    expect(a.statementPrefix).not.toBe(b.statementPrefix);
    const long = pgNames('s'.repeat(63));
    expect(Buffer.byteLength(long.channel)).toBeLessThanOrEqual(63);
    expect(`${long.statementPrefix}admin_walk_bound_by_run_at`.length).toBeLessThanOrEqual(63);
  });
});

describe.runIf(HAS_PG)('the schema option on PostgreSQL', () => {
  let db: TestDatabase;
  let pool: ReturnType<typeof testPool>;
  const open: Errand<any>[] = [];
  const connect = async (options: Parameters<typeof createErrand>[0]) => {
    const e = await createErrand({ logger, ...options });
    open.push(e);
    return e;
  };
  const tablesIn = async (schema: string) =>
    // History's day partitions (errand_jobs_history_YYYYMMDD) are left out: which days exist depends on the date.
    (await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'errand%' AND tablename !~ '_[0-9]{8}$' ORDER BY 1", [schema])).rows.map((r) => r.tablename);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = testPool(db.url);
  });
  afterAll(async () => {
    for (const e of open) await e.close().catch(() => {});
    await pool?.end();
    await db?.drop();
  });

  it('keeps two installs and the default one apart in one database: tables, jobs, wake-ups', async () => {
    const job = defineJob<{ n: number }>({ name: 'apart', handler: () => {} });
    const home = await connect({ databaseUrl: db.url, jobs: [job] });
    const a = await connect({ databaseUrl: `${db.url}?schema=errand_a`, jobs: [job] });
    const b = await connect({ databaseUrl: db.url, schema: 'errand_b', jobs: [job] });
    expect([home.schema, a.schema, b.schema]).toEqual([null, 'errand_a', 'errand_b']);
    for (const s of ['errand_a', 'errand_b']) {
      expect(await tablesIn(s)).toEqual(['errand_jobs', 'errand_jobs_history', 'errand_migrations', 'errand_queues', 'errand_rate_limits', 'errand_rate_windows', 'errand_schedules', 'errand_stats', 'errand_workers']);
    }
    expect(await tablesIn('public')).toContain('errand_jobs');

    const inA = await a.enqueue(job, { n: 1 });
    await b.enqueue(job, { n: 2 });
    await b.enqueue(job, { n: 3 });
    expect((await a.admin.stateCounts()).available).toBe(1);
    expect((await b.admin.stateCounts()).available).toBe(2);
    expect((await home.admin.stateCounts()).available).toBe(0);
    expect(await b.admin.getJob(inA.id).then((j) => j?.payload)).not.toEqual({ n: 1 }); // ids are per schema too
    const count = async (s: string) => (await pool.query(`SELECT count(*)::int AS n FROM "${s}".errand_jobs`)).rows[0].n;
    expect([await count('public'), await count('errand_a'), await count('errand_b')]).toEqual([0, 1, 2]);

    // A's worker, polling only once a minute, is woken by A's enqueue (its channel) and runs A's
    // jobs only; B's are left alone, and B's worker hears nothing of A's.
    const ranA: number[] = [];
    const ranB: number[] = [];
    const jobA = defineJob<{ n: number }>({ name: 'wake', handler: ({ n }) => void ranA.push(n) });
    const jobB = defineJob<{ n: number }>({ name: 'wake', handler: ({ n }) => void ranB.push(n) });
    a.register(jobA);
    b.register(jobB);
    const wa = a.worker({ queues: { wakeq: 2 }, pollMs: 60_000, maintenance: false });
    const wb = b.worker({ queues: { wakeq: 2 }, pollMs: 60_000, maintenance: false });
    await wa.start();
    await wb.start();
    await new Promise((r) => setTimeout(r, 200)); // both LISTENing, their first look done
    const done = waitForEvent(a, 'job:success', (e) => e.job.name === 'wake');
    const t0 = Date.now();
    await a.enqueue(jobA, { n: 7 }, { queue: 'wakeq' });
    await done;
    expect(Date.now() - t0).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 300));
    await wa.stop();
    await wb.stop();
    expect(ranA).toEqual([7]);
    expect(ranB).toEqual([]);
  });

  it('migrates each schema under its own advisory lock: one schema migrating never holds up another', async () => {
    const holder = await pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [pgNames('errand_locked').lockKey]);
      let lockedDone = false;
      const locked = connect({ databaseUrl: db.url, schema: 'errand_locked' }).then((e) => {
        lockedDone = true;
        return e;
      });
      const free = await connect({ databaseUrl: db.url, schema: 'errand_free' });
      expect(await tablesIn('errand_free')).toContain('errand_jobs');
      expect(lockedDone).toBe(false);
      await holder.query('SELECT pg_advisory_unlock($1)', [pgNames('errand_locked').lockKey]);
      await locked;
      expect(await tablesIn('errand_locked')).toContain('errand_jobs');
      expect(free.schema).toBe('errand_free');
    } finally {
      holder.release();
    }
  });

  it('enqueues in the caller’s transaction without touching its search_path, and only if it commits', async () => {
    const job = defineJob<{ guid: string }>({ name: 'charge', handler: () => {} });
    const errand = await connect({ databaseUrl: `${db.url}?schema=errand_tx`, jobs: [job] });
    await pool.query('CREATE SCHEMA IF NOT EXISTS shop; CREATE TABLE IF NOT EXISTS shop.sales (guid text PRIMARY KEY)');
    const client = await pool.connect();
    try {
      await client.query('SET search_path TO shop');
      for (const outcome of ['COMMIT', 'ROLLBACK'] as const) {
        const guid = `sale-${outcome}`;
        await client.query('BEGIN');
        await client.query('INSERT INTO sales (guid) VALUES ($1)', [guid]); // the app's unqualified name: shop.sales
        const enq = await errand.enqueue(job, { guid }, { tx: client });
        expect((await client.query('SHOW search_path')).rows[0].search_path).toBe('shop');
        await client.query('INSERT INTO sales (guid) VALUES ($1)', [`${guid}-after`]); // still resolves to shop.sales
        await client.query(outcome);
        const stored = await errand.admin.getJob(enq.id);
        if (outcome === 'COMMIT') expect(stored?.payload).toEqual({ guid });
        else expect(stored).toBeNull();
      }
      expect((await client.query('SHOW search_path')).rows[0].search_path).toBe('shop');
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
    expect((await pool.query('SELECT guid FROM shop.sales ORDER BY guid')).rows.map((r) => r.guid)).toEqual(['sale-COMMIT', 'sale-COMMIT-after']);
    expect((await pool.query('SELECT count(*)::int AS n FROM errand_tx.errand_jobs')).rows[0].n).toBe(1);
  });

  it('keeps prepared statements of two schemas apart on one shared connection', async () => {
    const shared = testPool(db.url, 1); // one connection: both installs prepare on it
    try {
      const job = defineJob<{ n: number }>({ name: 'shared', handler: () => {} });
      const a = await connect({ pgPool: shared, schema: 'errand_pa', jobs: [job] });
      const b = await connect({ pgPool: shared, schema: 'errand_pb', jobs: [job] });
      for (let i = 0; i < 3; i++) {
        await a.enqueue(job, { n: i });
        await b.enqueue(job, { n: 10 + i });
      }
      expect((await a.admin.stateCounts()).available).toBe(3);
      expect((await b.admin.stateCounts()).available).toBe(3);
      const named = (await shared.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'errand%insert_jobs'")).rows.map((r) => r.name);
      expect(named).toHaveLength(2);
      await a.close();
      await b.close();
    } finally {
      await shared.end();
    }
  });

  it('moves nothing: migrating a schema beside an install in the default place says the old tables were left there', async () => {
    const other = await createTestDatabase();
    try {
      const job = defineJob<{ n: number }>({ name: 'old', handler: () => {} });
      const old = await createErrand({ databaseUrl: other.url, jobs: [job], logger });
      await old.enqueue(job, { n: 1 });
      await old.close();
      const { stdout } = await run(process.execPath, [...ERRAND_CLI, 'migrate', '--database-url', other.url, '--schema', 'errand'], {
        env: { ...process.env, ERRAND_LOG_LEVEL: 'info', DATABASE_URL: '' },
      });
      expect(stdout).toMatch(/applied 0001_init, (\d{4}_\w+, )*\d{4}_\w+ in schema "errand"/);
      expect(stdout).toMatch(/created the jobs tables in schema \\?"errand\\?"; the tables in the default place \(public\.errand_jobs and the other errand_\* tables\) were left where they are, with their jobs: nothing was moved/);
      const p = testPool(other.url, 1);
      try {
        expect((await p.query('SELECT count(*)::int AS n FROM public.errand_jobs')).rows[0].n).toBe(1);
        expect((await p.query('SELECT count(*)::int AS n FROM errand.errand_jobs')).rows[0].n).toBe(0);
      } finally {
        await p.end();
      }
      const again = await run(process.execPath, [...ERRAND_CLI, 'migrate', '--database-url', `${other.url}?schema=errand`], { env: { ...process.env, DATABASE_URL: '' } });
      expect(again.stdout).toMatch(/nothing to apply in schema "errand": up to date/);
      const conflict = await run(process.execPath, [...ERRAND_CLI, 'migrate', '--database-url', `${other.url}?schema=errand`, '--schema', 'jobs'], {
        env: { ...process.env, DATABASE_URL: '' },
      }).catch((e: { code: number; stderr: string }) => e);
      expect(conflict).toMatchObject({ code: 2 });
      expect((conflict as { stderr: string }).stderr).toMatch(/schema option says "jobs" but the database URL's \?schema= says "errand"/);
    } finally {
      await other.drop();
    }
  });
});
