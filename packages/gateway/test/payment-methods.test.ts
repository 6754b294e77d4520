import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { createTestToken, post, rejection, Stripe, sdk, start } from './helpers.js';
import { fieldProblems } from './stripe-fields.js';

let gw: Gateway;
let stripe: Stripe;

beforeAll(async () => {
  gw = await start();
  stripe = sdk(gw);
});
afterAll(() => gw.close());
beforeEach(() => gw.reset());

const year = new Date().getUTCFullYear() + 2;
const card = (number: string) => ({ number, exp_month: 12, exp_year: year, cvc: '123' });

describe('POST /v1/payment_methods', () => {
  it('creates a card payment method with Stripe’s fields, and GET returns it', async () => {
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: card('4242424242424242'),
      billing_details: { name: 'Ada Lovelace', email: 'ada@example.com', address: { postal_code: '10001' } },
      metadata: { k: 'v' },
    } as never);
    expect(pm.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect(pm).toMatchObject({ object: 'payment_method', type: 'card', livemode: false, metadata: { k: 'v' } });
    expect(pm.card).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: year, funding: 'credit', country: 'US' });
    expect(pm.billing_details).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', address: { postal_code: '10001', city: null } });
    expect(JSON.stringify(pm)).not.toContain('4242424242424242');
    expect(fieldProblems('payment_method', pm)).toEqual([]);
    expect(fieldProblems('payment_method.card', pm.card)).toEqual([]);
    expect(await stripe.paymentMethods.retrieve(pm.id)).toEqual(pm);
  });

  it('creates one from a token with card[token], using the token up', async () => {
    const tok = await createTestToken(gw.url, '5555555555554444');
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: tok } });
    expect(pm.card).toMatchObject({ brand: 'mastercard', last4: '4444' });
    const err = await rejection(stripe.paymentMethods.create({ type: 'card', card: { token: tok } }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.code).toBe('token_already_used');
    const missing = await rejection(stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nope' } }));
    expect(missing).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'card[token]' });
  });

  it('accepts a publishable key, as Stripe.js’s createPaymentMethod calls it', async () => {
    const res = await post(gw, '/v1/payment_methods', `type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=${year}&card[cvc]=123&key=pk_test_shop`, { Authorization: '' });
    expect(res.status).toBe(200);
    expect(res.json.id).toMatch(/^pm_/);
    const get = await fetch(`${gw.url}/v1/payment_methods/${res.json.id}`, { headers: { Authorization: 'Bearer pk_test_shop' } });
    expect(get.status).toBe(401);
  });

  it('rejects bad cards and parameters with Stripe’s errors', async () => {
    const bad = await rejection(stripe.paymentMethods.create({ type: 'card', card: card('4242424242424241') }));
    expect(bad).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(bad.code).toBe('incorrect_number');
    expect(await rejection(stripe.paymentMethods.create({ type: 'card' } as never))).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'card' });
    expect(await rejection(stripe.paymentMethods.create({ card: card('4242424242424242') } as never))).toMatchObject({ code: 'parameter_missing', param: 'type' });
    expect(await rejection(stripe.paymentMethods.create({ type: 'sepa_debit' } as never))).toMatchObject({ statusCode: 400, param: 'type' });
    expect(await rejection(stripe.paymentMethods.create({ type: 'card', card: card('4242424242424242'), nope: 1 } as never))).toMatchObject({ code: 'parameter_unknown', param: 'nope' });
    const notFound = await rejection(stripe.paymentMethods.retrieve('pm_missing'));
    expect(notFound).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('resolves Stripe’s magic test payment methods', async () => {
    const pm = await stripe.paymentMethods.retrieve('pm_card_visa');
    expect(pm.card?.last4).toBe('4242');
    expect(pm.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);
  });
});
