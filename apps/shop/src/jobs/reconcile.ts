/**
 * shop.reconcile — the periodic repair for what no other path fixed (a lost webhook and a dead
 * job at once). Every tick (RECONCILE_INTERVAL_MS, default 5 min) it:
 * 1. lists the PaymentIntents created at the gateway since the last ticks (newest first, Stripe's
 *    list paging) and applies each to its sale (metadata.sale_guid) — a processing sale whose
 *    PaymentIntent settled is settled; a settled sale is left alone (guarded updates);
 * 2. looks at sales processing for longer than a tick: one whose PaymentIntent exists is settled
 *    from it (an unanswered challenge past its window is canceled); one with no PaymentIntent
 *    whose charge job is over (dead or completed) could not have been charged: errored.
 * One job per tick (unique key `reconcile-<tick>`); the job enqueues the next tick when it ends,
 * and every worker process enqueues the coming tick when it starts, so the chain survives restarts.
 */
import { defineJob, type Errand, type JobDefinition } from 'errand';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { GATEWAY_DOWN_MESSAGE, PAYMENTS_QUEUE } from './charge.js';
import { cancelKey } from './payment-check.js';
import { applyIntent } from './payment-intent.js';

export const RECONCILE_JOB = 'shop.reconcile';
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;

export interface ReconcilePayload {
  /** The tick's start, ms since the epoch. */
  tick: number;
}

export interface ReconcileOptions {
  store: ShopStore;
  stripe: Stripe;
  errand: () => Errand;
  timeoutMs: number;
  /** 0: no periodic runs (the job can still be enqueued by hand). */
  intervalMs: number;
  windowMs: number;
}

export interface ReconcileReport {
  intents: number;
  stale: number;
  repaired: string[];
}

type Log = Pick<Logger, 'info' | 'warn'>;

/** One pass; exported for tests and for an operator's script. */
export async function reconcileOnce(o: Omit<ReconcileOptions, 'timeoutMs' | 'intervalMs'>, now: number, lookbackMs: number, log: Log): Promise<ReconcileReport> {
  const report: ReconcileReport = { intents: 0, stale: 0, repaired: [] };
  const since = Math.floor((now - lookbackMs) / 1000);
  const settle = async (guid: string, pi: Stripe.PaymentIntent) => {
    const before = (await o.store.getSale(guid))?.state;
    if (before !== 'processing' && before !== 'pending') return;
    if (before === 'pending') await o.store.startCharge(guid); // its job never ran: move it so the guarded updates apply
    let current = pi;
    if (current.status === 'requires_action' && current.created * 1000 + o.windowMs <= now) {
      current = await o.stripe.paymentIntents.cancel(current.id, { cancellation_reason: 'abandoned' }, { idempotencyKey: cancelKey(guid) });
    }
    await applyIntent(o.store, guid, current, log);
    if ((await o.store.getSale(guid))?.state !== 'processing') report.repaired.push(guid);
  };

  // 1. Recent PaymentIntents at the gateway.
  let startingAfter: string | undefined;
  for (let page = 0; page < 20; page++) {
    const list = await o.stripe.paymentIntents.list({ limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
    let older = false;
    for (const pi of list.data) {
      if (pi.created < since) {
        older = true;
        break;
      }
      report.intents++;
      const guid = pi.metadata?.sale_guid;
      if (guid && pi.status !== 'requires_action') await settle(guid, pi);
    }
    if (older || !list.has_more || list.data.length === 0) break;
    startingAfter = list.data[list.data.length - 1].id;
  }

  // 2. Sales processing for longer than the lookback.
  for (const sale of await o.store.listStaleProcessing(new Date(now - lookbackMs), 200)) {
    report.stale++;
    const found = await o.stripe.paymentIntents.search({ query: `metadata['sale_guid']:'${sale.guid}'`, limit: 10 });
    const pi = found.data.find((p) => p.status === 'succeeded') ?? found.data[0];
    if (pi) {
      await settle(sale.guid, pi);
      continue;
    }
    const job = sale.chargeJobId === null ? null : await o.errand().admin.getJob(sale.chargeJobId);
    if (job === null || job.state === 'dead' || job.state === 'completed') {
      if (await o.store.markErrored(sale.guid, GATEWAY_DOWN_MESSAGE, 'gateway_unavailable')) {
        log.warn({ guid: sale.guid, job: job?.state ?? null }, 'reconcile: no payment intent and no charge job left: errored');
        report.repaired.push(sale.guid);
      }
    }
  }
  return report;
}

export function reconcileJob(o: ReconcileOptions): { job: JobDefinition<ReconcilePayload>; scheduleNext(now?: number): Promise<void> } {
  const interval = o.intervalMs || DEFAULT_RECONCILE_INTERVAL_MS;
  const scheduleNext = async (now = Date.now()) => {
    if (o.intervalMs <= 0) return;
    const tick = (Math.floor(now / interval) + 1) * interval;
    await o.errand().enqueue(job, { tick }, { runAt: new Date(tick), uniqueKey: `reconcile-${tick}` });
  };
  const job: JobDefinition<ReconcilePayload> = defineJob<ReconcilePayload>({
    name: RECONCILE_JOB,
    queue: PAYMENTS_QUEUE,
    maxAttempts: 3,
    timeoutMs: Math.max(o.timeoutMs, 60_000),
    handler: async ({ tick }, ctx) => {
      try {
        // Two intervals back (and at least the challenge window): a tick that failed is covered by the next.
        const report = await reconcileOnce(o, Date.now(), Math.max(2 * interval, o.windowMs), ctx.logger);
        ctx.logger.info({ tick, ...report }, 'reconcile: done');
      } finally {
        // Whatever this attempt did, the chain goes on (the unique key makes a retry's call a no-op).
        await scheduleNext(Math.max(Date.now(), tick));
      }
    },
  });
  return { job, scheduleNext };
}
