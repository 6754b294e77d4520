/**
 * shop.payment_check — reads a waiting sale's PaymentIntent again while its customer answers
 * 3-D Secure: the job's half of "by webhook or by the job, whichever comes first". The charge job
 * schedules the first check; each check that still sees requires_action schedules the next
 * (1 s, 2 s, 4 s … at most 30 s apart). Past the challenge window it cancels the PaymentIntent
 * (idempotency key `cancel-<guid>`) and the sale ends errored, abandoned. A settled sale ends the
 * chain at once.
 */
import { defineJob, type Errand, type JobDefinition } from 'errand';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { PAYMENTS_QUEUE } from './charge.js';
import { applyIntent } from './payment-intent.js';

export const PAYMENT_CHECK_JOB = 'shop.payment_check';

export interface PaymentCheckPayload {
  guid: string;
  /** Which check of the chain (0 first): also its unique key, so a retried charge adds none. */
  n: number;
  /** ms since the epoch: past it, a challenge still unanswered is abandoned. */
  deadline: number;
}

export const cancelKey = (guid: string): string => `cancel-${guid}`;
export const checkDelayMs = (n: number): number => Math.min(30_000, 1_000 * 2 ** Math.min(n, 5));

export interface PaymentCheckOptions {
  store: ShopStore;
  stripe: Stripe;
  errand: () => Errand;
  maxAttempts: number;
  backoff: (attempt: number) => number;
  timeoutMs: number;
  /** How long a customer has to answer a challenge (CHALLENGE_WINDOW_MS). */
  windowMs: number;
}

export interface PaymentCheck {
  job: JobDefinition<PaymentCheckPayload>;
  /** The first check of a sale whose PaymentIntent now waits for its customer. */
  schedule(guid: string): Promise<void>;
}

export function paymentCheck(o: PaymentCheckOptions): PaymentCheck {
  const enqueueCheck = async (p: PaymentCheckPayload) => {
    await o.errand().enqueue(job, p, { delayMs: checkDelayMs(p.n), uniqueKey: `check-${p.guid}-${p.n}` });
  };
  const job: JobDefinition<PaymentCheckPayload> = defineJob<PaymentCheckPayload>({
    name: PAYMENT_CHECK_JOB,
    queue: PAYMENTS_QUEUE,
    maxAttempts: o.maxAttempts,
    timeoutMs: o.timeoutMs,
    backoff: o.backoff,
    handler: async ({ guid, n, deadline }, ctx) => {
      const sale = await o.store.getSale(guid);
      if (sale?.state !== 'processing' || !sale.paymentIntentId) {
        ctx.logger.info({ guid, state: sale?.state ?? null }, 'payment check: nothing to do');
        return;
      }
      let pi = await o.stripe.paymentIntents.retrieve(sale.paymentIntentId);
      if (pi.status === 'requires_action' && Date.now() >= deadline) {
        ctx.logger.info({ guid, paymentIntent: pi.id }, 'payment check: challenge abandoned, canceling');
        try {
          pi = await o.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'abandoned' }, { idempotencyKey: cancelKey(guid) });
        } catch (err) {
          // Answered meanwhile (it cannot be canceled any more): read what it became.
          if ((err as Stripe.errors.StripeError).statusCode !== 400) throw err;
          pi = await o.stripe.paymentIntents.retrieve(pi.id);
        }
      }
      const outcome = await applyIntent(o.store, guid, pi, ctx.logger);
      if (outcome !== 'settled') await enqueueCheck({ guid, n: n + 1, deadline });
    },
  });
  return { job, schedule: (guid: string) => enqueueCheck({ guid, n: 0, deadline: Date.now() + o.windowMs }) };
}
