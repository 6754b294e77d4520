import type { Logger } from 'pino';
import { ErrandError } from '../errors.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redact } from '../url.js';
import type { PgPool, SqliteDatabase } from './connections.js';
import type { Driver } from './driver.js';
import { type PgModule, PostgresDriver } from './postgres/driver.js';
import { checkSchemaName } from './postgres/schema.js';
import type { RedisConstructor } from './redis/client.js';
import { RedisDriver } from './redis/driver.js';
import { SqliteDriver } from './sqlite/driver.js';
import { applySqlitePragmas, openSqlite } from './sqlite/open.js';

/**
 * URL → driver, in one place. The database clients are optional peer dependencies: `pg`,
 * `better-sqlite3` and `ioredis` are imported here, and only for the URL that needs one, so an app on SQLite
 * never loads (or installs) `pg`. A URL whose client is missing fails at once, naming the package.
 */

/** The clients a driver may need, by package name. */
export type ClientPackage = 'pg' | 'better-sqlite3' | 'ioredis';

/** Imports a client package (replaceable in tests). */
export type ClientLoader = (name: ClientPackage) => Promise<unknown>;

const importClient: ClientLoader = (name) => import(name);

export interface OpenDriverOptions {
  databaseUrl?: string;
  sqlite?: SqliteDatabase;
  pgPool?: PgPool;
  preparedStatements?: boolean;
  schema?: string;
  logger: Logger;
  load?: ClientLoader;
}

type SqliteConstructor = new (filename: string) => SqliteDatabase;

export async function openDriver(options: OpenDriverOptions): Promise<Driver> {
  const load = options.load ?? importClient;
  if (options.schema !== undefined) checkSchemaName(options.schema, 'the schema option');
  const onNotice = (message: string, details: Record<string, unknown>) => options.logger.warn(details, message);
  if (options.sqlite) {
    if (options.schema !== undefined) throw notPostgres('createErrand({ sqlite })');
    applySqlitePragmas(options.sqlite);
    return new SqliteDriver({ database: options.sqlite, owned: false });
  }
  if (options.pgPool) {
    // The app's pool; pg is still needed for the LISTEN connection and pg's type parsers.
    const pg = await loadClient<PgModule>(load, 'pg', 'createErrand({ pgPool })');
    return new PostgresDriver({ pg, pool: options.pgPool, owned: false, preparedStatements: options.preparedStatements, schema: options.schema, onNotice });
  }
  const url = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const target = parseDatabaseUrl(url);
  if (target.kind === 'postgres') {
    const schema = schemaOf(url, target.schema, options.schema);
    const pg = await loadClient<PgModule>(load, 'pg', redact(url));
    const pool = new pg.Pool({ connectionString: target.connectionString, max: 10 });
    return new PostgresDriver({
      pg,
      pool,
      owned: true,
      preparedStatements: options.preparedStatements,
      schema,
      onNotice,
      onError: (err) => options.logger.warn({ err: String(err) }, 'db:error idle connection'),
    });
  }
  if (options.schema !== undefined) throw notPostgres(target.kind === 'memory' ? 'memory:' : redact(url));
  if (target.kind === 'redis') {
    const Redis = await loadClient<RedisConstructor>(load, 'ioredis', redact(url));
    // ioredis' defaults: it reconnects by itself, and a command fails after 20 tries while Redis is
    // unreachable (the worker reports db:error and tries again; createErrand fails instead of hanging).
    const client = new Redis(target.url);
    return new RedisDriver({
      client,
      prefix: target.prefix,
      // ioredis' errors name the host, never the password.
      onError: (err) => options.logger.warn({ err: String(err) }, 'db:error redis connection'),
    });
  }
  // memory: is SQLite in memory: the same SQL and behaviour, nothing kept.
  const Database = await loadClient<SqliteConstructor>(load, 'better-sqlite3', target.kind === 'memory' ? 'memory: (SQLite in memory)' : url);
  const filename = target.kind === 'memory' ? ':memory:' : target.filename;
  let db: SqliteDatabase;
  try {
    db = openSqlite(Database, filename);
  } catch (err) {
    // Installed, but its native module does not load (built for another Node, or not built).
    if (/bindings|NODE_MODULE_VERSION|dlopen|\.node\b/i.test(String((err as Error)?.message))) {
      throw new ErrandError(
        'ERRAND_DRIVER_MISSING',
        `better-sqlite3 is installed but its native module failed to load (${(err as Error).message}): npm rebuild better-sqlite3`,
        { cause: err },
      );
    }
    throw err;
  }
  return new SqliteDriver({ database: db, owned: true });
}

/** The schema of a PostgreSQL URL and of the option: one of them, or both the same. */
function schemaOf(url: string, fromUrl: string | undefined, fromOption: string | undefined): string | undefined {
  if (fromUrl !== undefined) checkSchemaName(fromUrl, `?schema= of ${redact(url)}:`);
  if (fromUrl !== undefined && fromOption !== undefined && fromUrl !== fromOption) {
    throw new ErrandError(
      'ERRAND_BAD_OPTION',
      `the schema option says ${JSON.stringify(fromOption)} but the database URL's ?schema= says ${JSON.stringify(fromUrl)}; give one, or the same in both`,
    );
  }
  return fromUrl ?? fromOption;
}

function notPostgres(what: string): ErrandError {
  return new ErrandError('ERRAND_BAD_OPTION', `the schema option is for PostgreSQL only; ${what} has no schemas (leave schema out)`);
}

/** Import a client package, or say which one to install. Its CommonJS export is the default. */
export async function loadClient<T>(load: ClientLoader, name: ClientPackage, forWhat: string): Promise<T> {
  let mod: unknown;
  try {
    mod = await load(name);
  } catch (err) {
    const missing = (err as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND' || (err as { code?: string })?.code === 'MODULE_NOT_FOUND';
    const why = missing ? '' : ` (it is installed but failed to load: ${(err as Error)?.message ?? err})`;
    throw new ErrandError('ERRAND_DRIVER_MISSING', `${forWhat} needs the ${name} package${why}: npm install ${name}`, { cause: err });
  }
  const m = mod as { default?: unknown };
  return (m.default ?? m) as T;
}
