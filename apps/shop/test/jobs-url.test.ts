/**
 * JOBS_URL: the sales in one database (a SQLite file or PostgreSQL), the jobs in another (Redis,
 * or a PostgreSQL database of their own), and the checkout still one transaction: the sale and
 * its charge job's outbox row commit together in the sales database, and a worker — `npm run
 * worker`, or `npm start`'s own — relays and charges it. Real servers: the Redis and PostgreSQL
 * cases fail, never skip, in CI when their server is unreachable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Gateway, startGateway } from '@errand/gateway';
import Database from 'better-sqlite3';
import { createErrand } from 'errand';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, HAS_PG, type TestDatabase } from '../../../packages/engine/test/helpers/pg.js';
import { createTestRedis, HAS_REDIS } from '../../../packages/engine/test/helpers/redis.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { allFinished, buyThroughApi, type Child, startShop, startWorker } from './e2e-helpers.js';

describe('JOBS_URL', () => {
  it('takes redis://, rediss:// or postgres://, and refuses an in-memory sales database beside it', () => {
    expect(loadConfig({}).jobsUrl).toBeNull();
    expect(loadConfig({ JOBS_URL: 'redis://127.0.0.1:6379/2' }).jobsUrl).toBe('redis://127.0.0.1:6379/2');
    expect(() => loadConfig({ JOBS_URL: 'sqlite:./jobs.db' })).toThrow(ConfigError);
    expect(() => loadConfig({ JOBS_URL: 'redis://u:hunter2@h:6379' , DATABASE_URL: 'memory:' })).toThrow(/outbox/);
    expect(() => loadConfig({ JOBS_URL: 'mysql://u:hunter2@h/db' })).toThrow(/u:\*\*\*@h/);
  });
});

/** Where a case keeps its sales (DATABASE_URL) and its jobs (JOBS_URL), and who runs the charge jobs. */
interface Layout {
  name: string;
  available: boolean;
  sales: 'sqlite' | 'postgres';
  jobs: 'postgres' | 'redis';
  /** 'process': `npm run worker` beside a web process with WORKERS=0; 'in-process': `npm start`'s own workers. */
  workers: 'process' | 'in-process';
}

const LAYOUTS: Layout[] = [
  { name: 'sales in SQLite, jobs in PostgreSQL, a worker process', available: HAS_PG, sales: 'sqlite', jobs: 'postgres', workers: 'process' },
  { name: 'sales in SQLite, jobs in Redis, a worker process', available: HAS_REDIS, sales: 'sqlite', jobs: 'redis', workers: 'process' },
  { name: 'sales in PostgreSQL, jobs in Redis, workers in the web process', available: HAS_PG && HAS_REDIS, sales: 'postgres', jobs: 'redis', workers: 'in-process' },
];

/** The sales database, read by the test: its tables and a query. */
interface SalesReader {
  tables(): Promise<string[]>;
  rows<T>(sql: string, params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function readSales(layout: Layout, url: string): SalesReader {
  if (layout.sales === 'sqlite') {
    const db = new Database(url.replace(/^sqlite:/, ''), { readonly: true });
    return {
      tables: async () => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name),
      rows: async <T>(sql: string, params: unknown[]) => db.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as T[],
      close: async () => void db.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    tables: async () => (await pool.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'")).rows.map((t) => t.name),
    rows: async <T>(sql: string, params: unknown[]) => (await pool.query(sql, params)).rows as T[],
    close: () => pool.end(),
  };
}

for (const layout of LAYOUTS) describe.runIf(layout.available)(`${layout.name} (JOBS_URL)`, () => {
  let jobsDb: { url: string; drop(): Promise<void> };
  let salesDb: TestDatabase | null = null;
  let salesUrl: string;
  let dir: string;
  let gateway: Gateway;
  const children: Child[] = [];
  let web: Child & { url: string };

  beforeAll(async () => {
    [jobsDb, gateway] = await Promise.all([layout.jobs === 'redis' ? createTestRedis('shop_jobs') : createTestDatabase('shop_jobs'), startGateway({ port: 0 })]);
    dir = mkdtempSync(join(tmpdir(), 'shop-jobs-url-'));
    if (layout.sales === 'postgres') salesDb = await createTestDatabase('shop_sales');
    salesUrl = salesDb ? salesDb.url : `sqlite:${join(dir, 'shop.db')}`;
    const env = { DATABASE_URL: salesUrl, JOBS_URL: jobsDb.url, STRIPE_API_BASE: gateway.url };
    web = await startShop({ ...env, WORKERS: layout.workers === 'process' ? '0' : '2' });
    children.push(web);
    if (layout.workers === 'process') children.push(await startWorker({ ...env, WORKER_QUEUES: 'payments=2' }));
  });

  afterAll(async () => {
    const codes = await Promise.all(children.map((c) => c.stop()));
    expect(codes).toEqual(children.map(() => 0));
    await gateway?.close();
    await jobsDb?.drop();
    await salesDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST /buy answers a guid at once; a worker relays the charge job, the sale reaches /pickup, charged once', async () => {
    const guids = await buyThroughApi(web.url, gateway.url, 'field-guide', 3, `jobs-url-${layout.sales}-${layout.jobs}`);
    await allFinished(web.url, guids);
    for (const g of guids) {
      const res = await fetch(`${web.url}/pickup/${g}`);
      expect(res.status, `/pickup/${g}`).toBe(200);
    }
    // The sales database holds the sales and an empty outbox, and no jobs table of the engine.
    const sales = readSales(layout, salesUrl);
    try {
      const tables = await sales.tables();
      expect(tables).toContain('errand_outbox');
      expect(tables).not.toContain('errand_jobs');
      expect(Number((await sales.rows<{ n: number | string }>('SELECT count(*) AS n FROM errand_outbox', []))[0].n)).toBe(0);
      const jobIds = (await sales.rows<{ id: number | string }>(`SELECT charge_job_id AS id FROM sales WHERE guid IN (${guids.map((_, i) => `$${i + 1}`).join(',')})`, guids)).map((r) => Number(r.id));
      expect(jobIds).toHaveLength(3);
      // The jobs database ran each sale's charge job, under the id the sale recorded.
      const jobs = await createErrand({ databaseUrl: jobsDb.url, logger: pino({ level: 'silent' }) });
      try {
        for (const id of jobIds) expect(await jobs.getJob(id), JSON.stringify((await jobs.getJob(id))?.errors)).toMatchObject({ id, name: 'shop.charge', state: 'completed', attempt: 1 });
      } finally {
        await jobs.close();
      }
    } finally {
      await sales.close();
    }
    const ledger = (await (await fetch(`${gateway.url}/_control/ledger`)).json()) as { charges: { metadata?: Record<string, string> }[] };
    for (const g of guids) expect(ledger.charges.filter((c) => c.metadata?.sale_guid === g)).toHaveLength(1);
  });
});
