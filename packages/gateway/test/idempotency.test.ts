import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { LogTap, post, rejection, Stripe, sdk, start } from './helpers.js';

let gw: Gateway;
let stripe: Stripe;
let clock = Date.now();
const tap = new LogTap();

beforeAll(async () => {
  gw = await start({ now: () => clock, log: tap.log });
  stripe = sdk(gw);
});
afterAll(() => gw.close());
beforeEach(() => {
  gw.reset();
  gw.setFaults({ latencyMs: 0 });
  tap.clear();
  clock = Date.now();
});

const params = (extra: Partial<Stripe.ChargeCreateParams> = {}): Stripe.ChargeCreateParams => ({
  amount: 2000,
  currency: 'usd',
  source: 'tok_visa',
  metadata: { sale_guid: 'sale-1' },
  ...extra,
});

describe('idempotency keys', () => {
  it('replays the saved response for the same key and parameters, creating nothing', async () => {
    const first = await stripe.charges.create(params(), { idempotencyKey: 'sale-1' });
    const again = await stripe.charges.create(params(), { idempotencyKey: 'sale-1' });
    expect(again.id).toBe(first.id);
    expect(again).toEqual(first);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(gw.ledger()).toEqual([expect.objectContaining({ id: first.id, idempotencyKey: 'sale-1' })]);
  });

  it('replays with the same status and body byte for byte (raw HTTP)', async () => {
    const body = 'amount=2000&currency=usd&source=tok_visa&metadata[b]=2&metadata[a]=1';
    const a = await post(gw, '/v1/charges', body, { 'Idempotency-Key': 'raw' });
    const reordered = 'metadata[a]=1&currency=usd&amount=2000&metadata[b]=2&source=tok_visa';
    const b = await post(gw, '/v1/charges', reordered, { 'Idempotency-Key': 'raw' });
    expect(b.status).toBe(a.status);
    expect(b.json).toEqual(a.json);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(gw.ledger()).toHaveLength(1);
  });

  it('raises StripeIdempotencyError for the same key with other parameters', async () => {
    await stripe.charges.create(params(), { idempotencyKey: 'k' });
    const err = await rejection(stripe.charges.create(params({ amount: 2001 }), { idempotencyKey: 'k' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    expect(err.rawType).toBe('idempotency_error');
    expect(gw.ledger()).toHaveLength(1);
  });

  it('treats another endpoint with the same key as other parameters', async () => {
    const ch = await stripe.charges.create(params(), { idempotencyKey: 'shared' });
    const err = await rejection(stripe.refunds.create({ charge: ch.id }, { idempotencyKey: 'shared' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('replays declines too: same failed charge, one ledger entry', async () => {
    const a = await rejection(stripe.charges.create(params({ source: 'tok_chargeDeclinedInsufficientFunds' }), { idempotencyKey: 'd' }));
    const b = await rejection(stripe.charges.create(params({ source: 'tok_chargeDeclinedInsufficientFunds' }), { idempotencyKey: 'd' }));
    expect(a).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(b).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(b.charge).toBe(a.charge);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(gw.ledger()).toEqual([expect.objectContaining({ status: 'failed', failureCode: 'card_declined' })]);
  });

  it('does not save validation errors: the key can then be used with corrected parameters', async () => {
    const bad = await rejection(stripe.charges.create(params({ amount: -1 }), { idempotencyKey: 'fix-me' }));
    expect(bad).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const ok = await stripe.charges.create(params(), { idempotencyKey: 'fix-me' });
    expect(ok.status).toBe('succeeded');
  });

  it('scopes keys to the API key', async () => {
    const a = await stripe.charges.create(params(), { idempotencyKey: 'same' });
    const b = await sdk(gw, {}, 'sk_test_other').charges.create(params(), { idempotencyKey: 'same' });
    expect(b.id).not.toBe(a.id);
    expect(gw.ledger()).toHaveLength(2);
  });

  it('409s a second request while the first is in flight (SDK: StripeAPIError, rawType idempotency_error)', async () => {
    gw.setFaults({ latencyMs: 300 });
    const [a, b] = await Promise.allSettled([
      stripe.charges.create(params(), { idempotencyKey: 'race' }),
      stripe.charges.create(params(), { idempotencyKey: 'race' }),
    ]);
    const ok = [a, b].filter((r) => r.status === 'fulfilled');
    const failed = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    const err = failed[0].reason;
    // stripe-node v23 maps idempotency_error to StripeIdempotencyError only for 400/404; a 409 is a StripeAPIError.
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: 409, rawType: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(gw.ledger()).toHaveLength(1);
  });

  it('with SDK retries, the 409 is retried and gets the replay: one charge for both callers', async () => {
    gw.setFaults({ latencyMs: 300 });
    const retrying = sdk(gw, { maxNetworkRetries: 2 });
    const [a, b] = await Promise.all([
      retrying.charges.create(params(), { idempotencyKey: 'race2' }),
      retrying.charges.create(params(), { idempotencyKey: 'race2' }),
    ]);
    expect(a.id).toBe(b.id);
    expect(tap.count(/POST \/v1\/charges 409/)).toBe(1);
    expect(tap.count(/replayed/)).toBe(1);
    expect(gw.ledger()).toHaveLength(1);
  });

  it('keeps keys 24 hours, then forgets them', async () => {
    const a = await stripe.charges.create(params(), { idempotencyKey: 'day' });
    clock += 23 * 3600_000;
    expect((await stripe.charges.create(params(), { idempotencyKey: 'day' })).id).toBe(a.id);
    clock += 3600_000 + 1;
    const later = await stripe.charges.create(params(), { idempotencyKey: 'day' });
    expect(later.id).not.toBe(a.id);
    expect(gw.ledger()).toHaveLength(2);
  });

  it('the SDK adds its own key to every POST, so two calls are two charges', async () => {
    const a = await stripe.charges.create(params());
    const b = await stripe.charges.create(params());
    expect(a.id).not.toBe(b.id);
    const keys = gw.ledger().map((e) => e.idempotencyKey);
    expect(keys[0]).toMatch(/^stripe-node-retry-/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('reset() forgets keys', async () => {
    const a = await stripe.charges.create(params(), { idempotencyKey: 'r' });
    gw.reset();
    expect((await stripe.charges.create(params(), { idempotencyKey: 'r' })).id).not.toBe(a.id);
  });
});
