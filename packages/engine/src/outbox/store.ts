/**
 * The transactional outbox: how Errand keeps `enqueue(job, payload, { tx })` transactional when
 * the jobs live in another database (Redis) than the application's rows.
 *
 * In the caller's transaction, each job goes into an `errand_outbox` table of the application's
 * database (SQLite or PostgreSQL) under a job id reserved beforehand in the jobs database. Every
 * worker relays: it takes a batch of rows (FOR UPDATE SKIP LOCKED on PostgreSQL; a plain read on
 * SQLite, see sqlite-outbox.ts), inserts their jobs into the jobs database under those ids, and
 * deletes the rows. A relay that dies after the insert and before the delete leaves the rows to
 * be taken again; the jobs database finds each id present and inserts nothing
 * (Driver.insertRelayed), so every row becomes exactly one job. Rolled back: no row, no job. Committed: the row is there
 * whatever happens to the enqueuing process next, and the next relay pass makes it a job.
 */
import type { RelayedJob } from '../drivers/driver.js';

/** The application's database, as the outbox uses it. */
export interface OutboxStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Create the outbox table if missing (its own migrations table, errand_outbox_migrations). */
  migrate(): Promise<void>;
  /** Whether `tx` is inside an open transaction now (null: cannot tell). */
  inTransaction(tx: unknown): boolean | null;
  /** Write jobs in the caller's open transaction (`tx`: its connection). */
  write(jobs: RelayedJob[], tx: unknown): Promise<void>;
  /** The same, done before returning (SQLite): for enqueueSync inside `db.transaction(() => …)`. */
  writeSync?(jobs: RelayedJob[], tx: unknown): void;
  /**
   * One relay pass: take up to `limit` rows, hand their jobs to `relay`, and once it resolves
   * delete them; the number of rows relayed. A `relay` that rejects leaves the rows (they are
   * taken again) and the rejection is passed on.
   */
  relayBatch(limit: number, relay: (jobs: RelayedJob[]) => Promise<void>): Promise<number>;
  /** Whether a committed row for this job id waits in the outbox (not relayed yet). */
  holds(id: number): Promise<boolean>;
  /** Wake-ups when rows are committed, by any process; returns an unsubscribe. */
  listen(onWake: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A job as an outbox row stores it (JSON; runAt as an ISO string). */
export function encodeJob(job: RelayedJob): string {
  return JSON.stringify({ ...job, runAt: job.runAt ? job.runAt.toISOString() : null });
}

export function decodeJob(text: string): RelayedJob {
  const raw = JSON.parse(text) as Omit<RelayedJob, 'runAt'> & { runAt: string | null };
  return { ...raw, runAt: raw.runAt === null ? null : new Date(raw.runAt) };
}
