/**
 * Checkout through PaymentIntents against the real local gateway: a PaymentMethod or a token makes
 * one PaymentIntent per sale (key sale-<guid>, metadata.sale_guid); 3-D Secure cards leave the sale
 * waiting with its client secret (GET /status: requires_action) until the challenge is answered —
 * the outcome reaches the sale through the job reading the PaymentIntent again (no webhooks here:
 * webhooks.test.ts covers that path); an unanswered challenge is abandoned (the PaymentIntent
 * canceled) after the window.
 */
import { createTestToken, type Gateway, startGateway } from '@errand/gateway';
import type { Worker } from 'errand';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../../../packages/engine/test/helpers/pg.js';
import { eventually } from '../../../packages/engine/test/helpers/signals.js';
import { intentParams, PAYMENTS_QUEUE } from '../src/jobs/charge.js';
import { reconcileOnce } from '../src/jobs/reconcile.js';
import { txEnqueue } from '../src/sales/enqueue.js';
import { newGuid } from '../src/sales/guid.js';
import { createTestShop, type Dialect, type TestShop } from './helpers.js';

const cases: Dialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite'];
const WINDOW_MS = 1_500;

describe.each(cases)('PaymentIntents on %s', (dialect) => {
  let gateway: Gateway;
  let shop: TestShop;
  let worker: Worker;
  let stripe: Stripe;

  beforeAll(async () => {
    gateway = await startGateway({ port: 0, seed: 3 });
    shop = await createTestShop({ dialect, gateway, stripeTimeoutMs: 1_000, maxAttempts: 3, backoffBaseMs: 10, challengeWindowMs: WINDOW_MS });
    worker = shop.errand.worker({ queues: { payments: 4 }, pollMs: 10 });
    await worker.start();
    const u = new URL(gateway.url);
    stripe = new Stripe('sk_test_shop_tests', { host: u.hostname, port: u.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  });
  afterAll(async () => {
    await shop?.close();
    await gateway?.close();
  });

  /** The browser's part: a PaymentMethod made at the gateway (publishable-key call in the page). */
  const paymentMethod = async (card: string) =>
    (await stripe.paymentMethods.create({ type: 'card', card: { number: card, exp_month: 12, exp_year: new Date().getFullYear() + 3, cvc: '123' } } as Stripe.PaymentMethodCreateParams)).id;

  async function buy(body: Record<string, string>): Promise<string> {
    const res = await shop.app.inject({ method: 'POST', url: '/buy/field-guide', payload: { email: 'pi@example.com', ...body } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().guid;
  }
  const status = async (guid: string) => (await shop.app.inject({ method: 'GET', url: `/status/${guid}` })).json();
  const intentsFor = async (guid: string) => (await stripe.paymentIntents.search({ query: `metadata['sale_guid']:'${guid}'` })).data;
  const settled = (guid: string, state: string) =>
    eventually(async () => (await shop.store.getSale(guid))?.state === state, 10_000, `sale ${guid} ${state}`);

  it('paymentMethod (pm_…) → one PaymentIntent with key sale-<guid> and metadata.sale_guid; finished with its charge, no challenge', async () => {
    const guid = await buy({ paymentMethod: await paymentMethod('4242424242424242') });
    await settled(guid, 'finished');
    const [pi, ...more] = await intentsFor(guid);
    expect(more).toEqual([]);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 900, currency: 'usd', metadata: { sale_guid: guid }, receipt_email: 'pi@example.com' });
    const sale = (await shop.store.getSale(guid))!;
    expect(sale).toMatchObject({ paymentIntentId: pi.id, chargeId: pi.latest_charge, clientSecret: null, threeDSecure: null });
    expect(gateway.ledger().filter((c) => c.paymentIntent === pi.id)).toMatchObject([{ status: 'succeeded', idempotencyKey: `sale-${guid}` }]);
    expect(await status(guid)).toEqual({ guid, status: 'finished' });
  });

  it('stripeToken (tok_…) is still accepted: charged as payment_method_data[card][token], through a PaymentIntent', async () => {
    const guid = await buy({ stripeToken: await createTestToken(gateway.url, '4242424242424242') });
    await settled(guid, 'finished');
    const [pi] = await intentsFor(guid);
    expect(pi.status).toBe('succeeded');
    expect((await shop.store.getSale(guid))!.paymentIntentId).toBe(pi.id);
  });

  it.each([
    ['4000002760003184', 'complete', 'finished', null, 'authenticated'],
    ['4000002500003155', 'complete', 'finished', null, 'authenticated'],
    ['4000002760003184', 'fail', 'errored', 'Your card could not be authenticated, and it was not charged. Try again, or use another card.', 'failed'],
    ['4000008260003178', 'complete', 'errored', 'Your card has insufficient funds.', 'authenticated'],
  ] as const)('3-D Secure %s: requires_action with the client secret, then %s → %s', async (card, answer, state, message, threeDSecure) => {
    const guid = await buy({ paymentMethod: await paymentMethod(card) });
    await eventually(async () => (await status(guid)).status === 'requires_action', 10_000, 'requires_action');
    const waiting = await status(guid);
    const sale = (await shop.store.getSale(guid))!;
    expect(waiting).toEqual({ guid, status: 'requires_action', clientSecret: sale.clientSecret });
    expect(waiting.clientSecret).toMatch(new RegExp(`^${sale.paymentIntentId}_secret_`));
    expect(sale).toMatchObject({ state: 'processing', threeDSecure: 'required' });
    gateway.authenticate(sale.paymentIntentId!, answer);
    await settled(guid, state);
    expect(await shop.store.getSale(guid)).toMatchObject({ errorMessage: message, clientSecret: null, threeDSecure });
    expect(await intentsFor(guid)).toHaveLength(1);
    const s = await status(guid);
    expect(s.status).toBe(state === 'finished' ? 'finished' : 'error');
    expect(s.clientSecret).toBeUndefined();
  });

  it('GET /return/:guid (the redirect flow\'s return_url): back to the checkout page to poll, or to pickup once paid; the query is never echoed', async () => {
    const guid = await buy({ paymentMethod: await paymentMethod('4000002760003184') });
    await eventually(async () => (await status(guid)).status === 'requires_action', 10_000, 'requires_action');
    const sale = (await shop.store.getSale(guid))!;
    // As the gateway sends the customer back: Stripe's three parameters, the client secret among them.
    const query = `?payment_intent=${sale.paymentIntentId}&payment_intent_client_secret=${sale.clientSecret}&redirect_status=succeeded`;
    const waiting = await shop.app.inject({ method: 'GET', url: `/return/${guid}${query}` });
    expect(waiting.statusCode).toBe(303);
    expect(waiting.headers.location).toBe(`/buy/field-guide?sale=${guid}`);
    expect(waiting.headers['cache-control']).toBe('no-store');
    expect(waiting.body).toBe('');
    // The URL says nothing the shop believes: redirect_status=succeeded moved nothing.
    expect((await shop.store.getSale(guid))!.state).toBe('processing');
    gateway.authenticate(sale.paymentIntentId!, 'complete');
    await settled(guid, 'finished');
    const paid = await shop.app.inject({ method: 'GET', url: `/return/${guid}${query}` });
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`/pickup/${guid}`);
    for (const url of [`/return/${newGuid()}`, '/return/not-a-guid', `/return/${guid.toUpperCase()}`]) {
      const res = await shop.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('There is no purchase with this reference.');
    }
  });

  it('a challenge nobody answers is abandoned after the window: the PaymentIntent canceled, the sale errored', async () => {
    const guid = await buy({ paymentMethod: await paymentMethod('4000002760003184') });
    await eventually(async () => (await status(guid)).status === 'requires_action', 10_000, 'requires_action');
    await settled(guid, 'errored');
    const [pi] = await intentsFor(guid);
    expect(pi).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(await shop.store.getSale(guid)).toMatchObject({ errorCode: 'authentication_abandoned', threeDSecure: 'abandoned', clientSecret: null });
    expect((await status(guid)).error).toMatch(/not completed in time/);
    expect(gateway.ledger().filter((c) => c.paymentIntent === pi.id)).toEqual([]);
  });

  it('a declined PaymentMethod → errored with the decline message, no retry', async () => {
    const guid = await buy({ paymentMethod: await paymentMethod('4000000000009995') });
    await settled(guid, 'errored');
    expect(await shop.store.getSale(guid)).toMatchObject({ errorMessage: 'Your card has insufficient funds.', errorCode: 'insufficient_funds' });
  });

  it('reconciliation: a sale whose webhook was lost and whose job did not settle it is repaired from the gateway', async () => {
    await shop.errand.admin.pauseQueue(PAYMENTS_QUEUE);
    const guid = newGuid();
    try {
      const product = (await shop.store.getProduct('field-guide'))!;
      const pm = await paymentMethod('4242424242424242');
      await shop.store.placeSale({ guid, product, email: 'lost@example.com', stripeToken: pm, formKey: null }, txEnqueue(shop.store, shop.errand, shop.jobs.charge, { guid }));
      // The charge went through at the gateway, but nothing reached the sale.
      const target = (await shop.store.startCharge(guid))!;
      const pi = await stripe.paymentIntents.create(intentParams(target), { idempotencyKey: `sale-${guid}` });
      expect(pi.status).toBe('succeeded');
      expect((await shop.store.getSale(guid))!.state).toBe('processing');
      const log = { info: () => {}, warn: () => {} } as never;
      const report = await reconcileOnce({ store: shop.store, stripe, errand: () => shop.errand, windowMs: WINDOW_MS }, Date.now(), 60_000, log);
      expect(report.repaired).toContain(guid);
      expect(await shop.store.getSale(guid)).toMatchObject({ state: 'finished', paymentIntentId: pi.id, chargeId: pi.latest_charge });
      // A second pass changes nothing.
      expect((await reconcileOnce({ store: shop.store, stripe, errand: () => shop.errand, windowMs: WINDOW_MS }, Date.now(), 60_000, log)).repaired).not.toContain(guid);
    } finally {
      await shop.errand.admin.resumeQueue(PAYMENTS_QUEUE);
    }
    // The late charge job finds the sale finished: no second PaymentIntent.
    await eventually(async () => (await shop.errand.admin.getJob((await shop.store.getSale(guid))!.chargeJobId!))?.state === 'completed', 10_000, 'late job done');
    expect(await intentsFor(guid)).toHaveLength(1);
  });
});
