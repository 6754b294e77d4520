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

/** Runs `fn` and returns what it returns, with that commit's fsync left to a later one. */
export type WithoutFsync = <T>(fn: () => T) => T;

/**
 * For writes whose durability can wait for the next fsynced commit on the same file: a wrapper
 * that runs each at synchronous=NORMAL and puts the connection's level back after, or null when
 * there is nothing to defer — not in WAL mode (in a rollback journal NORMAL risks corruption on
 * power loss, not just a lost commit), or the level is already NORMAL or OFF. In WAL mode the log
 * is sequential, so the next synchronous=FULL commit's fsync makes every frame before it durable;
 * a process crash loses nothing either way, a power cut loses the deferred commits since the last
 * fsync. Inside a transaction the wrapper does nothing (the pragma cannot change there, and the
 * transaction's own commit decides).
 *
 * The engine uses it for claims (a claim lost to a power cut leaves its job available again);
 * `errand`'s users can for writes a job handler makes before its completion commits, on the
 * same connection.
 */
export function deferFsync(db: SqliteDatabase): WithoutFsync | null {
  if (db.memory) return null;
  const mode = String((db.pragma('journal_mode') as { journal_mode: string }[])[0]?.journal_mode).toLowerCase();
  // 0 = OFF, 1 = NORMAL, 2 = FULL, 3 = EXTRA.
  const level = Number((db.pragma('synchronous') as { synchronous: number }[])[0]?.synchronous ?? 0);
  if (mode !== 'wal' || level < 2) return null;
  const relax = db.prepare('PRAGMA synchronous = NORMAL');
  const restore = db.prepare(`PRAGMA synchronous = ${level}`);
  return <T>(fn: () => T): T => {
    if (db.inTransaction) return fn();
    relax.run();
    try {
      return fn();
    } finally {
      restore.run();
    }
  };
}
