/** The refund object: every field of Stripe's example. */
import { randomId } from '../ids.js';

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: null;
  charge: string;
  created: number;
  currency: string;
  customer: null;
  customer_account: null;
  destination_details: { type: 'card'; card: { reference: null; reference_status: 'pending'; reference_type: 'acquirer_reference_number'; type: 'refund' } };
  metadata: Record<string, string>;
  payment_intent: string | null;
  payment_method: string;
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: 'succeeded';
  transfer_reversal: null;
}

export interface RefundInput {
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  paymentIntent: string | null;
  paymentMethod: string;
  reason: string | null;
}

export function buildRefund(r: RefundInput): RefundObject {
  return {
    id: randomId('re_'),
    object: 'refund',
    amount: r.amount,
    balance_transaction: null,
    charge: r.charge,
    created: r.created,
    currency: r.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      type: 'card',
      card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    metadata: r.metadata,
    payment_intent: r.paymentIntent,
    payment_method: r.paymentMethod,
    reason: r.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}
