/**
 * shop.charge — charge a sale's card through the Stripe SDK.
 *
 * Idempotent end to end: the sale moves only by guarded updates, and every attempt sends the same
 * idempotency key (`sale-<guid>`), so a rerun after a crash or a lost response replays the first
 * charge instead of making a second one.
 */
import { defineJob, type JobContext, type JobDefinition, PermanentError } from 'errand';
import type Stripe from 'stripe';
import type { ChargeTarget, ShopStore } from '../db/types.js';
import { cardMessage, classify } from './gateway-errors.js';

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

  let created: Stripe.Charge;
  try {
    created = await stripe.charges.create(
      {
        amount: sale.amount,
        currency: sale.currency,
        source: sale.stripeToken,
        description: sale.email,
        receipt_email: sale.email,
        metadata: { sale_guid: guid },
      },
      { idempotencyKey: chargeKey(guid) },
    );
  } catch (err) {
    const kind = classify(err);
    const e = err as Stripe.errors.StripeError;
    const lastAttempt = ctx.attempt >= ctx.maxAttempts;
    ctx.logger.warn({ guid, kind, status: e.statusCode ?? null, code: e.code ?? null, type: e.type ?? null, lastAttempt }, 'charge: gateway refused or failed');
    if (kind === 'card') {
      const { message, code } = cardMessage(e);
      await store.markErrored(guid, message, code);
      return; // done: the card will not change, no retry
    }
    if (kind === 'retry' && !lastAttempt) throw err; // the engine retries with backoff; the sale stays processing
    // Final: attempts exhausted, or the request itself was refused. Before saying it failed,
    // ask the gateway whether a charge went through after all.
    if (await reconcile(o, sale, ctx)) return;
    await store.markErrored(guid, kind === 'invalid' ? REJECTED_MESSAGE : GATEWAY_DOWN_MESSAGE, kind === 'invalid' ? (e.code ?? 'invalid_request') : 'gateway_unavailable');
    // The job ends dead, with the gateway's error, for the operator; a refused request (a 4xx
    // other than 409/429) is never retried: the same request would be refused again.
    if (kind === 'invalid') throw new PermanentError(`the gateway refused the charge (${e.statusCode ?? '?'} ${e.code ?? e.type ?? 'error'}): ${e.message}`, { cause: err });
    throw err;
  }
  await settle(store, guid, created, ctx);
}

/** Apply a charge object to the sale: succeeded → finished; failed → errored with its reason. */
async function settle(store: ShopStore, guid: string, c: Stripe.Charge, ctx: JobContext): Promise<void> {
  if (c.status === 'succeeded') {
    await store.markFinished(guid, c.id);
    ctx.logger.info({ guid, chargeId: c.id }, 'charge: succeeded');
  } else if (c.status === 'failed') {
    const { message, code } = cardMessage({ code: c.failure_code ?? undefined, decline_code: c.outcome?.reason ?? undefined });
    await store.markErrored(guid, message, code);
  } else {
    // pending (not produced by card charges in test mode): let a later attempt see it settle.
    throw new Error(`charge ${c.id} is ${c.status}`);
  }
}

/**
 * Look the charge up by metadata.sale_guid. True when the sale was settled from what the gateway
 * knows. If the lookup fails too, false: no charge can be shown, and the sale errors.
 * (With real Stripe, search is eventually consistent — a charge can take up to a minute to show.)
 */
async function reconcile(o: ChargeJobOptions, sale: ChargeTarget, ctx: JobContext): Promise<boolean> {
  try {
    const found = await o.stripe.charges.search({ query: `metadata['sale_guid']:'${sale.guid}'`, limit: 10 });
    const ok = found.data.find((c) => c.status === 'succeeded' && c.amount === sale.amount);
    const charge = ok ?? found.data.find((c) => c.status === 'failed');
    ctx.logger.info({ guid: sale.guid, found: found.data.length, settled: charge?.id ?? null }, 'charge: looked up at the gateway');
    if (!charge) return false;
    await settle(o.store, sale.guid, charge, ctx);
    return true;
  } catch (err) {
    ctx.logger.warn({ guid: sale.guid, err: (err as Error).message }, 'charge: lookup at the gateway failed');
    return false;
  }
}
