import type { Logger } from 'pino';
import type { PgPool, SqliteDatabase } from '../drivers/connections.js';
import { type ClientLoader, loadClient } from '../drivers/open.js';
import type { PgModule } from '../drivers/postgres/driver.js';
import { openSqlite } from '../drivers/sqlite/open.js';
import { ErrandError } from '../errors.js';
import { parseDatabaseUrl, redact } from '../url.js';
import { PostgresOutbox } from './postgres-outbox.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import type { OutboxStore } from './store.js';

/** Where the outbox lives: the application's better-sqlite3 Database, its pg Pool, or a URL of either. */
export type OutboxOption = SqliteDatabase | PgPool | string;

type SqliteConstructor = new (filename: string) => SqliteDatabase;

export async function openOutbox(option: OutboxOption, logger: Logger, load: ClientLoader = (name) => import(name)): Promise<OutboxStore> {
  const onError = (err: unknown) => logger.warn({ err: String(err) }, 'db:error outbox connection');
  if (typeof option === 'string') {
    const target = parseDatabaseUrl(option);
    if (target.kind === 'postgres') {
      const pg = await loadClient<PgModule>(load, 'pg', `outbox ${redact(option)}`);
      return new PostgresOutbox(pg, new pg.Pool({ connectionString: target.connectionString, max: 4 }), true, onError);
    }
    if (target.kind === 'sqlite') {
      const Database = await loadClient<SqliteConstructor>(load, 'better-sqlite3', `outbox ${option}`);
      return new SqliteOutbox(openSqlite(Database, target.filename), true);
    }
    throw new ErrandError('ERRAND_BAD_OPTION', `outbox: ${option} is not a database an outbox can live in (sqlite:… or postgres://…)`);
  }
  if (isPgPool(option)) {
    const pg = await loadClient<PgModule>(load, 'pg', 'createErrand({ outbox: pool })');
    return new PostgresOutbox(pg, option, false, onError);
  }
  if (typeof (option as SqliteDatabase)?.prepare === 'function') return new SqliteOutbox(option as SqliteDatabase, false);
  throw new ErrandError('ERRAND_BAD_OPTION', 'outbox: expected a better-sqlite3 Database, a pg Pool, or a sqlite:/postgres:// URL');
}

function isPgPool(o: unknown): o is PgPool {
  const p = o as PgPool;
  return typeof p?.connect === 'function' && typeof p?.totalCount === 'number';
}
