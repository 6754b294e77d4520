/**
 * shop.charge — charge a sale through a PaymentIntent (the Stripe SDK), created and confirmed at
 * once: the sale's PaymentMethod (pm_…), or its card token as payment_method_data[card][token].
 *
 * Idempotent end to end: the sale moves only by guarded updates, and every attempt sends the same
 * idempotency key (`sale-<guid>`), so a rerun after a crash or a lost response replays the first
 * PaymentIntent instead of making a second one. A card that asks for 3-D Secure leaves the sale
 * processing with the PaymentIntent's client secret (GET /status shows requires_action); the
 * outcome then arrives by webhook or by the follow-up check (payment-check.ts), whichever first.
 */
import { defineJob, type JobContext, type JobDefinition, PermanentError } from 'errand';
import type Stripe from 'stripe';
import type { ChargeTarget, ShopStore } from '../db/types.js';
import { cardMessage, classify } from './gateway-errors.js';
import { applyIntent } from './payment-intent.js';

export const CHARGE_JOB = 'shop.charge';
export const PAYMENTS_QUEUE = 'payments';

export interface ChargePayload {
  guid: string;
}

export interface ChargeJobOptions {
  store: ShopStore;
  stripe: Stripe;
  maxAttempts: number;
  backoff: (attempt: number) => number;
  /** Per-attempt timeout; keep it above the SDK's request timeout. */
  timeoutMs: number;
  /** A PaymentIntent waits for its customer's 3-D Secure answer: schedule the first follow-up check. */
  awaitAction?: (guid: string) => Promise<void>;
}

export const chargeKey = (guid: string): string => `sale-${guid}`;

/** Shown when we gave up without any charge being made. */
export const GATEWAY_DOWN_MESSAGE = 'We could not reach the payment processor, and your card was not charged. Please try again later.';
export const REJECTED_MESSAGE = 'We could not process this payment, and your card was not charged. Please try again.';

export function chargeJob(o: ChargeJobOptions): JobDefinition<ChargePayload> {
  return defineJob<ChargePayload>({
    name: CHARGE_JOB,
    queue: PAYMENTS_QUEUE,
    maxAttempts: o.maxAttempts,
    timeoutMs: o.timeoutMs,
    backoff: o.backoff,
    handler: (payload, ctx) => charge(o, payload, ctx),
  });
}

async function charge(o: ChargeJobOptions, { guid }: ChargePayload, ctx: JobContext): Promise<void> {
  const { store, stripe } = o;
  // pending|processing → processing, and what the charge needs, in one statement.
  const sale = await store.startCharge(guid);
  if (!sale) {
    // Gone, or moved on (another run finished it, or a refund): read it only to say which.
    ctx.logger.info({ guid, state: (await store.getSale(guid))?.state ?? null }, 'charge: nothing to do');
    return;
  }

  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripe.paymentIntents.create(intentParams(sale), { idempotencyKey: chargeKey(guid) });
  } catch (err) {
    const kind = classify(err);
    const e = err as Stripe.errors.StripeError;
    const lastAttempt = ctx.attempt >= ctx.maxAttempts;
    ctx.logger.warn({ guid, kind, status: e.statusCode ?? null, code: e.code ?? null, type: e.type ?? null, lastAttempt }, 'charge: gateway refused or failed');
    if (kind === 'card') {
      // A decline on confirmation: the PaymentIntent (in the error) says why, as Stripe sends it.
      const failed = (e.raw as { payment_intent?: Stripe.PaymentIntent } | undefined)?.payment_intent;
      if (failed?.status === 'requires_payment_method' && failed.last_payment_error) {
        await applyIntent(store, guid, failed, ctx.logger);
        return;
      }
      const { message, code } = cardMessage(e);
      await store.markErrored(guid, message, code, null, failed?.id ?? null);
      return; // done: the card will not change, no retry
    }
    if (kind === 'retry' && !lastAttempt) throw err; // the engine retries with backoff; the sale stays processing
    // Final: attempts exhausted, or the request itself was refused. Before saying it failed,
    // ask the gateway whether a PaymentIntent went through after all.
    if (await reconcile(o, sale, ctx)) return;
    await store.markErrored(guid, kind === 'invalid' ? REJECTED_MESSAGE : GATEWAY_DOWN_MESSAGE, kind === 'invalid' ? (e.code ?? 'invalid_request') : 'gateway_unavailable');
    // The job ends dead, with the gateway's error, for the operator; a refused request (a 4xx
    // other than 409/429) is never retried: the same request would be refused again.
    if (kind === 'invalid') throw new PermanentError(`the gateway refused the charge (${e.statusCode ?? '?'} ${e.code ?? e.type ?? 'error'}): ${e.message}`, { cause: err });
    throw err;
  }
  await settle(o, guid, pi, ctx);
}

/** The PaymentIntent the sale asks for: created and confirmed in one request. */
export function intentParams(sale: ChargeTarget): Stripe.PaymentIntentCreateParams {
  const source = sale.stripeToken;
  return {
    amount: sale.amount,
    currency: sale.currency,
    confirm: true,
    // Cards only, and no redirect-based methods: confirming needs no return_url (3-D Secure runs in Stripe.js's modal).
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    ...(source.startsWith('pm_') ? { payment_method: source } : { payment_method_data: { type: 'card', card: { token: source } } as Stripe.PaymentIntentCreateParams.PaymentMethodData }),
    description: sale.email,
    receipt_email: sale.email,
    metadata: { sale_guid: sale.guid },
  };
}

/** Apply a PaymentIntent to the sale; a challenge schedules its follow-up; processing is retried. */
async function settle(o: ChargeJobOptions, guid: string, pi: Stripe.PaymentIntent, ctx: JobContext): Promise<void> {
  const outcome = await applyIntent(o.store, guid, pi, ctx.logger);
  if (outcome === 'requires_action') {
    ctx.logger.info({ guid, paymentIntent: pi.id }, 'charge: waiting for 3-D Secure');
    await o.awaitAction?.(guid);
    return;
  }
  // processing: let a later attempt see it settle (the same key replays; the lookup reads it fresh).
  if (outcome === 'pending') throw new Error(`payment intent ${pi.id} is ${pi.status}`);
}

/**
 * Look the PaymentIntent up by metadata.sale_guid. True when the sale was settled from what the
 * gateway knows. If the lookup fails too, false: no charge can be shown, and the sale errors.
 * (With real Stripe, search is eventually consistent — a PaymentIntent can take up to a minute to show.)
 */
async function reconcile(o: ChargeJobOptions, sale: ChargeTarget, ctx: JobContext): Promise<boolean> {
  try {
    const found = await o.stripe.paymentIntents.search({ query: `metadata['sale_guid']:'${sale.guid}'`, limit: 10 });
    const ok = found.data.find((p) => p.status === 'succeeded' && p.amount === sale.amount);
    const pi = ok ?? found.data.find((p) => p.status !== 'succeeded');
    ctx.logger.info({ guid: sale.guid, found: found.data.length, settled: pi?.id ?? null }, 'charge: looked up at the gateway');
    if (!pi) return false;
    const outcome = await applyIntent(o.store, sale.guid, pi, ctx.logger);
    if (outcome === 'requires_action') await o.awaitAction?.(sale.guid);
    return outcome !== 'pending';
  } catch (err) {
    ctx.logger.warn({ guid: sale.guid, err: (err as Error).message }, 'charge: lookup at the gateway failed');
    return false;
  }
}
