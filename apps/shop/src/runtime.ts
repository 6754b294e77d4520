/**
 * What both processes (web and worker) need: the database (shop tables migrated), the Stripe
 * client, the job definitions and the engine client sharing the same connection.
 */
import { createErrand, type Errand } from 'errand';
import type { Logger } from 'pino';
import { openDatabase, type ShopDatabase } from './db/database.js';
import type { ShopStore } from './db/types.js';
import { createShopJobs, type ShopJobs } from './jobs/index.js';
import { createStripeClient } from './jobs/stripe-client.js';

export interface RuntimeOptions {
  databaseUrl: string;
  /** The jobs in another database (JOBS_URL): enqueue in a sale's transaction goes through an outbox in the sales database. */
  jobsUrl?: string | null;
  stripe: { secretKey: string; apiBase: string; timeoutMs: number };
  charge: { maxAttempts: number; backoffBaseMs: number; backoffMaxMs: number; challengeWindowMs?: number; reconcileIntervalMs?: number };
  logger: Logger;
}

export interface Runtime {
  db: ShopDatabase;
  store: ShopStore;
  errand: Errand;
  jobs: ShopJobs;
  /** Closes the engine client, then the shared connection. */
  close(): Promise<void>;
}

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const db = await openDatabase(o.databaseUrl, { jobsOnThisConnection: !o.jobsUrl });
  const { store } = db;
  try {
    const stripe = createStripeClient(o.stripe);
    let client: Errand | null = null;
    const errandRef = (): Errand => {
      if (!client) throw new Error('the engine client is not started yet');
      return client;
    };
    const jobs = createShopJobs({ store, stripe, ...o.charge, stripeTimeoutMs: o.stripe.timeoutMs, errand: errandRef });
    const sales = db.dialect === 'sqlite' ? db.sqlite : db.pool;
    const errand = o.jobsUrl
      ? await createErrand({ databaseUrl: o.jobsUrl, outbox: sales, jobs: jobs.all, logger: o.logger })
      : await createErrand({
          ...(db.dialect === 'sqlite' ? { sqlite: db.sqlite } : { pgPool: db.pool, schema: db.schema }),
          jobs: jobs.all,
          logger: o.logger,
        });
    client = errand;
    return {
      db,
      store,
      errand,
      jobs,
      async close() {
        await errand.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}
