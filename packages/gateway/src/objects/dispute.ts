/** The dispute object: every field of Stripe's example (evidence fields all empty). */
import { randomId } from '../ids.js';
import type { ChargeObject } from './charge.js';

const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;

export const DISPUTE_REASONS = [
  'bank_cannot_process', 'check_returned', 'credit_not_processed', 'customer_initiated', 'debit_not_authorized', 'duplicate',
  'fraudulent', 'general', 'incorrect_account_details', 'insufficient_funds', 'product_not_received', 'product_unacceptable',
  'subscription_canceled', 'unrecognized',
] as const;

export interface DisputeObject {
  id: string;
  object: 'dispute';
  amount: number;
  balance_transactions: [];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: [];
  evidence: Record<string, null | Record<string, never>>;
  evidence_details: { due_by: number; enhanced_eligibility: Record<string, never>; has_evidence: false; past_due: false; submission_count: 0 };
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  payment_intent: string | null;
  payment_method_details: { type: 'card'; card: { brand: string; case_type: 'chargeback'; network: string; network_reason_code: string } };
  reason: string;
  status: 'needs_response';
}

export function buildDispute(charge: ChargeObject, amount: number, reason: string, created: number): DisputeObject {
  const card = charge.payment_method_details.card;
  return {
    id: randomId('dp_'),
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: { ...Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])), enhanced_evidence: {} },
    evidence_details: { due_by: created + 7 * 86_400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: {
      type: 'card',
      card: { brand: card.brand, case_type: 'chargeback', network: card.network, network_reason_code: reason === 'fraudulent' ? '10.4' : '13.1' },
    },
    reason,
    status: 'needs_response',
  };
}
