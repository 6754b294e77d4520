/**
 * What Errand needs of a database client's connection, written as small structural interfaces:
 * a better-sqlite3 `Database` satisfies `SqliteDatabase`, a pg `Pool` satisfies `PgPool`, and a
 * pg `PoolClient` or `Client` satisfies `PgClient`, each without a cast. The published types
 * therefore never import `pg` or `better-sqlite3`: an app that uses only SQLite needs neither
 * `pg` nor `@types/pg` (nor `@types/better-sqlite3`) to compile against `errand`.
 */

/** A prepared statement of a `SqliteDatabase` (better-sqlite3's `Statement`). */
export interface SqliteStatement {
  /** True for a statement that returns rows. */
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A SQLite connection: what better-sqlite3's `Database` offers and Errand uses. */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly memory: boolean;
  readonly inTransaction: boolean;
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  pragma(source: string): unknown;
  transaction<R>(fn: () => R): { (): R; immediate(): R };
  close(): unknown;
}

/** A query as Errand sends it: always a config object, so one signature fits every pg client. */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  /** Set for a named prepared statement. */
  name?: string;
  /** Per-query type parsers (pg's `types` option). */
  types?: unknown;
}

export interface PgQueryResult {
  rows: unknown[];
  rowCount: number | null;
}

/** Anything that runs a query: a pg `Pool`, `PoolClient` or `Client`. */
export interface PgQueryable {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
}

/**
 * The connection a PostgreSQL transaction runs on, for `enqueue(job, payload, { tx })`: a pg
 * `PoolClient` (from `pool.connect()`) or a `Client`, between your BEGIN and COMMIT. Not a `Pool`
 * (a pool runs each query on whichever connection is free, outside your transaction): a Pool has
 * `totalCount`, which this type forbids, so passing one is a compile error (and, through a cast,
 * an ERRAND_BAD_TRANSACTION at run time).
 */
export interface PgClient extends PgQueryable {
  readonly totalCount?: never;
  /** Recent pg 8 releases: 'I' (idle), 'T' (in a transaction) or 'E' (in a failed one). */
  getTransactionStatus?(): string | null;
}

/** A connection checked out of a `PgPool`. */
export interface PgPoolClient extends PgQueryable {
  release(): void;
}

/** A pg `Pool`, to share your app's pool with Errand (`createErrand({ pgPool })`). */
export interface PgPool extends PgQueryable {
  readonly totalCount: number;
  /** The pool's settings; Errand's LISTEN connection is opened with the same ones. */
  readonly options?: object;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** What `tx` may be: the connection your open transaction runs on. */
export type Transaction = SqliteDatabase | PgClient;
