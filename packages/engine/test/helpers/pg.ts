import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests: each test file gets a database of its own (CREATE DATABASE … on the
 * server at PG_TEST_URL, default postgres://postgres@127.0.0.1:5432/test), so suites run in
 * parallel without sharing tables, and drop it afterwards.
 *
 * When the server cannot be reached: with REQUIRE_POSTGRES=1 (set by CI) or CI=true the suite
 * fails loudly; otherwise PostgreSQL suites are skipped with a warning (a laptop without it).
 */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: boolean | undefined;

export async function postgresAvailable(): Promise<boolean> {
  if (reachable !== undefined) return reachable;
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    reachable = true;
  } catch (err) {
    if (process.env.REQUIRE_POSTGRES === '1' || process.env.CI) {
      throw new Error(`PostgreSQL is required (REQUIRE_POSTGRES/CI) but ${PG_ADMIN_URL} is unreachable: ${(err as Error).message}`);
    }
    console.warn(`PostgreSQL at ${PG_ADMIN_URL} unreachable; PostgreSQL suites are skipped`);
    reachable = false;
  } finally {
    await c.end().catch(() => {});
  }
  return reachable;
}

/** Whether PostgreSQL suites run: top-level await in a test file, then describe.runIf(HAS_PG). */
export const HAS_PG = await postgresAvailable();

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'errand_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        // pg's Pool.end() resolves before its clients' sockets have closed: give those sessions
        // a moment to leave, so FORCE does not terminate one mid-goodbye (an 'error' event on a
        // pool with no listener left, which crashes the test worker after its tests passed).
        for (let i = 0; i < 40; i++) {
          const { rows } = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A pg.Pool for a test's own queries. An idle client's 'error' (its session ended by the
 * server, as dropping the database does) is ignored, as an app's pool must: a pool without a
 * listener rethrows it and crashes the test worker. Queries still reject as usual.
 */
export function testPool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}
