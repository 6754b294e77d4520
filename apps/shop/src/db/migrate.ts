/**
 * The shop's migrations: numbered, append-only files in apps/shop/sql/{sqlite,postgres}/NNNN_name.sql,
 * applied by the engine's own SQL-file runner (each file in its own transaction, under a lock:
 * SQLite BEGIN IMMEDIATE, PostgreSQL pg_advisory_lock), recorded in shop_migrations.
 */
import { type PgPool, runPostgresMigrations, runSqliteMigrations, type SqliteDatabase } from 'errand';

const TABLE = 'shop_migrations';
/** pg_advisory_lock key: "shop migrations" (the engine uses its own key). */
const PG_LOCK = 7_245_901_207;

export function migrateSqlite(db: SqliteDatabase): string[] {
  return runSqliteMigrations(db, { directory: new URL('../../sql/sqlite/', import.meta.url), table: TABLE });
}

export function migratePostgres(pool: PgPool): Promise<string[]> {
  return runPostgresMigrations(pool, { directory: new URL('../../sql/postgres/', import.meta.url), table: TABLE, lockKey: PG_LOCK });
}
