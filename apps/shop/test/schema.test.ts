/** DATABASE_URL=postgres://…?schema=jobs: the engine's tables in that schema, the shop's where they always were. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from '../../../packages/engine/test/helpers/pg.js';
import { LOCAL_SECRET_KEY } from '../src/config.js';
import { seedDemoProducts } from '../src/db/seed.js';
import { type Runtime, startRuntime } from '../src/runtime.js';
import { placeOrder } from '../src/sales/place-order.js';

describe.runIf(HAS_PG)('the shop with ?schema= in DATABASE_URL', () => {
  let db: TestDatabase;
  let rt: Runtime;
  beforeAll(async () => {
    db = await createTestDatabase('shop_schema');
    rt = await startRuntime({
      databaseUrl: `${db.url}?schema=jobs`,
      stripe: { secretKey: LOCAL_SECRET_KEY, apiBase: 'http://127.0.0.1:9', timeoutMs: 500 },
      charge: { maxAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 50 },
      logger: pino({ level: 'silent' }),
    });
    await seedDemoProducts(rt.store);
  });
  afterAll(async () => {
    await rt?.close();
    await db?.drop();
  });

  it('keeps the charge jobs in the schema and the sales in the default place, one transaction for both', async () => {
    expect(rt.errand.schema).toBe('jobs');
    const product = (await rt.store.getProduct('field-guide'))!;
    const placed = await placeOrder(rt, { product, email: 'schema@example.com', stripeToken: 'tok_visa', formKey: null });
    if (!placed.created) throw new Error('the sale was not created');
    const pool = testPool(db.url, 1);
    try {
      const where = async (table: string) => (await pool.query('SELECT table_schema FROM information_schema.tables WHERE table_name = $1', [table])).rows.map((r) => r.table_schema);
      expect(await where('errand_jobs')).toEqual(['jobs']);
      expect(await where('sales')).toEqual(['public']);
      const job = (await pool.query('SELECT payload FROM jobs.errand_jobs WHERE id = $1', [placed.jobId])).rows[0];
      expect(job.payload).toEqual({ guid: placed.guid });
    } finally {
      await pool.end();
    }
  });
});
