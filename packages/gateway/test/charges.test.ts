import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { TEST_CARDS } from '../src/index.js';
import { createTestToken, rejection, Stripe, sdk, start } from './helpers.js';

let gw: Gateway;
let stripe: Stripe;

beforeAll(async () => {
  gw = await start();
  stripe = sdk(gw);
});
afterAll(() => gw.close());
beforeEach(() => gw.reset());

const charge = (source: string, extra: Partial<Stripe.ChargeCreateParams> = {}) =>
  stripe.charges.create({ amount: 1250, currency: 'usd', source, ...extra });

describe('tokens and successful charges', () => {
  it('charges 4242424242424242 and returns a Stripe-shaped charge', async () => {
    const token = await stripe.tokens.create({ card: { number: '4242424242424242', exp_month: '12', exp_year: '2040', cvc: '123' } } as never);
    expect(token.id).toMatch(/^tok_[A-Za-z0-9]{24}$/);
    expect(token.card).toMatchObject({ last4: '4242', brand: 'Visa', exp_month: 12, exp_year: 2040, object: 'card' });
    expect(JSON.stringify(token)).not.toContain('4242424242424242');

    const ch = await charge(token.id, {
      description: 'Order 7',
      receipt_email: 'a@example.com',
      metadata: { sale_guid: 'g-1', n: '7' },
    });
    expect(ch).toMatchObject({
      object: 'charge',
      livemode: false,
      status: 'succeeded',
      paid: true,
      captured: true,
      amount: 1250,
      amount_refunded: 0,
      refunded: false,
      currency: 'usd',
      description: 'Order 7',
      receipt_email: 'a@example.com',
      metadata: { sale_guid: 'g-1', n: '7' },
      failure_code: null,
      outcome: { type: 'authorized' },
    });
    expect(ch.id).toMatch(/^ch_[A-Za-z0-9]{24}$/);
    expect(ch.created).toBeGreaterThan(1_600_000_000);
    expect(ch.payment_method_details?.card?.last4).toBe('4242');
    expect(await stripe.charges.retrieve(ch.id)).toMatchObject({ id: ch.id, status: 'succeeded' });
    expect(gw.ledger()).toEqual([
      expect.objectContaining({ id: ch.id, status: 'succeeded', amount: 1250, metadata: { sale_guid: 'g-1', n: '7' } }),
    ]);
  });

  it('accepts upper-case currency and stores it lower-case', async () => {
    const ch = await charge('tok_visa', { currency: 'EUR' });
    expect(ch.currency).toBe('eur');
  });

  it('reports the brand of other test cards, spelt as Stripe does on each object', async () => {
    const amex = await charge(await createTestToken(gw.url, '378282246310005'));
    // payment_method_details uses network names; the card object (source) display names.
    expect(amex.payment_method_details?.card?.brand).toBe('amex');
    expect((amex.source as Stripe.Card).brand).toBe('American Express');
    const mc = await charge('tok_mastercard');
    expect(mc.payment_method_details?.card?.brand).toBe('mastercard');
    expect((mc.source as Stripe.Card).brand).toBe('MasterCard');
  });

  it('lets magic test tokens be used repeatedly but real tokens only once', async () => {
    await charge('tok_visa');
    await charge('tok_visa');
    const tok = await createTestToken(gw.url);
    await charge(tok);
    const err = await rejection(charge(tok));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.code).toBe('token_already_used');
    expect(err.param).toBe('source');
    expect(gw.ledger()).toHaveLength(3);
  });

  it('rejects an unknown token naming source', async () => {
    const err = await rejection(charge('tok_doesnotexist'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ code: 'resource_missing', param: 'source', statusCode: 400 });
  });
});

