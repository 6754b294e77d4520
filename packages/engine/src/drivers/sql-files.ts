import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered, append-only migrations of a dialect, in order. */
export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(SQL_ROOT, dialect, 'migrations');
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Every query file of a dialect, by name (file name without .sql). */
export function loadQueries<N extends string>(dialect: 'sqlite' | 'postgres', names: readonly N[]): Record<N, string> {
  const dir = join(SQL_ROOT, dialect, 'queries');
  const out = {} as Record<N, string>;
  for (const name of names) out[name] = readFileSync(join(dir, `${name}.sql`), 'utf8');
  return out;
}
