import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { createTestToken, get, post, rejection, Stripe, sdk, start } from './helpers.js';
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
const cardData = (number: string) => ({ type: 'card', card: { number, exp_month: 12, exp_year: year, cvc: '123' } }) as never;
const control = (path: string, body: unknown = {}) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('PaymentIntents: create, confirm, succeed', () => {
  it('walks requires_payment_method → requires_confirmation → succeeded with Stripe’s fields', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', metadata: { sale_guid: 'g1' }, description: 'Order 1' });
    expect(pi).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method', amount: 2500, latest_charge: null, next_action: null });
    expect(pi.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    expect(fieldProblems('payment_intent', pi)).toEqual([]);

    const pm = await stripe.paymentMethods.create(cardData('4242424242424242'));
    const done = await stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id });
    expect(done).toMatchObject({ status: 'succeeded', amount_received: 2500, payment_method: pm.id, last_payment_error: null });
    expect(done.latest_charge).toMatch(/^ch_/);
    expect(fieldProblems('payment_intent', done)).toEqual([]);

    const ch = await stripe.charges.retrieve(done.latest_charge as string);
    expect(ch).toMatchObject({ payment_intent: pi.id, payment_method: pm.id, status: 'succeeded', source: null, metadata: { sale_guid: 'g1' }, description: 'Order 1' });
    expect(fieldProblems('charge', ch)).toEqual([]);
    expect(await stripe.paymentIntents.retrieve(pi.id)).toEqual(done);
  });

  it('goes to requires_confirmation with a payment method and no confirm', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 900, currency: 'eur', payment_method: 'pm_card_visa' });
    expect(pi.status).toBe('requires_confirmation');
    expect(pi.payment_method).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect((await stripe.paymentIntents.confirm(pi.id)).status).toBe('succeeded');
  });

  it('creates and confirms in one call, with payment_method_data (card or card[token]), receipt_email and capture_method automatic', async () => {
    const tok = await createTestToken(gw.url);
    const pi = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      confirm: true,
      payment_method_data: { type: 'card', card: { token: tok } } as never,
      receipt_email: 'a@example.com',
      capture_method: 'automatic',
      metadata: { sale_guid: 'g2' },
    });
    expect(pi).toMatchObject({ status: 'succeeded', receipt_email: 'a@example.com', capture_method: 'automatic' });
    const pi2 = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', confirm: true, payment_method_data: cardData('5555555555554444') });
    expect(pi2.status).toBe('succeeded');
  });

  it('the ledger lists PaymentIntent charges with the PaymentIntent’s id and metadata', async () => {
    await stripe.charges.create({ amount: 700, currency: 'usd', source: 'tok_visa', metadata: { sale_guid: 'old' } });
    const pi = await stripe.paymentIntents.create(
      { amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, metadata: { sale_guid: 'new' } },
      { idempotencyKey: 'sale-new' },
    );
    const ledger = (await get(gw, '/_control/ledger')).json.charges;
    expect(ledger).toEqual([
      expect.objectContaining({ paymentIntent: null, metadata: { sale_guid: 'old' } }),
      expect.objectContaining({ id: pi.latest_charge, paymentIntent: pi.id, metadata: { sale_guid: 'new' }, status: 'succeeded', amount: 1500, idempotencyKey: 'sale-new' }),
    ]);
  });
});

describe('PaymentIntents: declines', () => {
  it('a decline answers 402 card_error with the PaymentIntent; it goes back to requires_payment_method with last_payment_error', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', metadata: { sale_guid: 'd' } });
    const err = await rejection(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'insufficient_funds' });
    expect(err.raw.payment_intent).toMatchObject({ id: pi.id, status: 'requires_payment_method' });
    expect(err.payment_intent?.id ?? err.raw.payment_intent.id).toBe(pi.id);
    expect(err.raw.charge).toMatch(/^ch_/);
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.latest_charge).toBe(err.raw.charge);
    expect(after.last_payment_error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', charge: err.raw.charge });
    expect(after.last_payment_error?.payment_method?.id).toBe(after.payment_method);
    expect(gw.ledger()).toEqual([expect.objectContaining({ status: 'failed', paymentIntent: pi.id, failureCode: 'card_declined', metadata: { sale_guid: 'd' } })]);
    // A new payment method can be tried.
    const ok = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(ok).toMatchObject({ status: 'succeeded', last_payment_error: null });
  });

  it('the existing decline cards decline PaymentIntents too', async () => {
    for (const [number, code] of [['4000000000000002', 'generic_decline'], ['4000000000000069', 'expired_card'], ['4100000000000019', 'fraudulent']]) {
      const err = await rejection(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method_data: cardData(number) }));
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(err.decline_code).toBe(code);
    }
  });
});

