/** POST /v1/refunds and GET /v1/refunds/:id. */
import { invalidRequest, resourceMissing } from '../errors.js';
import { randomId } from '../ids.js';
import type { RefundObject } from '../ledger/store.js';
import { metadataParam, onlyKnown, optPositiveInt, optString, reqString } from '../params.js';
import type { ApiContext, ApiResult } from './context.js';

const KNOWN = new Set(['charge', 'amount', 'reason', 'metadata', 'expand', 'refund_application_fee', 'reverse_transfer']);
const REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

export function createRefund(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, KNOWN);
  const chargeId = reqString(p, 'charge', 255);
  const amountParam = optPositiveInt(p, 'amount');
  const reason = optString(p, 'reason', 100) ?? null;
  if (reason !== null && !REASONS.has(reason)) {
    throw invalidRequest(`Invalid reason: must be one of ${[...REASONS].join(', ')}`, 'reason', 'parameter_invalid_string');
  }
  const metadata = metadataParam(p);
  const record = ctx.store.charges.get(chargeId);
  if (!record) throw resourceMissing('charge', chargeId, 'charge', 400);
  const charge = record.json;
  if (charge.status !== 'succeeded') {
    throw invalidRequest(`Charge ${chargeId} has not succeeded, so it cannot be refunded.`, 'charge', 'charge_not_refundable');
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) throw invalidRequest(`Charge ${chargeId} has already been refunded.`, 'charge', 'charge_already_refunded');
  const amount = amountParam ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
      'amount',
      'amount_too_large',
    );
  }
  const refund: RefundObject = {
    id: randomId('re_'),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: chargeId,
    created: ctx.nowSeconds,
    currency: charge.currency,
    metadata,
    payment_intent: null,
    reason,
    receipt_number: null,
    status: 'succeeded',
  };
  ctx.store.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  charge.refunds.data.unshift(refund);
  charge.refunds.total_count++;
  return { status: 200, body: refund };
}

export function retrieveRefund(ctx: ApiContext): ApiResult {
  const refund = ctx.store.refunds.get(ctx.id ?? '');
  if (!refund) throw resourceMissing('refund', ctx.id ?? '', 'id');
  return { status: 200, body: refund };
}
