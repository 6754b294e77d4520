/**
 * The same purchase end to end on PostgreSQL, scaled out: the web process with WORKERS=0 and two
 * separate `npm run worker` processes sharing DATABASE_URL, all charging through one gateway.
 */
import { type Gateway, startGateway } from '@errand/gateway';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, type TestDatabase } from '../../../packages/engine/test/helpers/pg.js';
import { eventually } from '../../../packages/engine/test/helpers/signals.js';
import { allFinished, buyThroughApi, type Child, fillCheckout, launchBrowser, screenshot, startShop, startWorker } from './e2e-helpers.js';

describe.runIf(HAS_PG)('purchase on PostgreSQL with two separate worker processes', () => {
  let db: TestDatabase;
  let gateway: Gateway;
  let web: Child & { url: string };
  let workers: Child[] = [];
  let browser: Browser;

  beforeAll(async () => {
    [db, gateway, browser] = await Promise.all([createTestDatabase('shop_e2e'), startGateway({ port: 0, faults: { latencyMs: 50 } }), launchBrowser()]);
    const env = { DATABASE_URL: db.url, STRIPE_API_BASE: gateway.url };
    // The web process migrates first; the workers then find the tables in place.
    web = await startShop({ ...env, WORKERS: '0' });
    workers = await Promise.all([startWorker({ ...env, WORKER_QUEUES: 'payments=1' }), startWorker({ ...env, WORKER_QUEUES: 'payments=1' })]);
  });

  afterAll(async () => {
    await browser?.close();
    const codes = await Promise.all([web, ...workers].filter(Boolean).map((c) => c.stop()));
    expect(codes).toEqual([0, 0, 0]); // every process stops gracefully on SIGTERM
    await gateway?.close();
    await db?.drop();
  });

  it('buys in the browser; the web process charges nothing itself; the workers share the sales, one charge each', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await page.goto(`${web.url}/buy/field-guide`);
    await fillCheckout(page, 'pg-e2e@example.com', '4242424242424242');
    await page.getByRole('button', { name: /Buy for/ }).click();
    await page.waitForURL(/\/pickup\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    await screenshot(page, 'postgres-two-workers-pickup');
    const browserGuid = page.url().split('/').pop()!;

    // More sales through the JSON API, to give both workers work.
    const guids = [browserGuid, ...(await buyThroughApi(web.url, gateway.url, 'retry-poster', 8, 'pg-api'))];
    await allFinished(web.url, guids);

    for (const guid of guids) {
      const charges = gateway.ledger().filter((c) => c.metadata.sale_guid === guid);
      expect(charges.map((c) => c.status)).toEqual(['succeeded']);
    }
    const chargedBy = (c: Child) => c.logs().filter((l) => l.msg === 'charge: succeeded').map((l) => l.guid as string);
    // A worker's log line reaches this process through its stdout a moment after the sale reads
    // finished: wait for the lines before comparing.
    await eventually(() => workers.flatMap(chargedBy).length >= guids.length, 10_000, "every sale's 'charge: succeeded' line");
    const [a, b] = workers.map(chargedBy);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect([...a, ...b].sort()).toEqual([...guids].sort()); // each sale charged once, by one of them
    expect(chargedBy(web)).toEqual([]);
  });
});
