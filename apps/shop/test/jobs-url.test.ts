/**
 * JOBS_URL: the sales in one database, the jobs in another (Redis, or here a PostgreSQL database
 * of their own), and the checkout still one transaction: the sale and its charge job's outbox
 * row commit together in the sales database, and a worker process relays and charges it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Gateway, startGateway } from '@errand/gateway';
import Database from 'better-sqlite3';
import { createErrand } from 'errand';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, type TestDatabase } from '../../../packages/engine/test/helpers/pg.js';
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

describe.runIf(HAS_PG)('sales in SQLite, jobs in PostgreSQL (JOBS_URL)', () => {
  let jobsDb: TestDatabase;
  let dir: string;
  let gateway: Gateway;
  let web: Child & { url: string };
  let worker: Child;

  beforeAll(async () => {
    [jobsDb, gateway] = await Promise.all([createTestDatabase('shop_jobs'), startGateway({ port: 0 })]);
    dir = mkdtempSync(join(tmpdir(), 'shop-jobs-url-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`, JOBS_URL: jobsDb.url, STRIPE_API_BASE: gateway.url };
    web = await startShop({ ...env, WORKERS: '0' });
    worker = await startWorker({ ...env, WORKER_QUEUES: 'payments=2' });
  });

  afterAll(async () => {
    const codes = await Promise.all([web, worker].filter(Boolean).map((c) => c.stop()));
    expect(codes).toEqual([0, 0]);
    await gateway?.close();
    await jobsDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST /buy answers a guid at once; the worker process relays the charge job and the sale finishes, charged once', async () => {
    const guids = await buyThroughApi(web.url, gateway.url, 'field-guide', 3, 'jobs-url');
    await allFinished(web.url, guids);
    // The sales database holds the sales and an empty outbox, and no jobs table of the engine.
    const sales = new Database(join(dir, 'shop.db'), { readonly: true });
    try {
      const tables = (sales.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toContain('errand_outbox');
      expect(tables).not.toContain('errand_jobs');
      expect(sales.prepare('SELECT count(*) AS n FROM errand_outbox').get()).toEqual({ n: 0 });
      const jobIds = (sales.prepare(`SELECT charge_job_id AS id FROM sales WHERE guid IN (${guids.map(() => '?').join(',')})`).all(...guids) as { id: number }[]).map((r) => r.id);
      // The jobs database ran each sale's charge job, under the id the sale recorded.
      const jobs = await createErrand({ databaseUrl: jobsDb.url, logger: pino({ level: 'silent' }) });
      try {
        for (const id of jobIds) expect(await jobs.getJob(id), JSON.stringify((await jobs.getJob(id))?.errors)).toMatchObject({ id, name: 'shop.charge', state: 'completed', attempt: 1 });
      } finally {
        await jobs.close();
      }
    } finally {
      sales.close();
    }
    const ledger = (await (await fetch(`${gateway.url}/_control/ledger`)).json()) as { charges: { metadata?: Record<string, string> }[] };
    for (const g of guids) expect(ledger.charges.filter((c) => c.metadata?.sale_guid === g)).toHaveLength(1);
  });
});