describe('PaymentIntents: 3-D Secure', () => {
  for (const number of ['4000002500003155', '4000002760003184']) {
    it(`${number} requires_action with use_stripe_sdk; completing the challenge succeeds`, async () => {
      const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', confirm: true, payment_method_data: cardData(number) });
      expect(pi.status).toBe('requires_action');
      expect(pi.next_action?.type).toBe('use_stripe_sdk');
      const url = (pi.next_action!.use_stripe_sdk as { stripe_js: string }).stripe_js;
      expect(url).toMatch(new RegExp(`^${gw.url}/3ds/`));
      expect(pi.latest_charge).toBeNull();
      const res = await control(`/_control/3ds/${pi.id}/complete`);
      expect(res.status).toBe(200);
      const done = await stripe.paymentIntents.retrieve(pi.id);
      expect(done).toMatchObject({ status: 'succeeded', next_action: null });
      const ch = await stripe.charges.retrieve(done.latest_charge as string);
      expect(ch.payment_method_details?.card?.three_d_secure).toMatchObject({ result: 'authenticated' });
      expect((await control(`/_control/3ds/${pi.id}/complete`)).status).toBe(409);
    });
  }

  it('4000008260003178 authenticates, then is declined for insufficient funds', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', confirm: true, payment_method_data: cardData('4000008260003178') });
    expect(pi.status).toBe('requires_action');
    await control(`/_control/3ds/${pi.id}/complete`);
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    expect(after.latest_charge).toMatch(/^ch_/);
  });

  it('failing the challenge: requires_payment_method with payment_intent_authentication_failure, no charge', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', confirm: true, payment_method_data: cardData('4000002760003184') });
    await control(`/_control/3ds/${pi.id}/fail`);
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after).toMatchObject({ status: 'requires_payment_method', latest_charge: null, next_action: null });
    expect(after.last_payment_error).toMatchObject({ type: 'invalid_request_error', code: 'payment_intent_authentication_failure' });
    expect(gw.ledger()).toEqual([]);
  });

  it('with return_url: redirect_to_url; the page’s buttons answer and redirect back with Stripe’s parameters', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_authenticationRequired',
      return_url: 'http://localhost:3000/return?sale=1',
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('redirect_to_url');
    const { url, return_url } = pi.next_action!.redirect_to_url as { url: string; return_url: string };
    expect(return_url).toBe('http://localhost:3000/return?sale=1');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('>Complete authentication</button>');
    expect(html).toContain('>Fail authentication</button>');
    const action = /action="([^"]+\/complete)"/.exec(html)?.[1] as string;
    const answer = await fetch(new URL(action, url), { method: 'POST', redirect: 'manual', headers: { Origin: gw.url, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'outcome=complete' });
    expect(answer.status).toBe(303);
    const back = new URL(answer.headers.get('location') as string);
    expect(back.origin + back.pathname).toBe('http://localhost:3000/return');
    expect(Object.fromEntries(back.searchParams)).toEqual({ sale: '1', payment_intent: pi.id, payment_intent_client_secret: pi.client_secret, redirect_status: 'succeeded' });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
    expect((await fetch(url)).status).toBe(404); // answered: no longer pending
  });

  it('the page refuses answers from another origin', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', confirm: true, payment_method: 'pm_card_authenticationRequired' });
    const url = (pi.next_action!.use_stripe_sdk as { stripe_js: string }).stripe_js;
    const res = await fetch(`${url}/complete`, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_action');
  });

  it('the Charges API declines 3-D Secure cards with authentication_required', async () => {
    const err = await rejection(stripe.charges.create({ amount: 1000, currency: 'usd', source: await createTestToken(gw.url, '4000002760003184') }));
    expect(err).toMatchObject({ code: 'card_declined', decline_code: 'authentication_required' });
  });
});

