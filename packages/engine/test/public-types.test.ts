import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, defineJob, type Errand, type Json, type PgClient, type SqliteDatabase } from '../src/index.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';

/**
 * The public types, checked by the compiler (the root `tsc -p tsconfig.json` covers this file)
 * and run where they have run-time effects:
 * - a payload type JSON cannot carry is a compile error, ordinary types are not;
 * - the real better-sqlite3 Database and pg Pool / PoolClient / Client fit the `sqlite`, `pgPool`
 *   and `tx` options without a cast (the published types name neither package).
 */
const logger = pino({ level: 'silent' });
const handler = () => {};

interface Sale {
  guid: string;
  amount: number;
  note?: string | null;
  lines: { sku: string; qty: number; tags?: string[][] }[];
  meta: { source: 'web' | 'api'; flags: readonly boolean[] };
}
type Alias = { ids: number[]; pair: [string, number]; nested?: { deep: (number | null)[][] } };
interface Tree {
  label: string;
  children: Tree[];
}

/** Never called: what matters is what compiles. */
export function payloadTypes(errand: Errand): void {
  defineJob<Sale>({ name: 'sale', handler });
  defineJob<Alias>({ name: 'alias', handler });
  defineJob<Tree>({ name: 'tree', handler });
  defineJob<Json>({ name: 'json', handler });
  defineJob<Record<string, unknown>>({ name: 'record', handler });
  defineJob<unknown>({ name: 'unknown', handler });
  defineJob<null>({ name: 'null', handler });
  defineJob<string>({ name: 'string', handler });
  defineJob({ name: 'inferred', handler: (p: { id: number; at?: string }) => p.id });

  // @ts-expect-error a Date does not survive JSON (it comes back a string)
  defineJob<{ at: Date }>({ name: 'date', handler });
  // @ts-expect-error nor a nested one
  defineJob<{ sale: { lines: { at: Date }[] } }>({ name: 'nested-date', handler });
  // @ts-expect-error a function is not JSON
  defineJob<{ callback: () => void }>({ name: 'fn', handler });
  // @ts-expect-error a payload type inferred from the handler is checked too
  defineJob({ name: 'inferred-fn', handler: (p: { onDone: (ok: boolean) => void }) => p });
  // @ts-expect-error a BigInt is not JSON
  defineJob<{ n: bigint }>({ name: 'bigint', handler });
  // @ts-expect-error a Map is not JSON
  defineJob<{ m: Map<string, number> }>({ name: 'map', handler });
  // @ts-expect-error a required field that may be undefined is dropped by JSON (make it optional)
  defineJob<{ a: string | undefined }>({ name: 'undefined', handler });
  // @ts-expect-error an object with methods is not a plain JSON object
  defineJob<{ when: { toISOString(): string } }>({ name: 'method', handler });

  const sale = defineJob<Sale>({ name: 'sale', handler });
  void errand.enqueue(sale, { guid: 'g', amount: 1, lines: [{ sku: 'a', qty: 1 }], meta: { source: 'web', flags: [] } });
  // @ts-expect-error enqueue of a payload with a function
  void errand.enqueue(sale, { guid: 'g', amount: 1, lines: [], meta: { source: 'web', flags: [] }, onDone: () => {} });
  // @ts-expect-error enqueue of a payload with a Date where the job wants a string
  void errand.enqueue(defineJob<{ at: string }>({ name: 'at', handler }), { at: new Date() });
}

/** Never called: real client objects fit the options without a cast. */
export async function connectionTypes(db: Database.Database, pool: pg.Pool, poolClient: pg.PoolClient, client: pg.Client): Promise<void> {
  const onSqlite = await createErrand({ sqlite: db });
  const job = defineJob<{ n: number }>({ name: 'n', handler });
  onSqlite.enqueueSync(job, { n: 1 }, { tx: db });
  await onSqlite.enqueue(job, { n: 1 }, { tx: db });
  // @ts-expect-error a client created on SQLite takes a SQLite transaction, not a pg client
  await onSqlite.enqueue(job, { n: 1 }, { tx: poolClient });

  const onPg = await createErrand({ pgPool: pool });
  await onPg.enqueue(job, { n: 1 }, { tx: poolClient });
  await onPg.enqueue(job, { n: 1 }, { tx: client });
  // @ts-expect-error the Pool is not the connection a transaction runs on
  await onPg.enqueue(job, { n: 1 }, { tx: pool });

  const byUrl: Errand = await createErrand({ databaseUrl: process.env.DATABASE_URL });
  await byUrl.enqueue(job, { n: 1 }, { tx: db });
  await byUrl.enqueue(job, { n: 1 }, { tx: poolClient });
  // Either client is an Errand.
  const clients: Errand[] = [onSqlite, onPg, byUrl];
  void clients;
}

describe('a real better-sqlite3 Database, without a cast', () => {
  it('is shared with createErrand({ sqlite }) and is the tx of enqueueSync', async () => {
    const db = new Database(':memory:');
    const shared: SqliteDatabase = db;
    const errand = await createErrand({ sqlite: shared, logger });
    const job = defineJob<{ n: number }>({ name: 'typed', handler });
    db.exec('CREATE TABLE notes (n INTEGER)');
    db.transaction(() => {
      db.prepare('INSERT INTO notes (n) VALUES (1)').run();
      errand.enqueueSync(job, { n: 1 }, { tx: db });
    })();
    expect((await errand.admin.stateCounts()).available).toBe(1);
    await errand.close();
    expect(db.open).toBe(true); // the app's connection stays the app's
    db.close();
  });
});

describe.runIf(HAS_PG)('a real pg Pool, PoolClient and Client, without a cast', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = testPool(database.url, 3);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('shares the pool and enqueues in a PoolClient’s and a Client’s transaction', async () => {
    const errand = await createErrand({ pgPool: pool, logger });
    const job = defineJob<{ n: number }>({ name: 'typed', handler });
    const poolClient = await pool.connect();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const tx of [poolClient, client] satisfies PgClient[]) {
        await tx.query('BEGIN');
        await errand.enqueue(job, { n: 1 }, { tx });
        await tx.query('COMMIT');
      }
      expect((await errand.admin.stateCounts()).available).toBe(2);
    } finally {
      poolClient.release();
      await client.end();
      await errand.close();
    }
  });
});
