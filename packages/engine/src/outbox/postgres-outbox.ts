/**
 * The outbox in the application's PostgreSQL database. Rows are written on the caller's
 * connection between its BEGIN and COMMIT, with a NOTIFY that PostgreSQL delivers at COMMIT
 * (never for a rollback); relays take them with FOR UPDATE SKIP LOCKED on a pooled connection,
 * so relays in several processes never take the same row, and LISTEN for the NOTIFY.
 */
import type { PgPool, PgQueryable } from '../drivers/connections.js';
import type { RelayedJob } from '../drivers/driver.js';
import type { PgModule } from '../drivers/postgres/driver.js';
import { listenChannel } from '../drivers/postgres/listen.js';
import { loadQueries } from '../drivers/sql-files.js';
import { ErrandError } from '../errors.js';
import { runPostgresMigrations } from '../migrations.js';
import { outboxMigrations } from './migrations.js';
import { decodeJob, encodeJob, type OutboxStore } from './store.js';

const SQL = loadQueries('postgres', ['outbox_write', 'outbox_take', 'outbox_delete', 'outbox_holds'] as const);
const CHANNEL = 'errand_outbox';
/** pg_advisory_lock key for the outbox table's migrations (the engine's is 7245901113). */
const MIGRATION_LOCK = 7_245_901_114;

export class PostgresOutbox implements OutboxStore {
  readonly dialect = 'postgres';

  constructor(
    private readonly pg: PgModule,
    private readonly pool: PgPool,
    private readonly owned: boolean,
    private readonly onError: (err: unknown) => void,
  ) {
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    if (owned) pool.on('error', (err) => onError(err));
  }

  async migrate(): Promise<void> {
    await runPostgresMigrations(this.pool, { directory: outboxMigrations('postgres'), table: 'errand_outbox_migrations', lockKey: MIGRATION_LOCK });
  }

  inTransaction(tx: unknown): boolean | null {
    const status = (asClient(tx) as { getTransactionStatus?(): string | null }).getTransactionStatus?.();
    return status === undefined || status === null ? null : status !== 'I';
  }

  async write(jobs: RelayedJob[], tx: unknown): Promise<void> {
    if (jobs.length === 0) return;
    const db = asClient(tx);
    await db.query({ text: SQL.outbox_write, values: [jobs.map((j) => j.id), jobs.map(encodeJob)] });
  }

  async relayBatch(limit: number, relay: (jobs: RelayedJob[]) => Promise<void>): Promise<number> {
    const c = await this.pool.connect();
    try {
      await c.query({ text: 'BEGIN' });
      try {
        const { rows } = (await c.query({ text: SQL.outbox_take, values: [limit] })) as { rows: { id: string; job: string }[] };
        if (rows.length > 0) {
          await relay(rows.map((r) => decodeJob(r.job)));
          await c.query({ text: SQL.outbox_delete, values: [rows.map((r) => r.id)] });
        }
        await c.query({ text: 'COMMIT' });
        return rows.length;
      } catch (err) {
        await c.query({ text: 'ROLLBACK' }).catch(() => {});
        throw err;
      }
    } finally {
      c.release();
    }
  }

  async holds(id: number): Promise<boolean> {
    return ((await this.pool.query({ text: SQL.outbox_holds, values: [id] })).rowCount ?? 0) > 0;
  }

  async listen(onWake: () => void): Promise<() => Promise<void>> {
    return listenChannel(this.pg, this.pool.options ?? {}, CHANNEL, () => onWake(), this.onError);
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}

function asClient(tx: unknown): PgQueryable {
  const c = tx as PgQueryable & { totalCount?: unknown };
  if (typeof c?.query !== 'function' || c.totalCount !== undefined) {
    throw new ErrandError('ERRAND_BAD_TRANSACTION', 'outbox: tx must be the pg Client or PoolClient your transaction runs on (between BEGIN and COMMIT), not the Pool');
  }
  return c;
}
