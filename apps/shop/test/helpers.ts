/** Shop test helpers: a shop on a fresh database (SQLite temp file or a PostgreSQL database of its own). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gateway } from '@errand/gateway';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type pg from 'pg';
import { createTestDatabase, testPool } from '../../../packages/engine/test/helpers/pg.js';
import { type AppOptions, buildApp } from '../src/app.js';
import { LOCAL_PUBLISHABLE_KEY, LOCAL_SECRET_KEY } from '../src/config.js';
import { seedDemoProducts } from '../src/db/seed.js';
import { type Runtime, startRuntime } from '../src/runtime.js';

export type Dialect = 'sqlite' | 'postgres';

export interface TestShop extends Runtime {
  app: FastifyInstance;
  close(): Promise<void>;
}

export interface TestShopOptions {
  dialect?: Dialect;
  /** The gateway the jobs charge through. Default: an unreachable address (HTTP tests never charge). */
  gateway?: Gateway | null;
  stripeTimeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  /** CHALLENGE_WINDOW_MS: how long a 3-D Secure challenge may wait. Default 15 minutes. */
  challengeWindowMs?: number;
  app?: Partial<AppOptions>;
}

/** A database URL and how to drop it. */
export async function testDatabaseUrl(dialect: Dialect): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'postgres') return createTestDatabase('shop_test');
  const dir = mkdtempSync(join(tmpdir(), 'shop-test-'));
  return { url: `sqlite:${join(dir, 'shop.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function createTestShop(o: TestShopOptions = {}): Promise<TestShop> {
  const db = await testDatabaseUrl(o.dialect ?? 'sqlite');
  const rt = await startRuntime({
    databaseUrl: db.url,
    stripe: { secretKey: LOCAL_SECRET_KEY, apiBase: o.gateway?.url ?? 'http://127.0.0.1:9', timeoutMs: o.stripeTimeoutMs ?? 2_000 },
    charge: { maxAttempts: o.maxAttempts ?? 5, backoffBaseMs: o.backoffBaseMs ?? 10, backoffMaxMs: 50, challengeWindowMs: o.challengeWindowMs },
    logger: pino({ level: process.env.SHOP_TEST_LOG ?? 'silent' }),
  });
  await seedDemoProducts(rt.store);
  const app = await buildApp({
    store: rt.store,
    errand: rt.errand,
    jobs: rt.jobs,
    stripe: { publishableKey: LOCAL_PUBLISHABLE_KEY, jsUrl: `${o.gateway?.url ?? 'http://127.0.0.1:12111'}/v3`, testMode: true },
    rateLimitPerMinute: 0,
    logger: false,
    ...o.app,
  });
  return {
    ...rt,
    app,
    async close() {
      await app.close();
      await rt.close();
      await db.drop();
    },
  };
}

/** How many sales and charge jobs exist (to prove a rejected request wrote nothing). */
export async function counts(shop: Runtime): Promise<{ sales: number; jobs: number }> {
  const c = await shop.store.countSales();
  const sales = Object.values(c).reduce((a, b) => a + b, 0);
  const states = await shop.errand.admin.stateCounts();
  const jobs = Object.values(states).reduce((a: number, b) => a + Number(b), 0);
  return { sales, jobs };
}

/**
 * A pool on a real server whose every query's SQL text is also kept in `texts` (and its values,
 * at the same index, in `values`), to see what a store sent.
 */
export function tracedPool(url: string, max?: number): { pool: pg.Pool; texts: string[]; values: unknown[][] } {
  const texts: string[] = [];
  const values: unknown[][] = [];
  const pool = testPool(url, max);
  const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = (config: unknown, ...rest: unknown[]) => {
    const c = typeof config === 'string' ? { text: config, values: rest[0] } : (config as { text: string; values?: unknown });
    texts.push(c.text);
    values.push(Array.isArray(c.values) ? c.values : []);
    return query(config, ...rest);
  };
  return { pool, texts, values };
}
