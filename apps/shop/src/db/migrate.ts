/**
 * The shop's migrations: numbered, append-only files in apps/shop/sql/{sqlite,postgres}/NNNN_name.sql,
 * each applied in its own transaction under a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL:
 * pg_advisory_lock), so processes starting together apply each file exactly once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** pg_advisory_lock key: "shop migrations" (the engine uses its own key). */
const PG_LOCK = 7_245_901_207;

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = new URL(`../../sql/${dialect}/`, import.meta.url);
  return readdirSync(dir)
    .map((f) => FILE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: readFileSync(new URL(m[0], dir), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

export function migrateSqlite(db: BetterSqlite3.Database): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS shop_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied: string[] = [];
  for (const m of loadMigrations('sqlite')) {
    db.transaction(() => {
      if (db.prepare('SELECT 1 FROM shop_migrations WHERE version = ?').get(m.version)) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO shop_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      applied.push(`${m.version}_${m.name}`);
    }).immediate();
  }
  return applied;
}

export async function migratePostgres(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS shop_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query('SELECT version FROM shop_migrations')).rows.map((r) => r.version));
    for (const m of loadMigrations('postgres')) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO shop_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
        applied.push(`${m.version}_${m.name}`);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`shop migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_LOCK]).catch(() => {});
    client.release();
  }
  return applied;
}
