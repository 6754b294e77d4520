/**
 * shop.refund — refund a finished sale's charge (enqueued from the console). Same shape as the
 * charge: idempotency key `refund-<guid>` on every attempt; finished → refunded is one guarded update.
 */
import { defineJob, type JobDefinition, PermanentError } from 'errand';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { classify } from './gateway-errors.js';
import { PAYMENTS_QUEUE } from './charge.js';

export const REFUND_JOB = 'shop.refund';

export interface RefundPayload {
  guid: string;
}

export const refundKey = (guid: string): string => `refund-${guid}`;

export function refundJob(o: { store: ShopStore; stripe: Stripe; maxAttempts: number; backoff: (attempt: number) => number; timeoutMs: number }): JobDefinition<RefundPayload> {
  return defineJob<RefundPayload>({
    name: REFUND_JOB,
    queue: PAYMENTS_QUEUE,
    maxAttempts: o.maxAttempts,
    timeoutMs: o.timeoutMs,
    backoff: o.backoff,
    handler: async ({ guid }, ctx) => {
      const sale = await o.store.getSale(guid);
      if (sale?.state !== 'finished' || !sale.chargeId) {
        ctx.logger.info({ guid, state: sale?.state ?? null }, 'refund: nothing to do');
        return;
      }
      try {
        await o.stripe.refunds.create({ charge: sale.chargeId, metadata: { sale_guid: guid } }, { idempotencyKey: refundKey(guid) });
      } catch (err) {
        const e = err as Stripe.errors.StripeError;
        // Refunded already (by the dashboard, or an earlier attempt whose key expired): same end state.
        if (e.code === 'charge_already_refunded') {
          await o.store.markRefunded(guid);
          return;
        }
        if (classify(err) === 'retry') throw err;
        throw new PermanentError(`refund refused by the gateway: ${e.code ?? e.type ?? 'error'}: ${e.message}`, { cause: err });
      }
      await o.store.markRefunded(guid);
      ctx.logger.info({ guid }, 'refund: done');
    },
  });
}