describe('PaymentIntents: processing, cancel, errors', () => {
  it('stays processing for processingMs, then succeeds', async () => {
    gw.setFaults({ processingMs: 80 });
    try {
      const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
      expect(pi).toMatchObject({ status: 'processing', latest_charge: null });
      const deadline = Date.now() + 3000;
      let now = pi;
      while (now.status === 'processing' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        now = await stripe.paymentIntents.retrieve(pi.id);
      }
      expect(now.status).toBe('succeeded');
    } finally {
      gw.setFaults({ processingMs: 0 });
    }
  });

  it('cancels from requires_payment_method, requires_confirmation and requires_action, not after success', async () => {
    const a = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect(await stripe.paymentIntents.cancel(a.id, { cancellation_reason: 'abandoned' })).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const b = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa' });
    const canceled = await stripe.paymentIntents.cancel(b.id);
    expect(canceled.canceled_at).toBeGreaterThan(0);
    const c = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_authenticationRequired' });
    expect((await stripe.paymentIntents.cancel(c.id)).status).toBe('canceled');
    expect((await control(`/_control/3ds/${c.id}/complete`)).status).toBe(409);
    const confirmCanceled = await rejection(stripe.paymentIntents.confirm(c.id));
    expect(confirmCanceled).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    const d = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
    const err = await rejection(stripe.paymentIntents.cancel(d.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.code).toBe('payment_intent_unexpected_state');
    expect(err.raw.payment_intent.id).toBe(d.id);
    const again = await rejection(stripe.paymentIntents.confirm(d.id));
    expect(again.message).toMatch(/already succeeded/);
  });

  it('validates parameters as Stripe does', async () => {
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ currency: 'usd' }, 'amount', 'parameter_missing'],
      [{ amount: 10, currency: 'usd' }, 'amount', 'amount_too_small'],
      [{ amount: 1000, currency: 'xxx' }, 'currency'],
      [{ amount: 1000, currency: 'usd', capture_method: 'manual' }, 'capture_method'],
      [{ amount: 1000, currency: 'usd', return_url: 'http://x.example' }, 'return_url'],
      [{ amount: 1000, currency: 'usd', confirm: true, return_url: 'nope', payment_method: 'pm_card_visa' }, 'return_url', 'url_invalid'],
      [{ amount: 1000, currency: 'usd', payment_method: 'pm_nope' }, 'payment_method', 'resource_missing'],
      [{ amount: 1000, currency: 'usd', confirm: true }, 'payment_method', 'payment_intent_unexpected_state'],
      [{ amount: 1000, currency: 'usd', bogus: 1 }, 'bogus', 'parameter_unknown'],
    ];
    for (const [params, param, code] of cases) {
      const err = await rejection(stripe.paymentIntents.create(params as never));
      expect(err, JSON.stringify(params)).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err.param, JSON.stringify(params)).toBe(param);
      if (code) expect(err.code, JSON.stringify(params)).toBe(code);
    }
    expect(await rejection(stripe.paymentIntents.retrieve('pi_missing'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(gw.ledger()).toEqual([]);
  });

  it('a publishable key retrieves and confirms with the client_secret only', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const ok = await get(gw, `/v1/payment_intents/${pi.id}?client_secret=${pi.client_secret}`, { Authorization: 'Bearer pk_test_shop' });
    expect(ok.status).toBe(200);
    const wrong = await get(gw, `/v1/payment_intents/${pi.id}?client_secret=${pi.id}_secret_nope`, { Authorization: 'Bearer pk_test_shop' });
    expect(wrong.status).toBe(400);
    const none = await get(gw, `/v1/payment_intents/${pi.id}`, { Authorization: 'Bearer pk_test_shop' });
    expect(none.status).toBe(400);
    const confirm = await post(gw, `/v1/payment_intents/${pi.id}/confirm`, `payment_method=pm_card_visa&client_secret=${pi.client_secret}&key=pk_test_shop`, { Authorization: '' });
    expect(confirm.status).toBe(200);
    expect(confirm.json.status).toBe('succeeded');
    const create = await post(gw, '/v1/payment_intents', 'amount=1000&currency=usd', { Authorization: 'Bearer pk_test_shop' });
    expect(create.status).toBe(401);
  });
});

