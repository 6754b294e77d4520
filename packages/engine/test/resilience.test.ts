import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, defineJob, type Errand } from '../src/index.js';
import { createTestDatabase, HAS_PG, PG_ADMIN_URL, type TestDatabase } from './helpers/pg.js';
import { eventually, waitForEvent } from './helpers/signals.js';

/**
 * The database goes away under a running worker: every server connection of the test database
 * is terminated (what a server restart does to a client), twice. The worker must log, reconnect
 * with backoff, re-LISTEN, and go on; no job is lost.
 */
describe.runIf(HAS_PG)('losing the PostgreSQL connection while running', () => {
  let db: TestDatabase;
  let errand: Errand;
  const ran = new Set<number>();
  const job = defineJob<{ i: number }>({ name: 'resilient', handler: (p) => void ran.add(p.i) });

  beforeAll(async () => {
    db = await createTestDatabase();
    errand = await createErrand({ databaseUrl: db.url, jobs: [job], logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await errand?.close();
    await db?.drop();
  });

  async function terminateConnections(): Promise<number> {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
    await admin.end();
    return rowCount ?? 0;
  }

  it('keeps working through terminated connections, and wakes on NOTIFY again', async () => {
    const worker = errand.worker({ queues: { default: 5 }, pollMs: 60_000 /* only NOTIFY can wake it quickly */ });
    await worker.start();
    await errand.enqueueMany(Array.from({ length: 50 }, (_, i) => job.with({ i })));
    await eventually(() => ran.size === 50, 10_000, 'first 50 jobs');

    const dbErrors: string[] = [];
    const off = errand.on('db:error', (e) => dbErrors.push(e.operation));
    expect(await terminateConnections()).toBeGreaterThan(0);
    // Enqueue from a separate client, so only the worker's re-established LISTEN can wake it.
    const other = await createErrand({ databaseUrl: db.url, logger: pino({ level: 'silent' }) });
    await eventually(async () => {
      try {
        await other.enqueueMany(Array.from({ length: 50 }, (_, i) => job.with({ i: 50 + i })));
        return true;
      } catch {
        return false;
      }
    }, 10_000, 'enqueue after termination');
    await eventually(() => ran.size === 100, 15_000, 'jobs after the connections were cut');
    expect(dbErrors).toContain('listen');

    await terminateConnections();
    const next = waitForEvent(errand, 'job:success', (e) => (e.job.payload as { i: number }).i === 999);
    await eventually(async () => {
      try {
        await other.enqueue(job, { i: 999 });
        return true;
      } catch {
        return false;
      }
    }, 10_000, 'enqueue after the second termination');
    await next;
    off();
    expect(worker.isRunning).toBe(true);
    await other.close();
    await worker.stop();
    const counts = await errand.admin.stateCounts();
    expect(counts.completed).toBe(101);
    expect(counts.running + counts.available + counts.retryable).toBe(0);
  }, 60_000);
});
