import { ErrandError } from './errors.js';

export type DatabaseTarget =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'memory' }
  | { kind: 'postgres'; connectionString: string; schema?: string }
  /** `url` is the URL for the Redis client, without Errand's own `prefix` parameter. */
  | { kind: 'redis'; url: string; prefix: string };

export const DEFAULT_DATABASE_URL = 'sqlite:./data/app.db';

const ACCEPTED = [
  'sqlite:./path/to/file.db (or sqlite:/absolute/path.db, sqlite:///absolute/path.db)',
  'postgres://user:password@host:5432/database (or postgresql://…)',
  'redis://[user:password@]host:6379/0 (or rediss:// for TLS; ?prefix=name for a key prefix other than errand)',
  'memory: (in-process, nothing persisted)',
];

/** Parse a database URL, or fail at once with the forms we accept. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const u = String(url ?? '').trim();
  if (u === 'memory:' || u === 'memory://') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(u)) return postgresTarget(u);
  if (/^rediss?:\/\//i.test(u)) return parseRedisUrl(u);
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

/** A redis:// or rediss:// URL: the client gets it without `prefix`, which names Errand's keys. */
function parseRedisUrl(u: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    throw new ErrandError('ERRAND_BAD_URL', `unreadable Redis URL ${JSON.stringify(redact(u))}; expected redis://[user:password@]host:port/db`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new ErrandError('ERRAND_BAD_URL', `the database of a Redis URL is a number (redis://host:6379/0), got ${JSON.stringify(db)} in ${JSON.stringify(redact(u))}`);
  }
  const prefix = parsed.searchParams.get('prefix') ?? 'errand';
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(prefix)) {
    throw new ErrandError('ERRAND_BAD_URL', `the prefix of a Redis URL must be 1-100 letters, digits or _ . : -, got ${JSON.stringify(prefix)}`);
  }
  parsed.searchParams.delete('prefix');
  return { kind: 'redis', url: parsed.toString(), prefix };
}

/** Hide a password in a URL before it is shown anywhere. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
