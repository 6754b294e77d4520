import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgPool, SqliteDatabase } from './drivers/connections.js';
import { checkSchemaName, quoteIdent } from './drivers/postgres/schema.js';
import { ErrandError } from './errors.js';

/**
 * The SQL-file migration runner the engine applies its own schema with, for an app's schema too:
 * a directory of numbered, append-only files `NNNN_name.sql` (0001_products.sql, …), each applied
 * once, in its own transaction, recorded in a table of the app's choosing. Processes starting
 * together apply each file exactly once: on SQLite each file runs in BEGIN IMMEDIATE (a second
 * process waits for the write lock, then sees the file applied); on PostgreSQL the whole run holds
 * a session advisory lock whose key the app picks (any key but the engine's).
 *
 *     runSqliteMigrations(db, { directory: new URL('../sql/sqlite/', import.meta.url), table: 'shop_migrations' });
 *     await runPostgresMigrations(pool, { directory: …, table: 'shop_migrations', lockKey: 7_245_901_207 });
 *
 * Both return the files applied now (`0001_products`), in order; an empty list means up to date.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationOptions {
  /** The directory of NNNN_name.sql files (a path, or a file: URL). Other files are ignored. */
  directory: string | URL;
  /** The table that records applied versions (created if missing): letters, digits and _. */
  table: string;
}

export interface PostgresMigrationOptions extends MigrationOptions {
  /** The pg_advisory_lock key held while migrating; one per schema (the engine's is 7245901113). */
  lockKey: number;
  /**
   * Apply the files in this PostgreSQL schema (created if missing) and record them in a table of
   * it: each file runs with `search_path` set to the schema for its own transaction only
   * (`SET LOCAL`), so its unqualified names are created there. Default: the connection's own
   * search_path, as before. Take a lock key of its own per schema.
   */
  schema?: string;
}

/** @internal The engine's own run: text substituted in each file before it runs. */
export interface MigrationHooks {
  fill?: (sql: string, file: string) => string;
}

const FILE = /^(\d{4})_([\w-]+)\.sql$/;
const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The migrations of a directory, in version order. */
export function loadMigrations(directory: string | URL): Migration[] {
  const dir = typeof directory === 'string' ? directory : fileURLToPath(directory);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (err) {
    throw new ErrandError('ERRAND_BAD_OPTION', `cannot read the migrations directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const out: Migration[] = [];
  for (const f of files.sort()) {
    const m = FILE.exec(f);
    if (!m) continue;
    const version = Number(m[1]);
    if (out.at(-1)?.version === version) throw new ErrandError('ERRAND_BAD_OPTION', `two migrations in ${dir} are numbered ${m[1]}`);
    out.push({ version, name: m[2], sql: readFileSync(join(dir, f), 'utf8') });
  }
  return out;
}

function label(m: Migration): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}

function checkTable(table: string): void {
  if (!TABLE.test(table)) throw new ErrandError('ERRAND_BAD_OPTION', `migrations table ${JSON.stringify(table)} must be 1-63 letters, digits or _ (not starting with a digit)`);
}

function failed(m: Migration, table: string, err: unknown): ErrandError {
  return new ErrandError('ERRAND_MIGRATION_FAILED', `migration ${label(m)} (recorded in ${table}) failed: ${(err as Error)?.message ?? err}`, { cause: err });
}

/** Apply the pending migrations of `options.directory` to a SQLite database. */
export function runSqliteMigrations(db: SqliteDatabase, options: MigrationOptions): string[] {
  const { table } = options;
  checkTable(table);
  const migrations = loadMigrations(options.directory);
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied: string[] = [];
  for (const m of migrations) {
    try {
      // One transaction per migration, taken IMMEDIATE: a second process waits, then sees it applied.
      db.transaction(() => {
        if (db.prepare(`SELECT 1 FROM ${table} WHERE version = ?`).get(m.version)) return;
        db.exec(m.sql);
        db.prepare(`INSERT INTO ${table} (version, name, applied_at) VALUES (?, ?, ?)`).run(m.version, m.name, Date.now());
        applied.push(label(m));
      }).immediate();
    } catch (err) {
      throw failed(m, table, err);
    }
  }
  return applied;
}

/** Apply the pending migrations of `options.directory` to a PostgreSQL database, under `lockKey`. */
export async function runPostgresMigrations(pool: PgPool, options: PostgresMigrationOptions, hooks: MigrationHooks = {}): Promise<string[]> {
  const { table: bare, lockKey, schema } = options;
  checkTable(bare);
  if (schema !== undefined) checkSchemaName(schema);
  if (!Number.isSafeInteger(lockKey)) throw new ErrandError('ERRAND_BAD_OPTION', `lockKey must be a whole number, got ${lockKey}`);
  const table = schema === undefined ? bare : `${quoteIdent(schema)}.${bare}`;
  const migrations = loadMigrations(options.directory);
  const client = await pool.connect();
  const sql = (text: string, values?: unknown[]) => client.query({ text, values });
  const applied: string[] = [];
  try {
    await sql('SELECT pg_advisory_lock($1)', [lockKey]);
    if (schema !== undefined) {
      // Created only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
      // database even when the schema is there, and a role may own its schema without it.
      const { rows } = await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (rows.length === 0) await sql(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    }
    await sql(`CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await sql(`SELECT version FROM ${table}`)).rows.map((r) => (r as { version: number }).version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await sql('BEGIN');
      try {
        // The schema only (pg_catalog is always searched first), for this transaction only.
        if (schema !== undefined) await sql("SELECT set_config('search_path', $1, true)", [quoteIdent(schema)]);
        await sql(hooks.fill ? hooks.fill(m.sql, `${label(m)}.sql`) : m.sql);
        await sql(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        await sql('COMMIT');
      } catch (err) {
        await sql('ROLLBACK').catch(() => {});
        throw failed(m, table, err);
      }
      applied.push(label(m));
    }
  } finally {
    await sql('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => {});
    client.release();
  }
  return applied;
}
