import { createHash } from 'node:crypto';
import { ErrandError } from '../../errors.js';

/**
 * Where an install's tables live on PostgreSQL, and every name derived from it.
 *
 * Without a schema (the default), everything is as it always was: the SQL names its tables
 * unqualified (so they resolve through the connection's search_path, where today's installs
 * created them), the wake-up channel is `errand_jobs`, the migration lock 7245901113 and the
 * prepared statements `errand_<query>`. With a schema, every table, index, function and the
 * migrations table live in it, and the channel, the lock key and the statement names are
 * derived from it, so two installs in two schemas of one database never meet: neither their
 * jobs, nor their wake-ups, nor their migrations, nor their statements on a shared connection.
 *
 * Names are qualified in the SQL text itself (`{schema}.errand_jobs` in the query files,
 * substituted once when the driver is built), never through `search_path`: `enqueue(…, { tx })`
 * runs on the caller's connection, inside the caller's transaction, and a `SET search_path`
 * there would change how the application's own unqualified names resolve (SET LOCAL for the
 * rest of its transaction, SET for the rest of the session of a pooled connection).
 * Migrations are the exception: they run on the engine's own connection, one transaction per
 * file, under `SET LOCAL search_path` to the schema, which ends with that transaction — so
 * the append-only migration files keep their text.
 */
export interface PgNames {
  /** The schema as given, or null for the default place. */
  schema: string | null;
  /** `"errand".` or '' (the default): what `{schema}.` becomes in the SQL. */
  qualifier: string;
  /** The LISTEN/NOTIFY channel of this install. */
  channel: string;
  /** pg_advisory_lock key held while migrating this install. */
  lockKey: number;
  /** Prefix of the names of this install's prepared statements. */
  statementPrefix: string;
}

/** The engine's migration lock without a schema ("errand migrations"). */
export const DEFAULT_MIGRATION_LOCK = 7_245_901_113;
const DEFAULT_CHANNEL = 'errand_jobs';
/** PostgreSQL truncates identifiers (channel, statement names) to 63 bytes. */
const MAX_IDENTIFIER = 63;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * A schema name Errand accepts: a plain identifier (letters, digits, _ and $, not starting with a
 * digit), at most 63 bytes, not a system schema (pg_*). It is always double-quoted in SQL, so
 * `Errand` and `errand` are two schemas, as in PostgreSQL.
 */
export function checkSchemaName(schema: unknown, where = 'schema'): string {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema) || Buffer.byteLength(schema) > MAX_IDENTIFIER || /^pg_/i.test(schema)) {
    throw new ErrandError(
      'ERRAND_BAD_OPTION',
      `${where} ${JSON.stringify(schema)} is not a schema name Errand accepts: 1-63 letters, digits, _ or $, not starting with a digit, and not pg_… (reserved for the system)`,
    );
  }
  return schema;
}

/** A quoted identifier (the name is checked first, so it holds no quote). */
export function quoteIdent(schema: string): string {
  return `"${checkSchemaName(schema)}"`;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Every name of an install in `schema` (undefined: the default place). */
export function pgNames(schema?: string | null): PgNames {
  if (schema === undefined || schema === null) {
    return { schema: null, qualifier: '', channel: DEFAULT_CHANNEL, lockKey: DEFAULT_MIGRATION_LOCK, statementPrefix: 'errand_' };
  }
  const qualifier = `${quoteIdent(schema)}.`;
  // `public` is where nearly every default install lives: naming it explicitly keeps the default's
  // channel, lock and statements, so processes that name it and processes that do not still agree.
  if (schema === 'public') return { schema, qualifier, channel: DEFAULT_CHANNEL, lockKey: DEFAULT_MIGRATION_LOCK, statementPrefix: 'errand_' };
  const hash = digest(`errand:${schema}`);
  const readable = `${DEFAULT_CHANNEL}:${schema}`;
  return {
    schema,
    qualifier,
    channel: Buffer.byteLength(readable) <= MAX_IDENTIFIER ? readable : `${DEFAULT_CHANNEL}:${hash.toString('hex').slice(0, 24)}`,
    // 48 bits of the hash: a safe integer, and far from colliding with an app's own keys.
    lockKey: hash.readUIntBE(0, 6),
    // Short enough for the longest query name within 63 bytes: errand_<8 hex>_admin_walk_bound_by_run_at.
    statementPrefix: `errand_${hash.toString('hex').slice(0, 8)}_`,
  };
}

/**
 * Fill in an SQL file's placeholders: `{schema}.` (before a table, sequence or function name)
 * and `{channel}` (the channel as a string literal). Anything else in braces that looks like a
 * placeholder is an error, so a typo never reaches the database.
 */
export function fillPlaceholders(sql: string, names: PgNames, file: string): string {
  const out = sql.replaceAll('{schema}.', names.qualifier).replaceAll('{channel}', `'${names.channel.replaceAll("'", "''")}'`);
  const left = /\{(schema|channel)\}/.exec(out);
  if (left) throw new ErrandError('ERRAND_INTERNAL', `${file}: placeholder ${left[0]} is not followed by a name (write {schema}.table)`);
  return out;
}
