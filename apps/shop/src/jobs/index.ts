/** The shop's job definitions, wired to a store and a Stripe client. */
import type { Errand, JobDefinition } from 'errand';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { type WebhookPayload, webhookJob } from '../webhooks/job.js';
import { paymentBackoff } from './backoff.js';
import { type ChargePayload, chargeJob } from './charge.js';
import { type PaymentCheckPayload, paymentCheck } from './payment-check.js';
import { DEFAULT_RECONCILE_INTERVAL_MS, type ReconcilePayload, reconcileJob } from './reconcile.js';
import { type RefundPayload, refundJob } from './refund.js';

export interface ShopJobs {
  charge: JobDefinition<ChargePayload>;
  refund: JobDefinition<RefundPayload>;
  paymentCheck: JobDefinition<PaymentCheckPayload>;
  webhook: JobDefinition<WebhookPayload>;
  reconcile: JobDefinition<ReconcilePayload>;
  /** Enqueue the coming reconciliation tick (a worker process calls it when it starts). */
  scheduleReconcile(): Promise<void>;
  all: JobDefinition<any>[];
}

/** How long a customer has to answer a 3-D Secure challenge, by default (CHALLENGE_WINDOW_MS). */
export const DEFAULT_CHALLENGE_WINDOW_MS = 15 * 60_000;

export interface ShopJobOptions {
  store: ShopStore;
  stripe: Stripe;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The SDK's request timeout; an attempt may make two requests (charge, then a lookup). */
  stripeTimeoutMs: number;
  /** The engine client, once created (the jobs are defined before it): jobs that enqueue jobs use it. */
  errand: () => Errand;
  challengeWindowMs?: number;
  /** RECONCILE_INTERVAL_MS; 0 turns the periodic reconciliation off. Default 5 minutes. */
  reconcileIntervalMs?: number;
}

export function createShopJobs(o: ShopJobOptions): ShopJobs {
  const common = {
    store: o.store,
    stripe: o.stripe,
    maxAttempts: o.maxAttempts,
    backoff: paymentBackoff(o.backoffBaseMs, o.backoffMaxMs),
    timeoutMs: 2 * o.stripeTimeoutMs + 5_000,
  };
  const windowMs = o.challengeWindowMs ?? DEFAULT_CHALLENGE_WINDOW_MS;
  const check = paymentCheck({ ...common, errand: o.errand, windowMs });
  const reconcile = reconcileJob({ ...common, errand: o.errand, windowMs, intervalMs: o.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS });
  const charge = chargeJob({ ...common, awaitAction: check.schedule });
  const refund = refundJob(common);
  const webhook = webhookJob(common);
  return {
    charge,
    refund,
    paymentCheck: check.job,
    webhook,
    reconcile: reconcile.job,
    scheduleReconcile: () => reconcile.scheduleNext(),
    all: [charge, refund, check.job, webhook, reconcile.job],
  };
}
