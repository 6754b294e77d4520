import { ErrandError } from './errors.js';

export type DatabaseTarget =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'memory' }
  | { kind: 'postgres'; connectionString: string; schema?: string };

export const DEFAULT_DATABASE_URL = 'sqlite:./data/app.db';

const ACCEPTED = [
  'sqlite:./path/to/file.db (or sqlite:/absolute/path.db, sqlite:///absolute/path.db)',
  'postgres://user:password@host:5432/database (or postgresql://…)',
  'memory: (in-process, nothing persisted)',
];

/** Parse a database URL, or fail at once with the forms we accept. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const u = String(url ?? '').trim();
  if (u === 'memory:' || u === 'memory://') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(u)) return postgresTarget(u);
  const m = /^sqlite:(?:\/\/)?(.+)$/i.exec(u);
  if (m && m[1] !== ':memory:') return { kind: 'sqlite', filename: m[1] };
  if (m) return { kind: 'memory' };
  throw new ErrandError(
    'ERRAND_BAD_URL',
    `unsupported database URL ${JSON.stringify(redact(u))}; accepted forms:\n  ${ACCEPTED.join('\n  ')}`,
  );
}

/**
 * A PostgreSQL URL, with Errand's own `?schema=` taken out: pg would pass an unknown parameter to
 * the server as a setting (and fail the connection). Every other parameter is left as written.
 */
function postgresTarget(u: string): DatabaseTarget {
  const at = u.indexOf('?');
  if (at < 0) return { kind: 'postgres', connectionString: u };
  const params = new URLSearchParams(u.slice(at + 1));
  const given = params.getAll('schema');
  if (given.length === 0) return { kind: 'postgres', connectionString: u };
  if (given.length > 1) throw new ErrandError('ERRAND_BAD_URL', `${redact(u)} gives ?schema= ${given.length} times; give it once`);
  params.delete('schema');
  const rest = params.toString();
  return { kind: 'postgres', connectionString: u.slice(0, at) + (rest ? `?${rest}` : ''), schema: given[0] };
}

/** Hide a password in a URL before it is shown anywhere. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
