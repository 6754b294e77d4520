/**
 * What happens outside the shop: the customer answers a 3-D Secure challenge
 * (POST /_control/3ds/:payment_intent/complete|fail, as the page's buttons do), the cardholder
 * disputes a charge (POST /_control/disputes), the merchant refunds from the dashboard
 * (POST /_control/refunds). Each sends the events Stripe would.
 */
import type { Services } from '../api/context.js';
import { chargeToRefund, REFUND_REASONS } from '../api/refunds.js';
import { refundCharge } from '../ledger/charge.js';
import { answerChallenge } from '../ledger/payment-intent.js';
import { buildDispute, DISPUTE_REASONS } from '../objects/dispute.js';
import { ControlError, type ControlResult } from './result.js';

const DASHBOARD = { id: null, idempotency_key: null };

function only(b: Record<string, unknown>, known: string[]): void {
  for (const key of Object.keys(b)) if (!known.includes(key)) throw new ControlError(400, `unknown field '${key}' (known: ${known.join(', ')})`, key);
}

function optId(b: Record<string, unknown>, key: string): string | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new ControlError(400, `${key} must be an id`, key);
  return v;
}

function optAmount(b: Record<string, unknown>): number | undefined {
  const v = b.amount;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new ControlError(400, 'amount must be a positive integer (minor units)', 'amount');
  return v;
}

export function answerChallengeRoute(svc: Services, paymentIntentId: string, outcome: 'complete' | 'fail'): ControlResult {
  const record = svc.store.paymentIntents.get(paymentIntentId);
  if (!record) throw new ControlError(404, `No such payment_intent: '${paymentIntentId}'`);
  if (record.json.status !== 'requires_action' || !record.challenge) {
    throw new ControlError(409, `PaymentIntent ${paymentIntentId} has no pending 3-D Secure challenge (status ${record.json.status}).`);
  }
  answerChallenge(svc, record, outcome);
  return { body: record.json };
}

/** `{"charge": "ch_…", "reason"?: "fraudulent", "amount"?: n}`: a dispute on a succeeded charge; charge.dispute.created. */
export function openDispute(svc: Services, b: Record<string, unknown>): ControlResult {
  only(b, ['charge', 'payment_intent', 'reason', 'amount']);
  const reason = b.reason === undefined ? 'fraudulent' : b.reason;
  if (typeof reason !== 'string' || !(DISPUTE_REASONS as readonly string[]).includes(reason)) {
    throw new ControlError(400, `reason must be one of ${DISPUTE_REASONS.join(', ')}`, 'reason');
  }
  const charge = chargeToRefund(svc.store, optId(b, 'charge'), optId(b, 'payment_intent'), 404);
  const amount = optAmount(b) ?? charge.amount - charge.amount_refunded;
  if (amount > charge.amount) throw new ControlError(400, `amount must be at most the charge's ${charge.amount}`, 'amount');
  if (charge.disputed) throw new ControlError(409, `Charge ${charge.id} is already disputed.`, 'charge');
  const dispute = buildDispute(charge, amount, reason, svc.nowSeconds());
  svc.store.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  svc.webhooks.emit('charge.dispute.created', dispute, DASHBOARD);
  return { body: dispute };
}

/** `{"charge": "ch_…"} or {"payment_intent": "pi_…"}, "amount"?, "reason"?`: a refund nobody asked the API for; charge.refunded. */
export function refundFromDashboard(svc: Services, b: Record<string, unknown>): ControlResult {
  only(b, ['charge', 'payment_intent', 'amount', 'reason']);
  const reason = b.reason === undefined ? null : b.reason;
  if (reason !== null && (typeof reason !== 'string' || !REFUND_REASONS.has(reason))) {
    throw new ControlError(400, `reason must be one of ${[...REFUND_REASONS].join(', ')}`, 'reason');
  }
  const paymentIntent = optId(b, 'payment_intent');
  const charge = chargeToRefund(svc.store, optId(b, 'charge'), paymentIntent, 404);
  const refund = refundCharge(svc, charge, { amount: optAmount(b), reason, metadata: {}, param: paymentIntent ? 'payment_intent' : 'charge' }, DASHBOARD);
  return { body: refund };
}
