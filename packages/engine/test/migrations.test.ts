import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrandError, loadMigrations, openSqlite, runPostgresMigrations, runSqliteMigrations } from '../src/index.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';

/** The engine's SQL-file runner and SQLite opener, as an app uses them for its own schema. */
let dir: string;
const migrations = () => join(dir, 'migrations');

/** A directory of migration files. */
function writeDir(path: string, files: Record<string, string>): string {
  mkdirSync(path, { recursive: true });
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(path, file), sql);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-migrations-'));
  writeDir(migrations(), {
    '0001_products.sql': 'CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL);',
    '0002_sales.sql': 'CREATE TABLE sales (id integer PRIMARY KEY, product_id integer NOT NULL REFERENCES products (id));\nCREATE INDEX sales_product ON sales (product_id);',
    'README.md': 'not a migration',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadMigrations', () => {
  it('reads NNNN_name.sql files in order and ignores the rest', () => {
    expect(loadMigrations(migrations()).map((m) => [m.version, m.name])).toEqual([
      [1, 'products'],
      [2, 'sales'],
    ]);
  });

  it('says which directory it cannot read', () => {
    const err = (() => {
      try {
        loadMigrations(join(dir, 'nope'));
      } catch (e) {
        return e as ErrandError;
      }
    })();
    expect(err).toBeInstanceOf(ErrandError);
    expect(err?.code).toBe('ERRAND_BAD_OPTION');
  });
});

describe('openSqlite and runSqliteMigrations', () => {
  it('opens a file with the engine’s pragmas, creating its directory', () => {
    const db = openSqlite(Database, join(dir, 'deep', 'er', 'app.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
    const mem = openSqlite(Database, ':memory:', { busyTimeoutMs: 100 });
    expect(mem.pragma('busy_timeout', { simple: true })).toBe(100);
    mem.close();
  });

  it('applies each file once, in its own table, and says what it applied', () => {
    const db = openSqlite(Database, join(dir, 'app.db'));
    try {
      expect(runSqliteMigrations(db, { directory: migrations(), table: 'app_migrations' })).toEqual(['0001_products', '0002_sales']);
      expect(runSqliteMigrations(db, { directory: migrations(), table: 'app_migrations' })).toEqual([]);
      expect(db.prepare('SELECT version, name FROM app_migrations ORDER BY version').all()).toEqual([
        { version: 1, name: 'products' },
        { version: 2, name: 'sales' },
      ]);
      // foreign_keys = ON: the REFERENCES of 0002 is enforced.
      expect(() => db.prepare('INSERT INTO sales (product_id) VALUES (42)').run()).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('rolls back a failing file and names it, with the cause', () => {
    const bad = writeDir(join(dir, 'bad'), {
      '0001_ok.sql': 'CREATE TABLE ok (id integer);',
      '0002_broken.sql': 'CREATE TABLE half (id integer);\nCREATE TABLE oops (;',
    });
    const db = openSqlite(Database, ':memory:');
    const err = (() => {
      try {
        runSqliteMigrations(db, { directory: bad, table: 'app_migrations' });
      } catch (e) {
        return e as ErrandError;
      }
    })();
    expect(err).toBeInstanceOf(ErrandError);
    expect(err?.code).toBe('ERRAND_MIGRATION_FAILED');
    expect(err?.message).toMatch(/^migration 0002_broken \(recorded in app_migrations\) failed: /);
    expect(err?.cause).toBeInstanceOf(Error);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('ok', 'half')").all()).toEqual([{ name: 'ok' }]);
    db.close();
  });

  it('refuses a table name that is not an identifier', () => {
    const db = openSqlite(Database, ':memory:');
    expect(() => runSqliteMigrations(db, { directory: migrations(), table: 'x; DROP TABLE y' })).toThrow(/migrations table/);
    db.close();
  });
});

describe.runIf(HAS_PG)('runPostgresMigrations', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = testPool(database.url, 4);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('applies each file exactly once when several processes start together', async () => {
    const options = { directory: migrations(), table: 'app_migrations', lockKey: 424_242 };
    const runs = await Promise.all([1, 2, 3].map(() => runPostgresMigrations(pool, options)));
    expect(runs.flat().sort()).toEqual(['0001_products', '0002_sales']);
    expect(await runPostgresMigrations(pool, options)).toEqual([]);
    const { rows } = await pool.query('SELECT version, name FROM app_migrations ORDER BY version');
    expect(rows).toEqual([
      { version: 1, name: 'products' },
      { version: 2, name: 'sales' },
    ]);
  });
});