describe('card problems found when tokenizing', () => {
  const tokenize = (card: Record<string, string>) =>
    stripe.tokens.create({ card: { number: '4242424242424242', exp_month: '12', exp_year: '2040', cvc: '123', ...card } } as never);

  it.each([
    [{ number: '4242424242424241' }, 'incorrect_number', 'number'],
    [{ number: '4242' }, 'invalid_number', 'number'],
    [{ exp_month: '13' }, 'invalid_expiry_month', 'exp_month'],
    [{ exp_year: '2001' }, 'invalid_expiry_year', 'exp_year'],
    [{ cvc: '12' }, 'invalid_cvc', 'cvc'],
  ])('%j → %s', async (card, code, param) => {
    const err = await rejection(tokenize(card));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ code, param, statusCode: 402 });
    expect(err.charge).toBeUndefined();
  });

  it('rejects a month already past in the current year', async () => {
    const now = new Date();
    if (now.getUTCMonth() === 0) return; // January has no past month this year
    const err = await rejection(tokenize({ exp_month: '1', exp_year: String(now.getUTCFullYear()) }));
    expect(err).toMatchObject({ code: 'invalid_expiry_month' });
  });

  it('accepts two-digit years', async () => {
    const t = await tokenize({ exp_year: '39' });
    expect(t.card?.exp_year).toBe(2039);
  });
});

describe('declined cards', () => {
  const cases: [string, string, string][] = [
    ['4000000000000002', 'card_declined', 'generic_decline'],
    ['4000000000009995', 'card_declined', 'insufficient_funds'],
    ['4000000000009987', 'card_declined', 'lost_card'],
    ['4000000000009979', 'card_declined', 'stolen_card'],
    ['4000000000000069', 'expired_card', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc', 'incorrect_cvc'],
    ['4000000000000119', 'processing_error', 'processing_error'],
    ['4000000000000341', 'card_declined', 'generic_decline'],
    ['4100000000000019', 'card_declined', 'fraudulent'],
    ['4111111111111111', 'card_declined', 'test_mode_live_card'],
  ];

  it.each(cases)('%s tokenizes, then the charge fails with %s / %s and is recorded', async (number, code, declineCode) => {
    const token = await createTestToken(gw.url, number);
    const err = await rejection(charge(token, { metadata: { sale_guid: number } }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code, decline_code: declineCode });
    expect(err.message).toBeTruthy();
    expect(err.charge).toMatch(/^ch_/);
    const failed = await stripe.charges.retrieve(err.charge);
    expect(failed).toMatchObject({ status: 'failed', paid: false, failure_code: code, amount_captured: 0, metadata: { sale_guid: number } });
    expect(failed.outcome?.reason).toBe(declineCode);
    expect(gw.ledger()).toEqual([expect.objectContaining({ id: err.charge, status: 'failed', failureCode: code })]);
  });

  it('documents every card it knows', () => {
    for (const [number] of cases.slice(0, 9)) expect(TEST_CARDS[number]).toBeTruthy();
    expect(TEST_CARDS['4242424242424242']).toMatch(/succeeds/);
    expect(TEST_CARDS['4242424242424241']).toMatch(/incorrect_number/);
  });
});

describe('list and search', () => {
  async function make(n: number, sale: (i: number) => string) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await charge('tok_visa', { metadata: { sale_guid: sale(i) } })).id);
    return ids;
  }

  it('lists newest first with limit, starting_after, ending_before and auto-pagination', async () => {
    const ids = await make(5, (i) => `s${i}`);
    const newest = [...ids].reverse();
    const page1 = await stripe.charges.list({ limit: 2 });
    expect(page1.object).toBe('list');
    expect(page1.url).toBe('/v1/charges');
    expect(page1.data.map((c) => c.id)).toEqual(newest.slice(0, 2));
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.charges.list({ limit: 2, starting_after: newest[1] });
    expect(page2.data.map((c) => c.id)).toEqual(newest.slice(2, 4));
    const last = await stripe.charges.list({ limit: 2, starting_after: newest[3] });
    expect(last.data.map((c) => c.id)).toEqual([newest[4]]);
    expect(last.has_more).toBe(false);
    const before = await stripe.charges.list({ limit: 2, ending_before: newest[3] });
    expect(before.data.map((c) => c.id)).toEqual(newest.slice(1, 3));
    const all = await stripe.charges.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((c) => c.id)).toEqual(newest);
  });

  it('rejects bad list parameters naming them', async () => {
    const err = await rejection(stripe.charges.list({ limit: 1000 }));
    expect(err).toMatchObject({ statusCode: 400, param: 'limit' });
    const err2 = await rejection(stripe.charges.list({ starting_after: 'ch_nope' }));
    expect(err2).toMatchObject({ statusCode: 400, param: 'starting_after', code: 'resource_missing' });
  });

  it("searches metadata['key']:'value' and status, with pages", async () => {
    await make(3, (i) => (i === 1 ? 'wanted' : `other${i}`));
    await make(3, () => 'many');
    await rejection(charge('tok_chargeDeclined', { metadata: { sale_guid: 'wanted' } }));
    const found = await stripe.charges.search({ query: "metadata['sale_guid']:'wanted'" });
    expect(found.object).toBe('search_result');
    expect(found.data.map((c) => c.status)).toEqual(['failed', 'succeeded']);
    const ok = await stripe.charges.search({ query: "metadata['sale_guid']:'wanted' AND status:'succeeded'" });
    expect(ok.data).toHaveLength(1);
    const first = await stripe.charges.search({ query: "metadata['sale_guid']:'many'", limit: 2 });
    expect(first.has_more).toBe(true);
    expect(first.next_page).toBeTruthy();
    const all = await stripe.charges.search({ query: "metadata['sale_guid']:'many'", limit: 2 }).autoPagingToArray({ limit: 10 });
    expect(new Set(all.map((c) => c.id)).size).toBe(3);
  });

  it('rejects a malformed query naming query', async () => {
    const err = await rejection(stripe.charges.search({ query: "metadata['sale_guid'" }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.param).toBe('query');
  });
});

