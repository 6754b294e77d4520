/** POST /v1/refunds (of a `charge` or a `payment_intent`) and GET /v1/refunds/:id. */
import { invalidRequest, resourceMissing } from '../errors.js';
import { refundCharge } from '../ledger/charge.js';
import type { Store } from '../ledger/store.js';
import type { ChargeObject } from '../objects/charge.js';
import { metadataParam, onlyKnown, optPositiveInt, optString } from '../params.js';
import type { ApiContext, ApiResult } from './context.js';

const KNOWN = new Set(['charge', 'payment_intent', 'amount', 'reason', 'metadata', 'expand', 'refund_application_fee', 'reverse_transfer']);
export const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

/** The charge a refund is for: `charge`, or the latest charge of `payment_intent`. `status` is the HTTP status of a miss. */
export function chargeToRefund(store: Store, chargeId: string | undefined, paymentIntentId: string | undefined, status = 400): ChargeObject {
  if (chargeId && paymentIntentId) {
    throw invalidRequest('You may only specify one of these parameters: charge, payment_intent.', 'payment_intent');
  }
  if (paymentIntentId) {
    const pi = store.paymentIntents.get(paymentIntentId);
    if (!pi) throw resourceMissing('payment_intent', paymentIntentId, 'payment_intent', status);
    const latest = pi.json.latest_charge ? store.charges.get(pi.json.latest_charge) : undefined;
    if (pi.json.status !== 'succeeded' || !latest) {
      throw invalidRequest(
        `This PaymentIntent (${paymentIntentId}) does not have a successful charge to refund.`,
        'payment_intent',
        'charge_not_refundable',
      );
    }
    return latest.json;
  }
  if (!chargeId) throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', 'charge', 'parameter_missing');
  const record = store.charges.get(chargeId);
  if (!record) throw resourceMissing('charge', chargeId, 'charge', status);
  return record.json;
}

export function createRefund(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, KNOWN);
  const chargeId = optString(p, 'charge', 255) || undefined;
  const paymentIntentId = optString(p, 'payment_intent', 255) || undefined;
  const amount = optPositiveInt(p, 'amount');
  const reason = optString(p, 'reason', 100) ?? null;
  if (reason !== null && !REFUND_REASONS.has(reason)) {
    throw invalidRequest(`Invalid reason: must be one of ${[...REFUND_REASONS].join(', ')}`, 'reason', 'parameter_invalid_string');
  }
  const metadata = metadataParam(p);
  const charge = chargeToRefund(ctx.store, chargeId, paymentIntentId);
  const refund = refundCharge(ctx.svc, charge, { amount, reason, metadata, param: paymentIntentId ? 'payment_intent' : 'charge' }, ctx.request);
  return { status: 200, body: refund };
}

export function retrieveRefund(ctx: ApiContext): ApiResult {
  const refund = ctx.store.refunds.get(ctx.id ?? '');
  if (!refund) throw resourceMissing('refund', ctx.id ?? '', 'id');
  return { status: 200, body: refund };
}
