/** The shop's job definitions, wired to a store and a Stripe client. */
import type { JobDefinition } from 'errand';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { paymentBackoff } from './backoff.js';
import { type ChargePayload, chargeJob } from './charge.js';
import { type RefundPayload, refundJob } from './refund.js';

export interface ShopJobs {
  charge: JobDefinition<ChargePayload>;
  refund: JobDefinition<RefundPayload>;
  all: JobDefinition<any>[];
}

export interface ShopJobOptions {
  store: ShopStore;
  stripe: Stripe;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The SDK's request timeout; an attempt may make two requests (charge, then a lookup). */
  stripeTimeoutMs: number;
}

export function createShopJobs(o: ShopJobOptions): ShopJobs {
  const common = {
    store: o.store,
    stripe: o.stripe,
    maxAttempts: o.maxAttempts,
    backoff: paymentBackoff(o.backoffBaseMs, o.backoffMaxMs),
    timeoutMs: 2 * o.stripeTimeoutMs + 5_000,
  };
  const charge = chargeJob(common);
  const refund = refundJob(common);
  return { charge, refund, all: [charge, refund] };
}
