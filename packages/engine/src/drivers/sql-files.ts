import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

/** The directory of a dialect's numbered, append-only migrations (run by migrations.ts). */
export function migrationsDirectory(dialect: 'sqlite' | 'postgres'): string {
  return join(SQL_ROOT, dialect, 'migrations');
}

/** Every query file of a dialect, by name (file name without .sql). */
export function loadQueries<N extends string>(dialect: 'sqlite' | 'postgres', names: readonly N[]): Record<N, string> {
  const dir = join(SQL_ROOT, dialect, 'queries');
  const out = {} as Record<N, string>;
  for (const name of names) out[name] = readFileSync(join(dir, `${name}.sql`), 'utf8');
  return out;
}

/**
 * The finished-jobs form of a query written over errand_jobs: the same statement over
 * errand_jobs_history (PostgreSQL: the table partitioned by day; SQLite: the view over the day
 * tables), where finished jobs live. For the console's reads by state (pages, walk bounds, bulk
 * selections), which are the same text whichever table holds the state.
 */
export function overHistory(sql: string): string {
  return sql.replace(/\berrand_jobs\b/g, 'errand_jobs_history');
}
