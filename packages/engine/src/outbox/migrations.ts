import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The outbox table's migrations (sql/<dialect>/outbox/), run in the application's database. */
export function outboxMigrations(dialect: 'sqlite' | 'postgres'): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', dialect, 'outbox');
}
