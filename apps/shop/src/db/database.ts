/**
 * One database connection per process, shared by the shop's store and the engine (same file or
 * server, same transaction for a sale and its charge job).
 */
import Database from 'better-sqlite3';
import { ErrandError, openSqlite, parseDatabaseUrl } from 'errand';
import pg from 'pg';
import { prepareDatabaseFile } from './file-mode.js';
import { migratePostgres, migrateSqlite } from './migrate.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { ShopStore } from './types.js';

export type ShopDatabase =
  | { dialect: 'sqlite'; sqlite: Database.Database; store: ShopStore }
  /** `schema`: the URL's `?schema=`, where the engine keeps its jobs tables (the shop's stay in the default place). */
  | { dialect: 'postgres'; pool: pg.Pool; store: ShopStore; schema?: string };

export interface OpenDatabaseOptions {
  poolSize?: number;
  /**
   * The engine keeps its jobs on this same connection or database (no JOBS_URL). The writes job
   * handlers make then leave their fsync to the job's own completion (SqliteStore
   * `jobsOnThisConnection`, PostgresStore `jobsOnThisDatabase`).
   */
  jobsOnThisConnection?: boolean;
}

/** Opens `sqlite:…`, `memory:` or `postgres://…`, applies the shop's migrations, returns the store. */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<ShopDatabase> {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.connectionString, max: options.poolSize ?? poolSizeFromEnv() });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    // A checked-out client (mid-transaction) has no pool listener: without this, a server restart's FATAL crashes the process.
    pool.on('connect', (client) => client.on('error', () => {}));
    try {
      await migratePostgres(pool);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return { dialect: 'postgres', pool, store: new PostgresStore(pool, { jobsOnThisDatabase: options.jobsOnThisConnection ?? false }), schema: target.schema };
  }
  if (target.kind === 'redis') {
    // Sales live in SQL, in one transaction with their charge job. The jobs may live in Redis
    // (JOBS_URL=redis://…): the checkout then writes them to the engine's outbox in DATABASE_URL.
    throw new ErrandError('ERRAND_BAD_URL', 'the shop keeps its sales in SQL: DATABASE_URL must be a sqlite:, postgres:// or memory: URL, not Redis (for the jobs in Redis, set JOBS_URL=redis://… beside it)');
  }
  if (target.kind !== 'memory') prepareDatabaseFile(target.filename);
  // The engine's pragmas: WAL, synchronous=FULL, busy_timeout, foreign keys on.
  const db = openSqlite(Database, target.kind === 'memory' ? ':memory:' : target.filename);
  try {
    migrateSqlite(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return { dialect: 'sqlite', sqlite: db, store: new SqliteStore(db, { jobsOnThisConnection: options.jobsOnThisConnection ?? false }) };
}

/** DATABASE_POOL_SIZE (PostgreSQL connections per process, shared by the shop and the engine). Default 10. */
function poolSizeFromEnv(): number {
  const n = Number(process.env.DATABASE_POOL_SIZE ?? 10);
  return Number.isInteger(n) && n > 0 ? n : 10;
}
