/** Webhooks: Stripe event objects, signed as Stripe signs them, retried until a 2xx, with delivery faults. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Gateway, signWebhookPayload } from '../src/index.js';
import { Stripe, sdk, start } from './helpers.js';
import { fieldProblems } from './stripe-fields.js';

const SECRET = 'whsec_test_secret';

/** A webhook endpoint that records what it gets and answers with `statuses` in turn (then 200). */
class Receiver {
  server: Server;
  url = '';
  received: { body: string; signature: string; event: Stripe.Event }[] = [];
  statuses: number[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(private readonly stripe: Stripe) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers['stripe-signature']);
        const status = this.statuses.shift() ?? 200;
        res.writeHead(status).end();
        if (status >= 200 && status < 300) {
          // Verified exactly as a shop verifies it: throws on a bad signature.
          const event = this.stripe.webhooks.constructEvent(body, signature, SECRET);
          this.received.push({ body, signature, event });
          this.waiters = this.waiters.filter((w) => {
            if (this.received.length < w.n) return true;
            w.resolve();
            return false;
          });
        }
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  /** Resolves once n events were accepted. */
  waitFor(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }
}

let gw: Gateway;
let stripe: Stripe;
let rx: Receiver;

beforeAll(async () => {
  rx = new Receiver(new Stripe('sk_test_x'));
  await rx.listen();
  gw = await start({ webhook: { url: rx.url, secret: SECRET }, webhookRetryMs: 20 });
  stripe = sdk(gw);
});
afterAll(async () => {
  await gw.close();
  rx.server.closeAllConnections();
  await new Promise((r) => rx.server.close(r));
});
beforeEach(() => {
  gw.reset();
  rx.received = [];
  rx.statuses = [];
});
afterEach(() => gw.setFaults({ webhookDrop: 0, webhookDuplicate: 0, webhookReorder: 0, webhookDelayMs: 0 }));

const control = async (path: string, body: unknown = {}) => {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
};
const events = async () => (await (await fetch(`${gw.url}/_control/events`)).json()).events;

describe('signatures', () => {
  it('match the SDK’s generateTestHeaderString for the same payload, secret and time', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const timestamp = 1_700_000_000;
    const ours = signWebhookPayload(payload, SECRET, timestamp);
    expect(ours).toBe(stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp }));
    expect(() => stripe.webhooks.constructEvent(payload, signWebhookPayload(payload, 'whsec_other', timestamp), SECRET)).toThrow();
  });
});

describe('events', () => {
  it('a PaymentIntent that succeeds sends charge.succeeded and payment_intent.succeeded, signed, as Stripe event objects', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa', metadata: { sale_guid: 'w1' } }, { idempotencyKey: 'w1' });
    await rx.waitFor(2);
    expect(rx.types()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);
    const [charge, intent] = rx.received.map((r) => r.event);
    for (const e of [charge, intent]) {
      expect(fieldProblems('event', e)).toEqual([]);
      expect(e).toMatchObject({ object: 'event', livemode: false, pending_webhooks: 1, request: { idempotency_key: 'w1' } });
      expect(e.request?.id).toMatch(/^req_/);
    }
    expect(fieldProblems('charge', charge.data.object)).toEqual([]);
    expect(intent.data.object).toMatchObject({ id: pi.id, status: 'succeeded', metadata: { sale_guid: 'w1' } });
    expect(fieldProblems('payment_intent', intent.data.object)).toEqual([]);
    expect(rx.received[0].signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('a decline sends payment_intent.payment_failed; 3-D Secure sends payment_intent.requires_action', async () => {
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_chargeDeclined' }).catch(() => undefined);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_authenticationRequired' });
    await rx.waitFor(3);
    expect(rx.types()).toEqual(['charge.failed', 'payment_intent.payment_failed', 'payment_intent.requires_action']);
    expect(rx.received[1].event.data.object).toMatchObject({ last_payment_error: { decline_code: 'generic_decline' } });
    await control(`/_control/3ds/${pi.id}/complete`);
    await rx.waitFor(5);
    expect(rx.types().slice(3)).toEqual(['charge.succeeded', 'payment_intent.succeeded']);
    expect(rx.received[4].event.request).toEqual({ id: null, idempotency_key: null });
  });

  it('refunds (API and dashboard) send charge.refunded; a dispute sends charge.dispute.created', async () => {
    const ch = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', metadata: { sale_guid: 'r' } });
    await stripe.refunds.create({ charge: ch.id, amount: 300 });
    const dash = await control('/_control/refunds', { charge: ch.id, amount: 200 });
    expect(dash.status).toBe(200);
    expect(dash.json).toMatchObject({ object: 'refund', amount: 200, charge: ch.id });
    const dispute = await control('/_control/disputes', { charge: ch.id, reason: 'fraudulent' });
    expect(dispute.status).toBe(200);
    expect(fieldProblems('dispute', dispute.json)).toEqual([]);
    await rx.waitFor(4);
    expect(rx.types()).toEqual(['charge.succeeded', 'charge.refunded', 'charge.refunded', 'charge.dispute.created']);
    expect(rx.received[2].event.data.object).toMatchObject({ amount_refunded: 500 });
    expect(rx.received[2].event.data.previous_attributes).toEqual({ amount_refunded: 300, refunded: false });
    expect(rx.received[3].event.data.object).toMatchObject({ object: 'dispute', charge: ch.id, reason: 'fraudulent', amount: 500 });
    expect(gw.ledger()[0]).toMatchObject({ amountRefunded: 500, disputed: true });
    expect((await control('/_control/disputes', { charge: ch.id })).status).toBe(409);
    expect((await control('/_control/refunds', { charge: 'ch_nope' })).status).toBe(404);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
    expect((await control('/_control/refunds', { payment_intent: pi.id })).json).toMatchObject({ amount: 1000, payment_intent: pi.id });
    await rx.waitFor(7); // charge.succeeded, payment_intent.succeeded, charge.refunded: nothing left in flight
  });
});

