/**
 * The checkout rides through a database restart: connection errors are retried until the
 * deadline, a COMMIT whose acknowledgement was lost is found by the sale's guid (never written
 * twice), and anything else, or the deadline, goes on to the 503/500 handler at once.
 */
import { describe, expect, it, vi } from 'vitest';
import { databaseAway, rideThrough } from '../src/db/away.js';
import type { PlaceResult, Product, Sale, ShopStore } from '../src/db/types.js';
import type { ShopJobs } from '../src/jobs/index.js';
import { placeOrder } from '../src/sales/place-order.js';

const lost = () => Object.assign(new Error('Connection terminated unexpectedly'), {});
const shutdown = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
const product = { id: 7, permalink: 'field-guide', price: 1000, currency: 'usd' } as Product;

function fakeStore(script: ('lost' | 'shutdown' | 'ok' | 'commit-then-lost')[]) {
  const sales = new Map<string, Partial<Sale>>();
  let call = 0;
  const placeSale = vi.fn(async (sale: { guid: string }): Promise<PlaceResult> => {
    const step = script[call++] ?? 'ok';
    if (step === 'lost') throw lost();
    if (step === 'shutdown') throw shutdown();
    sales.set(sale.guid, { guid: sale.guid, productId: product.id, chargeJobId: 41 + call });
    if (step === 'commit-then-lost') throw lost();
    return { created: true, guid: sale.guid, jobId: 41 + call };
  });
  const getSale = vi.fn(async (guid: string) => (sales.get(guid) as Sale | undefined) ?? null);
  return { store: { placeSale, getSale } as unknown as ShopStore, placeSale, getSale, sales };
}

const deps = (store: ShopStore, rideThroughMs = 5_000) => ({ store, errand: {} as never, jobs: { charge: {} } as unknown as ShopJobs, rideThroughMs });
const input = { product, email: 'a@example.com', stripeToken: 'tok_visa', formKey: null };

describe('riding through a database restart', () => {
  it('knows the errors of a database that is away, and only those', () => {
    expect(databaseAway(lost())).toBe(true);
    expect(databaseAway(shutdown())).toBe(true);
    expect(databaseAway(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(databaseAway(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(databaseAway(new TypeError('bug'))).toBe(false);
  });

  it('a sale whose connection was lost before COMMIT is written once, on a fresh try', async () => {
    const f = fakeStore(['shutdown', 'lost', 'ok']);
    const placed = await placeOrder(deps(f.store), input);
    expect(placed.created).toBe(true);
    expect(f.placeSale).toHaveBeenCalledTimes(3);
    expect(f.sales.size).toBe(1);
    // Every try carried the same guid, so a lookup can tell whether an earlier one committed.
    expect(new Set(f.placeSale.mock.calls.map(([s]) => s.guid)).size).toBe(1);
  });

  it('a COMMIT that happened but whose answer was lost is found by its guid, not written again', async () => {
    const f = fakeStore(['commit-then-lost']);
    const placed = await placeOrder(deps(f.store), input);
    expect(f.placeSale).toHaveBeenCalledTimes(1);
    expect(placed).toMatchObject({ created: true, guid: [...f.sales.keys()][0], jobId: 42 });
  });

  it('past the deadline the error goes on (the handler answers 503), and other errors at once', async () => {
    const down = fakeStore(Array(100).fill('lost'));
    await expect(placeOrder(deps(down.store, 250), input)).rejects.toThrow(/Connection terminated/);
    expect(down.placeSale.mock.calls.length).toBeGreaterThan(1);
    const bug = vi.fn(async () => {
      throw new TypeError('a bug');
    });
    await expect(rideThrough(bug, 5_000)).rejects.toThrow('a bug');
    expect(bug).toHaveBeenCalledTimes(1);
  });
});
