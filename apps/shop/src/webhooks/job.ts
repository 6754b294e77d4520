/**
 * shop.webhook — handle one stored webhook event (enqueued by POST /webhooks/stripe with the
 * unique key `webhook-<evt id>`, in the transaction that stored it). Handling is idempotent: every
 * change is a guarded update, and an event already handled is skipped.
 *
 * - payment_intent.succeeded / payment_failed / canceled / requires_action → the sale, by
 *   metadata.sale_guid, as the charge job would settle it (jobs/payment-intent.ts);
 * - charge.refunded (fully) → finished becomes refunded, also for refunds made in Stripe's dashboard;
 * - charge.dispute.created → the sale of that PaymentIntent or charge is flagged disputed;
 * - anything else is stored and marked ignored.
 * An event about a sale that is not yet where it can apply (a refund or dispute ahead of the
 * success it follows) throws, so the engine retries it with backoff.
 */
import { defineJob, type JobDefinition } from 'errand';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { PAYMENTS_QUEUE } from '../jobs/charge.js';
import { applyIntent } from '../jobs/payment-intent.js';
import { isGuid } from '../sales/guid.js';

export const WEBHOOK_JOB = 'shop.webhook';

export interface WebhookPayload {
  eventId: string;
}

export const webhookKey = (eventId: string): string => `webhook-${eventId}`;

/**
 * The event types the shop acts on (handle() below). Any other type — charge.succeeded and
 * charge.failed, sent beside every payment_intent.* one — is acknowledged by the route without
 * being stored or given a job: half the webhook work of every sale, for nothing.
 */
export const HANDLED_EVENTS: ReadonlySet<string> = new Set([
  'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled', 'payment_intent.requires_action',
  'charge.refunded', 'charge.dispute.created',
]);

/** The sale an event's object names through metadata.sale_guid (PaymentIntents and their charges). */
export function saleGuidOf(event: Pick<Stripe.Event, 'data'>): string | null {
  const guid = (event.data?.object as { metadata?: Record<string, string> } | undefined)?.metadata?.sale_guid;
  return isGuid(guid) ? guid : null;
}

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : (v?.id ?? null));

class NotYet extends Error {}

async function handle(store: ShopStore, event: Stripe.Event, logger: Parameters<typeof applyIntent>[3]): Promise<{ outcome: string; guid: string | null }> {
  const guid = saleGuidOf(event);
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled':
    case 'payment_intent.requires_action': {
      if (!guid) return { outcome: 'ignored: no sale', guid };
      const sale = await store.getSale(guid);
      if (!sale) return { outcome: 'ignored: no sale', guid };
      const before = sale.state;
      await applyIntent(store, guid, event.data.object as Stripe.PaymentIntent, logger);
      const after = (await store.getSale(guid))?.state;
      return { outcome: before === after ? `no change (${after})` : `${before} → ${after}`, guid };
    }
    case 'charge.refunded': {
      const charge = event.data.object as Stripe.Charge;
      if (!guid) return { outcome: 'ignored: no sale', guid };
      if (!charge.refunded) return { outcome: 'ignored: partial refund', guid };
      const sale = await store.getSale(guid);
      if (!sale) return { outcome: 'ignored: no sale', guid };
      if (sale.state === 'pending' || sale.state === 'processing') throw new NotYet(`sale ${guid} is ${sale.state}: the refund waits for its charge to settle`);
      const moved = await store.markRefunded(guid);
      if (moved) logger.info({ guid, chargeId: charge.id }, 'webhook: refunded');
      return { outcome: moved ? 'finished → refunded' : `no change (${sale.state})`, guid };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object as Stripe.Dispute;
      const flagged = await store.markDisputed(idOf(dispute.payment_intent), idOf(dispute.charge));
      if (!flagged) throw new NotYet(`no sale (yet) for the disputed charge ${idOf(dispute.charge)}`);
      logger.info({ guid: flagged, dispute: dispute.id }, 'webhook: dispute opened');
      return { outcome: 'disputed', guid: flagged };
    }
    default:
      return { outcome: 'ignored', guid };
  }
}

export function webhookJob(o: { store: ShopStore; maxAttempts: number; backoff: (attempt: number) => number; timeoutMs: number }): JobDefinition<WebhookPayload> {
  return defineJob<WebhookPayload>({
    name: WEBHOOK_JOB,
    queue: PAYMENTS_QUEUE,
    maxAttempts: o.maxAttempts,
    timeoutMs: o.timeoutMs,
    backoff: o.backoff,
    handler: async ({ eventId }, ctx) => {
      const stored = await o.store.getWebhookEvent(eventId);
      if (!stored || stored.handledAt) {
        ctx.logger.info({ eventId, handled: stored?.handledAt ?? null }, 'webhook: nothing to do');
        return;
      }
      const event = JSON.parse(stored.payload) as Stripe.Event;
      const { outcome, guid } = await handle(o.store, event, ctx.logger);
      await o.store.markWebhookEventHandled(eventId, outcome, guid);
      ctx.logger.info({ eventId, type: event.type, guid, outcome }, 'webhook: handled');
    },
  });
}
