/**
 * POST /webhooks/stripe: signatures checked with stripe.webhooks.constructEvent (unsigned, wrong,
 * stale → 400 and nothing written); each event stored once and handled by a job unique by event id
 * (a duplicate delivery is a no-op); then, with the local gateway delivering to a listening shop:
 * a 3-D Secure outcome, a refund made in the dashboard and a dispute reach the sale.
 */
import { type Gateway, startGateway } from '@errand/gateway';
import type { Worker } from 'errand';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../../../packages/engine/test/helpers/pg.js';
import { eventually } from '../../../packages/engine/test/helpers/signals.js';
import { newGuid } from '../src/sales/guid.js';
import { counts, createTestShop, type Dialect, type TestShop } from './helpers.js';

const cases: Dialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite'];
const SECRET = 'whsec_shop_webhook_tests_0123456789';

function event(type: string, object: Record<string, unknown>, id = `evt_test_${Math.random().toString(36).slice(2)}`) {
  return JSON.stringify({ id, object: 'event', type, api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } });
}
const sign = (payload: string, o: { secret?: string; timestamp?: number } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: o.secret ?? SECRET, timestamp: o.timestamp });

describe.each(cases)('webhooks on %s', (dialect) => {
  let gateway: Gateway;
  let shop: TestShop;
  let worker: Worker;
  let stripe: Stripe;

  beforeAll(async () => {
    gateway = await startGateway({ port: 0, seed: 5, webhookRetryMs: 50 });
    // The job's own follow-up waits a long window: here the outcome must come by webhook.
    shop = await createTestShop({ dialect, gateway, stripeTimeoutMs: 1_000, maxAttempts: 3, backoffBaseMs: 10, app: { webhookSecret: SECRET } });
    worker = shop.errand.worker({ queues: { payments: 4 }, pollMs: 10 });
    await worker.start();
    await shop.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (shop.app.server.address() as { port: number }).port;
    gateway.setWebhook(`http://127.0.0.1:${port}/webhooks/stripe`, SECRET);
    const u = new URL(gateway.url);
    stripe = new Stripe('sk_test_shop_tests', { host: u.hostname, port: u.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  });
  afterAll(async () => {
    gateway?.setWebhook(null);
    await shop?.close();
    await gateway?.close();
  });

  const post = (payload: string, headers: Record<string, string>) =>
    shop.app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers: { 'content-type': 'application/json', ...headers } });

  it.each([
    ['unsigned', (_p: string) => ({})],
    ['signed with another secret', (p: string) => ({ 'stripe-signature': sign(p, { secret: 'whsec_someone_else_0000000000' }) })],
    ['stale (signed 6 minutes ago)', (p: string) => ({ 'stripe-signature': sign(p, { timestamp: Math.floor(Date.now() / 1000) - 360 }) })],
    ['garbage signature', (_p: string) => ({ 'stripe-signature': 't=1,v1=00' })],
  ])('%s → 400, nothing stored or enqueued', async (_what, headers) => {
    const payload = event('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent', metadata: { sale_guid: newGuid() } });
    const before = await counts(shop);
    const res = await post(payload, headers(payload));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBeTruthy();
    expect(await counts(shop)).toEqual(before);
    expect(await shop.store.getWebhookEvent(JSON.parse(payload).id)).toBeNull();
  });

  it('a body that was changed after signing → 400', async () => {
    const payload = event('charge.refunded', { id: 'ch_x', object: 'charge', refunded: true, metadata: {} });
    const res = await post(payload.replace('"refunded":true', '"refunded":false'), { 'stripe-signature': sign(payload) });
    expect(res.statusCode).toBe(400);
  });

  it('a good event → 200 at once, stored, handled by one job; the same event again → 200, a no-op', async () => {
    const id = `evt_dup_${Date.now()}`;
    const payload = event('charge.refunded', { id: 'ch_nosale', object: 'charge', refunded: true, metadata: {} }, id);
    const first = await post(payload, { 'stripe-signature': sign(payload) });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: true, duplicate: false });
    const before = await counts(shop);
    const again = await post(payload, { 'stripe-signature': sign(payload) });
    expect(again.json()).toEqual({ received: true, duplicate: true });
    expect(await counts(shop)).toEqual(before);
    await eventually(async () => (await shop.store.getWebhookEvent(id))?.outcome === 'ignored: no sale', 5_000, 'handled');
    const stored = (await shop.store.getWebhookEvent(id))!;
    expect(stored).toMatchObject({ id, type: 'charge.refunded', payload });
    // The job's end is recorded just after its handler returns (the completer batches).
    await eventually(async () => (await shop.errand.admin.getJob(stored.jobId!))?.state === 'completed', 5_000, 'job completed');
    expect((await shop.errand.admin.getJob(stored.jobId!))!).toMatchObject({ name: 'shop.webhook', uniqueKey: `webhook-${id}` });
  });

  it('an event of a type the shop does not handle (charge.succeeded, sent beside payment_intent.succeeded) → 200, nothing stored, no job', async () => {
    const id = `evt_unhandled_${Date.now()}`;
    const payload = event('charge.succeeded', { id: 'ch_1', object: 'charge', metadata: {} }, id);
    const before = await counts(shop);
    const res = await post(payload, { 'stripe-signature': sign(payload) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, ignored: true });
    expect(await counts(shop)).toEqual(before);
    expect(await shop.store.getWebhookEvent(id)).toBeNull();
    // Still checked first: a bad signature on such an event is a 400.
    expect((await post(payload, { 'stripe-signature': 't=1,v1=00' })).statusCode).toBe(400);
  });

  const paymentMethod = async (card: string) =>
    (await stripe.paymentMethods.create({ type: 'card', card: { number: card, exp_month: 12, exp_year: new Date().getFullYear() + 3, cvc: '123' } } as Stripe.PaymentMethodCreateParams)).id;
  async function buy(card: string): Promise<string> {
    const res = await shop.app.inject({ method: 'POST', url: '/buy/field-guide', payload: { email: 'hooks@example.com', paymentMethod: await paymentMethod(card) } });
    return res.json().guid;
  }
  const saleIs = (guid: string, check: (s: NonNullable<Awaited<ReturnType<TestShop['store']['getSale']>>>) => boolean, what: string) =>
    eventually(async () => {
      const s = await shop.store.getSale(guid);
      return s !== null && check(s);
    }, 10_000, what);

  it('3-D Secure answered at the gateway → payment_intent.succeeded reaches the sale (before the job looks again)', async () => {
    const guid = await buy('4000002760003184');
    await saleIs(guid, (s) => s.clientSecret !== null, 'waiting');
    const sale = (await shop.store.getSale(guid))!;
    gateway.authenticate(sale.paymentIntentId!, 'complete');
    await saleIs(guid, (s) => s.state === 'finished', 'finished');
    // The sale may be finished by the job's own look at the PaymentIntent just before the
    // webhook's job has run: wait for the event to be handled too (each path is idempotent).
    const handled = await eventually(
      async () => (await shop.store.listWebhookEvents(guid, 50)).find((e) => e.type === 'payment_intent.succeeded' && e.handledAt !== null),
      10_000,
      'payment_intent.succeeded handled',
    );
    expect(handled?.saleGuid).toBe(guid);
  });

  it('a refund made in the dashboard → charge.refunded: the sale becomes refunded; a dispute → the sale is flagged', async () => {
    const guid = await buy('4242424242424242');
    await saleIs(guid, (s) => s.state === 'finished', 'finished');
    const sale = (await shop.store.getSale(guid))!;
    const control = (path: string, body: unknown) =>
      fetch(`${gateway.url}/_control/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await control('disputes', { payment_intent: sale.paymentIntentId })).status).toBe(200);
    await saleIs(guid, (s) => s.disputed, 'disputed');
    expect((await control('refunds', { charge: sale.chargeId })).status).toBe(200);
    await saleIs(guid, (s) => s.state === 'refunded', 'refunded');
    const types = (await shop.store.listWebhookEvents(guid, 50)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['payment_intent.succeeded', 'charge.dispute.created', 'charge.refunded']));
  });
});
