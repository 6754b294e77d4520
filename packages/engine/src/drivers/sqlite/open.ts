import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqliteDatabase } from '../connections.js';

export interface OpenSqliteOptions {
  /** How long a statement waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * Open a SQLite file the way the engine opens its own, so an app's connection and the engine's
 * behave alike (and can be one: `createErrand({ sqlite: db })`). Pass better-sqlite3's
 * `Database` class; what comes back is that class's instance, fully typed:
 *
 *     const db = openSqlite(Database, './data/app.db'); // Database: the better-sqlite3 package's default export
 *
 * - the file's directory is created if missing;
 * - `journal_mode = WAL`: readers never block the writer;
 * - `synchronous = FULL`: a committed transaction survives power loss;
 * - `busy_timeout`: processes sharing the file wait their turn for the write lock;
 * - `foreign_keys = ON`: REFERENCES constraints are enforced (SQLite's default is off).
 *
 * `':memory:'` opens an in-memory database (no directory, no WAL, no fsync to ask for).
 */
export function openSqlite<D extends SqliteDatabase>(Database: new (filename: string) => D, filename: string, options: OpenSqliteOptions = {}): D {
  const memory = filename === ':memory:';
  if (!memory) mkdirSync(dirname(filename), { recursive: true });
  const db = new Database(filename);
  try {
    applySqlitePragmas(db, options);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** busy_timeout always; WAL and synchronous=FULL unless the database is in memory. */
export function applySqlitePragmas(db: SqliteDatabase, options: OpenSqliteOptions = {}): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  if (!db.memory) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
}

/** The main database's file ('' for a temporary or in-memory one). */
export function mainFile(db: SqliteDatabase): string {
  try {
    const rows = db.pragma('database_list') as { name: string; file: string }[];
    return rows.find((r) => r.name === 'main')?.file ?? '';
  } catch {
    return '';
  }
}
