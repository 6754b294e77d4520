/**
 * Every object the gateway returns carries every field of Stripe's example object of its type,
 * with Stripe's JSON type or null, and no field Stripe's object does not have.
 * The lists in test/fixtures/stripe-fields.json come from the `resources` of
 * openapi/fixtures3.json in github.com/stripe/openapi (field name → JSON type of the example).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { createTestToken, rejection, type Stripe, sdk, start } from './helpers.js';
import { fieldProblems } from './stripe-fields.js';

let gw: Gateway;
let stripe: Stripe;

beforeAll(async () => {
  gw = await start();
  stripe = sdk(gw);
});
afterAll(() => gw.close());

const check = (kind: string, value: unknown, exact = true) => expect(fieldProblems(kind, value, exact)).toEqual([]);

describe("Stripe's fields on the Charges API's objects", () => {
  it('token and its card', async () => {
    const token = await stripe.tokens.retrieve(await createTestToken(gw.url));
    check('token', token);
    check('card', token.card);
  });

  it('succeeded charge, its card source, payment_method_details and outcome', async () => {
    const ch = await stripe.charges.create({ amount: 1000, currency: 'usd', source: await createTestToken(gw.url), metadata: { a: 'b' } });
    check('charge', ch);
    check('card', ch.source);
    check('charge.outcome', ch.outcome, false);
    check('charge.payment_method_details.card', ch.payment_method_details?.card);
    check('charge', await stripe.charges.retrieve(ch.id));
  });

  it('failed charge', async () => {
    const err = await rejection(stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_chargeDeclined' }));
    const ch = await stripe.charges.retrieve(err.raw.charge);
    check('charge', ch);
    check('charge.outcome', ch.outcome, false);
  });

  it('refund, and the charge it updates', async () => {
    const ch = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
    const re = await stripe.refunds.create({ charge: ch.id, amount: 100 });
    check('refund', re);
    check('refund', await stripe.refunds.retrieve(re.id));
    check('charge', await stripe.charges.retrieve(ch.id));
  });
});
