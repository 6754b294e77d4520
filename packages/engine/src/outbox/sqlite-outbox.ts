/**
 * The outbox in the application's SQLite file. Rows are written on the caller's connection,
 * inside its `db.transaction(() => …)`. The relay reads them, inserts their jobs, then deletes
 * them, on a connection of its own to the same file (on the app's, a relay pass running while
 * the app holds BEGIN … await … COMMIT would delete inside the app's transaction).
 *
 * The relay takes no lock across its await. better-sqlite3 waits for a lock synchronously, so a
 * relay holding BEGIN IMMEDIATE while it awaits the jobs database would stall every other writer
 * of the same process (a job's handler writing the sale) on the event loop the relay needs to
 * finish: a deadlock until busy_timeout. Instead a read (WAL: never blocked), the insert, and a
 * short DELETE that never waits (busy_timeout 0: if the file is busy the rows stay and the next
 * pass takes them again). Two relays may thus read the same rows; the jobs database inserts each
 * id once (Driver.insertRelayed), so every row is still exactly one job.
 *
 * Wake-ups go through the socket channel beside the file (wake/socket-wake.ts), sent once the
 * caller's transaction has ended; without it the relay polls.
 */
import type { RelayedJob } from '../drivers/driver.js';
import type { SqliteDatabase, SqliteStatement } from '../drivers/connections.js';
import { loadQueries } from '../drivers/sql-files.js';
import { mainFile } from '../drivers/sqlite/open.js';
import { ErrandError } from '../errors.js';
import { runSqliteMigrations } from '../migrations.js';
import { AfterCommit, WakeReceiver, WakeSender, wakeDirectory } from '../wake/socket-wake.js';
import { decodeJob, encodeJob, type OutboxStore } from './store.js';
import { outboxMigrations } from './migrations.js';

const SQL = loadQueries('sqlite', ['outbox_write', 'outbox_take', 'outbox_delete', 'outbox_holds'] as const);
/**
 * The line the wake channel carries for the outbox. Were this file also a jobs database with a
 * queue of that name, its workers would make one empty claim for it: a hint, never a job.
 */
export const OUTBOX_WAKE = ':outbox';

type SqliteConstructor = new (filename: string) => SqliteDatabase;

export class SqliteOutbox implements OutboxStore {
  readonly dialect = 'sqlite';
  private readonly file: string;
  private readonly wakeDir: string | null;
  private relayDb: SqliteDatabase | null = null;
  private readonly stmts = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();
  private sender: WakeSender | null = null;
  private afterCommit: AfterCommit | null = null;

  /** `db`: the application's connection (kept open by the app unless `owned`). */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly owned: boolean,
  ) {
    if (db.memory) {
      throw new ErrandError('ERRAND_BAD_OPTION', 'outbox: an in-memory SQLite database cannot be relayed from another connection; give the Database of a file');
    }
    this.file = fileOf(db);
    this.wakeDir = wakeDirectory(this.file);
  }

  private stmt(db: SqliteDatabase, name: keyof typeof SQL): SqliteStatement {
    let byName = this.stmts.get(db);
    if (!byName) this.stmts.set(db, (byName = new Map()));
    let s = byName.get(name);
    if (!s) byName.set(name, (s = db.prepare(SQL[name])));
    return s;
  }

  async migrate(): Promise<void> {
    runSqliteMigrations(this.db, { directory: outboxMigrations('sqlite'), table: 'errand_outbox_migrations' });
  }

  inTransaction(tx: unknown): boolean {
    return asDatabase(tx).inTransaction;
  }

  async write(jobs: RelayedJob[], tx: unknown): Promise<void> {
    this.writeSync(jobs, tx);
  }

  writeSync(jobs: RelayedJob[], tx: unknown): void {
    const db = asDatabase(tx);
    const insert = this.stmt(db, 'outbox_write');
    const now = Date.now();
    for (const job of jobs) insert.run({ id: job.id, job: encodeJob(job), now });
    if (this.wakeDir !== null && jobs.length > 0) {
      this.afterCommit ??= new AfterCommit(() => {
        this.sender ??= new WakeSender(this.wakeDir!);
        this.sender.send([OUTBOX_WAKE]);
      });
      this.afterCommit.add(db, [OUTBOX_WAKE]);
    }
  }

  /** The relay's own connection to the file, opened on first use with the app's better-sqlite3. */
  private relayConnection(): SqliteDatabase {
    if (!this.relayDb) {
      const Database = (this.db as unknown as { constructor: SqliteConstructor }).constructor;
      const db = new Database(this.file);
      db.pragma('busy_timeout = 0');
      this.relayDb = db;
    }
    return this.relayDb;
  }

  async relayBatch(limit: number, relay: (jobs: RelayedJob[]) => Promise<void>): Promise<number> {
    const db = this.relayConnection();
    const rows = this.stmt(db, 'outbox_take').all({ limit }) as { id: number; job: string }[];
    if (rows.length === 0) return 0;
    await relay(rows.map((r) => decodeJob(r.job)));
    try {
      this.stmt(db, 'outbox_delete').run({ ids: JSON.stringify(rows.map((r) => r.id)) });
    } catch (err) {
      // Busy: another connection is writing. The jobs are in; the next pass deletes the rows.
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return 0;
      throw err;
    }
    return rows.length;
  }

  async holds(id: number): Promise<boolean> {
    return this.stmt(this.relayConnection(), 'outbox_holds').get({ id }) !== undefined;
  }

  async listen(onWake: () => void): Promise<() => Promise<void>> {
    if (this.wakeDir === null) return async () => {};
    const receiver = new WakeReceiver({ dir: this.wakeDir, onWake: (line) => line === OUTBOX_WAKE && onWake(), onState: () => {} });
    await receiver.start();
    return () => receiver.stop();
  }

  async close(): Promise<void> {
    this.sender?.close();
    this.relayDb?.close();
    this.relayDb = null;
    if (this.owned) this.db.close();
  }
}

function asDatabase(tx: unknown): SqliteDatabase {
  const db = tx as SqliteDatabase;
  if (typeof db?.prepare !== 'function' || typeof db?.transaction !== 'function') {
    throw new ErrandError('ERRAND_BAD_TRANSACTION', 'outbox: tx must be the better-sqlite3 Database your transaction runs on');
  }
  return db;
}

function fileOf(db: SqliteDatabase): string {
  const file = mainFile(db);
  if (!file) throw new ErrandError('ERRAND_BAD_OPTION', 'outbox: the SQLite Database has no file (a temporary or in-memory database cannot be relayed)');
  return file;
}