describe('refunds', () => {
  it('refunds partly, then the rest; the charge follows', async () => {
    const ch = await charge('tok_visa', { amount: 1000 });
    const r1 = await stripe.refunds.create({ charge: ch.id, amount: 300 });
    expect(r1).toMatchObject({ object: 'refund', amount: 300, charge: ch.id, status: 'succeeded', currency: 'usd' });
    expect(r1.id).toMatch(/^re_/);
    expect(await stripe.charges.retrieve(ch.id)).toMatchObject({ amount_refunded: 300, refunded: false });
    const r2 = await stripe.refunds.create({ charge: ch.id });
    expect(r2.amount).toBe(700);
    const after = await stripe.charges.retrieve(ch.id);
    expect(after).toMatchObject({ amount_refunded: 1000, refunded: true });
    expect(after.refunds?.data.map((r) => r.id)).toEqual([r2.id, r1.id]);
    expect(gw.ledger()[0].amountRefunded).toBe(1000);
    expect(await stripe.refunds.retrieve(r1.id)).toMatchObject({ id: r1.id, amount: 300 });
    const again = await rejection(stripe.refunds.create({ charge: ch.id }));
    expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
  });

  it('refuses to refund more than was charged, naming amount', async () => {
    const ch = await charge('tok_visa', { amount: 1000 });
    const err = await rejection(stripe.refunds.create({ charge: ch.id, amount: 1001 }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, param: 'amount' });
    expect((await stripe.charges.retrieve(ch.id)).amount_refunded).toBe(0);
  });

  it('refuses failed and unknown charges', async () => {
    const declined = await rejection(charge('tok_chargeDeclined'));
    const err = await rejection(stripe.refunds.create({ charge: declined.charge }));
    expect(err).toMatchObject({ statusCode: 400, param: 'charge' });
    const missing = await rejection(stripe.refunds.create({ charge: 'ch_missing' }));
    expect(missing).toMatchObject({ statusCode: 400, param: 'charge', code: 'resource_missing' });
  });

  it('404s an unknown charge id', async () => {
    const err = await rejection(stripe.charges.retrieve('ch_missing'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