describe('PaymentIntents: list, search, refunds, idempotency, faults', () => {
  it('lists newest first and searches by metadata', async () => {
    const a = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', metadata: { sale_guid: 'a' } });
    const b = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', metadata: { sale_guid: 'b' } });
    const list = await stripe.paymentIntents.list({ limit: 1 });
    expect(list.data.map((p) => p.id)).toEqual([b.id]);
    expect(list.has_more).toBe(true);
    const next = await stripe.paymentIntents.list({ starting_after: b.id });
    expect(next.data.map((p) => p.id)).toEqual([a.id]);
    const found = await stripe.paymentIntents.search({ query: "metadata['sale_guid']:'a'" });
    expect(found).toMatchObject({ object: 'search_result', has_more: false });
    expect(found.data.map((p) => p.id)).toEqual([a.id]);
    const bad = await rejection(stripe.paymentIntents.search({ query: 'nope:1' }));
    expect(bad).toMatchObject({ statusCode: 400, param: 'query' });
  });

  it('refunds accept payment_intent', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
    const re = await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
    expect(re).toMatchObject({ charge: pi.latest_charge, payment_intent: pi.id, amount: 400, status: 'succeeded' });
    expect(fieldProblems('refund', re)).toEqual([]);
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded).toBe(400);
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect(await rejection(stripe.refunds.create({ payment_intent: open.id }))).toMatchObject({ statusCode: 400, code: 'charge_not_refundable' });
    expect(await rejection(stripe.refunds.create({ payment_intent: 'pi_nope' }))).toMatchObject({ statusCode: 400, code: 'resource_missing' });
  });

  it('idempotency keys: the same request replays, other parameters are 400, in flight is 409', async () => {
    const first = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' }, { idempotencyKey: 'k1' });
    const again = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' }, { idempotencyKey: 'k1' });
    expect(again.id).toBe(first.id);
    expect(gw.ledger()).toHaveLength(1);
    const other = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: 'k1' }));
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa' });
    gw.setFaults({ latencyMs: 150 });
    try {
      const slow = stripe.paymentIntents.confirm(pi.id, {}, { idempotencyKey: 'k2' });
      await new Promise((r) => setTimeout(r, 40));
      const busy = await rejection(stripe.paymentIntents.confirm(pi.id, {}, { idempotencyKey: 'k2' }));
      expect(busy.statusCode).toBe(409);
      expect(busy.type).toBe('StripeAPIError');
      expect((await slow).status).toBe('succeeded');
    } finally {
      gw.setFaults({ latencyMs: 0 });
    }
    const declined = rejection(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'k3' }));
    const replayed = rejection(declined.then(() => stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'k3' })));
    expect((await replayed).raw.payment_intent.id).toBe((await declined).raw.payment_intent.id);
  });

  it('faults apply to create, confirm and cancel: 500 executes nothing; a lost response executes and the retry replays', async () => {
    gw.setFaults({ error500: 1 });
    try {
      expect(await rejection(stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }))).toBeInstanceOf(Stripe.errors.StripeAPIError);
    } finally {
      gw.setFaults({ error500: 0 });
    }
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa' });
    gw.setFaults({ lostResponse: 1 });
    try {
      expect(await rejection(stripe.paymentIntents.confirm(pi.id, {}, { idempotencyKey: 'lost' }))).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    } finally {
      gw.setFaults({ lostResponse: 0 });
    }
    expect(gw.ledger()).toHaveLength(1);
    const replay = await stripe.paymentIntents.confirm(pi.id, {}, { idempotencyKey: 'lost' });
    expect(replay.status).toBe('succeeded');
    expect(gw.ledger()).toHaveLength(1);
    gw.setFaults({ error429: 1 });
    try {
      expect(await rejection(stripe.paymentIntents.cancel(pi.id))).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    } finally {
      gw.setFaults({ error429: 0 });
    }
  });
});