describe('delivery', () => {
  it('retries with backoff until a 2xx; GET /_control/events shows each attempt', async () => {
    rx.statuses = [500, 503];
    await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
    await rx.waitFor(1);
    const [entry] = await events();
    expect(entry).toMatchObject({ type: 'charge.succeeded', delivered: true, url: rx.url });
    expect(entry.deliveries.map((d: { status: number; outcome: string }) => `${d.status} ${d.outcome}`)).toEqual(['500 failed', '503 failed', '200 delivered']);
    expect(entry.deliveries[2].at - entry.deliveries[1].at).toBeGreaterThanOrEqual(entry.deliveries[1].at - entry.deliveries[0].at);
  });

  it('records connection errors and keeps retrying', async () => {
    gw.setWebhook('http://127.0.0.1:1/nothing', SECRET);
    try {
      await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
      const deadline = Date.now() + 3000;
      let entry: { deliveries: { outcome: string; error?: string }[] } = { deliveries: [] };
      while (entry.deliveries.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        [entry] = gw.events();
      }
      expect(entry.deliveries[0]).toMatchObject({ outcome: 'failed', status: null });
      expect(entry.deliveries[0].error).toBeTruthy();
    } finally {
      gw.setWebhook(rx.url, SECRET);
    }
  });

  it('drop-then-redeliver, duplicate and reorder faults, seeded', async () => {
    gw.setFaults({ webhookDrop: 1 });
    await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
    await rx.waitFor(1);
    expect((await events())[0].deliveries.map((d: { outcome: string }) => d.outcome)).toEqual(['dropped', 'delivered']);

    gw.reset();
    rx.received = [];
    gw.setFaults({ webhookDrop: 0, webhookDuplicate: 1 });
    await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
    await rx.waitFor(2);
    expect(rx.received[0].event.id).toBe(rx.received[1].event.id);

    gw.reset();
    rx.received = [];
    gw.setFaults({ webhookDuplicate: 0, webhookReorder: 1 });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
    await rx.waitFor(2);
    expect(rx.types()).toEqual(['payment_intent.succeeded', 'charge.succeeded']);
  });

  it('delay holds first attempts up to webhookDelayMs', async () => {
    gw.setFaults({ webhookDelayMs: 200, seed: 5 });
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
    await rx.waitFor(4);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await events()).some((e: { deliveries: { fault?: string }[] }) => e.deliveries[0].fault === 'delay')).toBe(true);
  });
});

describe('POST /_control/webhooks', () => {
  it('sets, shows and removes the endpoint; a secret is made up when omitted', async () => {
    const set = await control('/_control/webhooks', { url: 'http://127.0.0.1:9/hook' });
    expect(set.json.endpoint).toMatchObject({ url: 'http://127.0.0.1:9/hook' });
    expect(set.json.endpoint.secret).toMatch(/^whsec_/);
    expect((await control('/_control/webhooks', { url: 'ftp://x' })).status).toBe(400);
    expect((await control('/_control/webhooks', { url: null })).json).toEqual({ endpoint: null });
    await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
    expect((await events())[0]).toMatchObject({ url: null, delivered: false, deliveries: [] });
    expect((await control('/_control/webhooks', { url: rx.url, secret: SECRET })).status).toBe(200);
  });
});
