import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, defineJob } from '../src/index.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';
import { waitForEvent } from './helpers/signals.js';

/**
 * On PostgreSQL the driver runs its queries as named prepared statements (planned once per
 * connection); `preparedStatements: false` turns that off for poolers that cannot keep them.
 * Both ways, a job enqueued inside the caller's transaction runs once the caller commits.
 */
describe.runIf(HAS_PG)('PostgreSQL prepared statements', () => {
  let db: TestDatabase;
  let pool: pg.Pool; // the app's pool, shared with Errand (pgPool)
  const job = defineJob<{ n: number }>({ name: 'prepared-probe', handler: () => {} });

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = testPool(db.url, 3);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it.each([
    [true, 1],
    [false, 0],
  ])('preparedStatements %s: the caller’s connection holds %i errand statement(s) after a transactional enqueue, and the job runs', async (preparedStatements, expected) => {
    const errand = await createErrand({ pgPool: pool, jobs: [job], preparedStatements, logger: pino({ level: 'silent' }) });
    const client = new pg.Client({ connectionString: db.url }); // a session of its own: nothing prepared yet
    await client.connect();
    try {
      await client.query('BEGIN');
      const enq = await errand.enqueue(job, { n: 1 }, { tx: client });
      await client.query('COMMIT');
      const { rows } = await client.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'errand\\_%'");
      expect(rows.map((r) => r.name)).toEqual(expected ? ['errand_insert_jobs'] : []);
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === enq.id);
      const worker = errand.worker({ queues: { default: 1 } });
      await worker.start();
      await done;
      await worker.stop();
    } finally {
      await client.end();
      await errand.close();
    }
  });
});
