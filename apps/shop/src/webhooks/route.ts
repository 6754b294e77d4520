/**
 * POST /webhooks/stripe — Stripe's (or the local gateway's) signed events. The raw body is checked
 * with stripe.webhooks.constructEvent and STRIPE_WEBHOOK_SECRET: unsigned, wrongly signed or
 * stale (older than 5 minutes) → 400, and nothing is written. A good event of a type the shop
 * handles (HANDLED_EVENTS) is stored and its handling job enqueued in one transaction, unique by
 * event id (a duplicate delivery stores and enqueues nothing); the route then answers 200 at once
 * and does no other work. A good event of another type is answered 200 `{ ignored: true }`, and
 * nothing is written.
 */
import type { Errand, JobDefinition } from 'errand';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { txEnqueue } from '../sales/enqueue.js';
import { HANDLED_EVENTS, saleGuidOf, type WebhookPayload, webhookKey } from './job.js';

export interface WebhookRouteOptions {
  store: ShopStore;
  errand: Errand;
  job: JobDefinition<WebhookPayload>;
  /** whsec_…; null: no secret configured, every delivery is refused. */
  secret: string | null;
}

/** Stripe's default: a signature older than this is refused (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const EVENT_ID = /^evt_[A-Za-z0-9_]{1,250}$/;

export async function webhookRoutes(app: FastifyInstance, o: WebhookRouteOptions): Promise<void> {
  // This plugin only (encapsulated): JSON stays a Buffer, byte for byte what was signed.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_req, body, done) => done(null, body));

  app.post('/webhooks/stripe', { bodyLimit: 512 * 1024 }, async (req, reply) => {
    if (!o.secret) return reply.code(400).send({ error: 'webhooks are not configured: set STRIPE_WEBHOOK_SECRET' });
    const signature = req.headers['stripe-signature'];
    if (typeof signature !== 'string' || signature === '') return reply.code(400).send({ error: 'the Stripe-Signature header is missing' });
    if (!Buffer.isBuffer(req.body)) return reply.code(400).send({ error: 'the body must be the JSON event, as Stripe sends it' });
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(req.body, signature, o.secret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'webhook: signature refused');
      return reply.code(400).send({ error: `the signature does not verify: ${(err as Error).message}` });
    }
    if (!EVENT_ID.test(String(event.id)) || typeof event.type !== 'string') return reply.code(400).send({ error: 'not a Stripe event' });
    if (!HANDLED_EVENTS.has(event.type)) {
      req.log.debug({ eventId: event.id, type: event.type }, 'webhook: not a type the shop handles');
      return reply.code(200).send({ received: true, ignored: true });
    }
    const { inserted } = await o.store.recordWebhookEvent(
      { id: event.id, type: event.type, saleGuid: saleGuidOf(event), payload: req.body.toString('utf8') },
      txEnqueue(o.store, o.errand, o.job, { eventId: event.id }, { uniqueKey: webhookKey(event.id) }),
    );
    req.log.info({ eventId: event.id, type: event.type, duplicate: !inserted }, 'webhook: received');
    return reply.code(200).send({ received: true, duplicate: !inserted });
  });
}
