import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopStore } from '../src/db/types.js';
import { counts, createTestShop, type TestShop } from './helpers.js';

/**
 * When the database stays away (a PostgreSQL restart, a dropped connection, a locked SQLite file)
 * past the ride-through deadline, POST /buy answers 503 with Retry-After — not a 500 — and writes
 * nothing. The chaos run saw
 * 500s here during its PostgreSQL restart.
 */
describe('the database is away', () => {
  let shop: TestShop;
  let away: TestShop['app'];
  const failures: { code?: string; message: string }[] = [
    { code: '57P01', message: 'terminating connection due to administrator command' },
    { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
    { message: 'Connection terminated unexpectedly' },
    { code: 'SQLITE_BUSY', message: 'database is locked' },
  ];
  let next = 0;

  beforeAll(async () => {
    shop = await createTestShop();
    const store = new Proxy(shop.store, {
      get(target, key, receiver) {
        if (key === 'placeSale') {
          return async () => {
            const f = failures[next++ % failures.length];
            throw Object.assign(new Error(f.message), f.code ? { code: f.code } : {});
          };
        }
        return Reflect.get(target, key, receiver);
      },
    }) as ShopStore;
    const { buildApp } = await import('../src/app.js');
    away = await buildApp({
      store,
      errand: shop.errand,
      jobs: shop.jobs,
      stripe: { publishableKey: 'pk_test_x', jsUrl: 'http://127.0.0.1:12111/v3', testMode: true },
      rateLimitPerMinute: 0,
      logger: false,
      // The ride-through (test/ride-through.test.ts) gives up after this: then the 503.
      rideThroughMs: 200,
    });
  });
  afterAll(async () => {
    await away?.close();
    await shop?.close();
  });

  it('POST /buy answers 503 with Retry-After and a clear message, and writes nothing', async () => {
    const before = await counts(shop);
    for (let i = 0; i < failures.length; i++) {
      const res = await away.inject({
        method: 'POST',
        url: '/buy/field-guide',
        headers: { 'content-type': 'application/json' },
        payload: { stripeToken: 'tok_visa', email: `away${i}@example.com` },
      });
      expect(res.statusCode, failures[i].message).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.json().error).toMatch(/briefly unavailable and nothing was charged/);
    }
    expect(await counts(shop)).toEqual(before);
  });
});
