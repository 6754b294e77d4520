/** Making a charge (either API) and refunding one (API or dashboard), with the events they cause. */
import { invalidRequest } from '../errors.js';
import { buildCharge, type ChargeInput, type ChargeObject } from '../objects/charge.js';
import type { EventRequest } from '../objects/event.js';
import { buildRefund, type RefundObject } from '../objects/refund.js';
import type { Services } from '../api/context.js';

/** Records a charge, whatever its outcome, and sends charge.succeeded or charge.failed. */
export function recordCharge(svc: Services, input: ChargeInput, idempotencyKey: string | null, request: EventRequest): ChargeObject {
  const charge = buildCharge(input);
  svc.store.addCharge(charge, idempotencyKey);
  svc.webhooks.emit(charge.status === 'succeeded' ? 'charge.succeeded' : 'charge.failed', charge, request);
  return charge;
}

/**
 * Refunds `amount` (default: what is left) of a succeeded charge; sends charge.refunded.
 * Throws Stripe's 400s for a charge that failed or is already refunded, or too large an amount.
 */
export function refundCharge(
  svc: Services,
  charge: ChargeObject,
  fields: { amount?: number; reason: string | null; metadata: Record<string, string>; param: string },
  request: EventRequest,
): RefundObject {
  if (charge.status !== 'succeeded') {
    throw invalidRequest(`Charge ${charge.id} has not succeeded, so it cannot be refunded.`, fields.param, 'charge_not_refundable');
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, fields.param, 'charge_already_refunded');
  const amount = fields.amount ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount', 'amount_too_large');
  }
  const refund = buildRefund({
    amount,
    charge: charge.id,
    created: svc.nowSeconds(),
    currency: charge.currency,
    metadata: fields.metadata,
    paymentIntent: charge.payment_intent,
    paymentMethod: charge.payment_method,
    reason: fields.reason,
  });
  svc.store.refunds.set(refund.id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  charge.refunds.data.unshift(refund);
  charge.refunds.total_count++;
  svc.webhooks.emit('charge.refunded', charge, request, previous);
  return refund;
}
