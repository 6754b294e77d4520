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
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
