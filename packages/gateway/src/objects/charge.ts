/** The charge object: every field of Stripe's example, `null` where the gateway models nothing. */
import type { Decline } from '../cards.js';
import { randomId } from '../ids.js';
import type { RefundObject } from './refund.js';
import { type CardObject, networkOf } from './card.js';

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface BillingDetails {
  address: Address;
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: null;
}

export function emptyBillingDetails(name: string | null = null): BillingDetails {
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email: null,
    name,
    phone: null,
    tax_id: null,
  };
}

export interface ThreeDSecureDetails {
  authentication_flow: 'challenge';
  electronic_commerce_indicator: '05';
  exemption_indicator: null;
  result: 'authenticated';
  result_reason: null;
  transaction_id: string;
  version: '2.2.0';
}

export interface ChargeCardDetails {
  amount_authorized: number | null;
  authorization_code: string | null;
  brand: string;
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' | null };
  country: string;
  exp_month: number;
  exp_year: number;
  extended_authorization: { status: 'disabled' };
  fingerprint: string;
  funding: string;
  incremental_authorization: { status: 'unavailable' };
  installments: null;
  last4: string;
  mandate: null;
  multicapture: { status: 'unavailable' };
  network: string;
  network_token: { used: false };
  network_transaction_id: string | null;
  overcapture: { maximum_amount_capturable: number; status: 'unavailable' };
  regulated_status: 'unregulated';
  three_d_secure: ThreeDSecureDetails | null;
  transaction_link_id: null;
  wallet: null;
}

export interface Outcome {
  advice_code: string | null;
  network_advice_code: null;
  network_decline_code: null;
  network_status: string;
  reason: string | null;
  risk_level: string;
  seller_message: string;
  type: string;
}

export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: null;
  billing_details: BillingDetails;
  calculated_statement_descriptor: string | null;
  captured: boolean;
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, never>;
  livemode: false;
  metadata: Record<string, string>;
  on_behalf_of: null;
  outcome: Outcome;
  paid: boolean;
  payment_intent: string | null;
  payment_method: string;
  payment_method_details: { type: 'card'; card: ChargeCardDetails };
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: null;
  refunded: boolean;
  refunds: { object: 'list'; data: RefundObject[]; has_more: false; total_count: number; url: string };
  review: null;
  shipping: null;
  source: CardObject | null;
  source_transfer: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: 'succeeded' | 'failed';
  transfer_data: null;
  transfer_group: string | null;
}

/** The card as a charge needs it: a card object's fields, whichever object (card or payment method) it came from. */
export type ChargeCard = Pick<CardObject, 'brand' | 'country' | 'exp_month' | 'exp_year' | 'fingerprint' | 'funding' | 'last4' | 'cvc_check'>;

export interface ChargeInput {
  amount: number;
  currency: string;
  created: number;
  description: string | null;
  receiptEmail: string | null;
  metadata: Record<string, string>;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
  transferGroup: string | null;
  card: ChargeCard;
  /** `card_…` for a token charge, `pm_…` for a PaymentIntent's. */
  paymentMethod: string;
  /** The card object, for charges made with a token (Charges API); null for PaymentIntents. */
  source: CardObject | null;
  paymentIntent: string | null;
  billing: BillingDetails;
  decline: Decline | undefined;
  /** The payment was authenticated with 3-D Secure. */
  authenticated: boolean;
}

function outcomeOf(decline: Decline | undefined): Outcome {
  if (!decline) {
    return {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  const blocked = decline.declineCode === 'fraudulent';
  return {
    advice_code: decline.declineCode === 'insufficient_funds' ? 'try_again_later' : 'do_not_try_again',
    network_advice_code: null,
    network_decline_code: null,
    network_status: blocked ? 'not_sent_to_network' : 'declined_by_network',
    reason: decline.declineCode,
    risk_level: blocked ? 'highest' : 'normal',
    seller_message:
      decline.declineCode === 'generic_decline'
        ? 'The bank did not return any further details with this decline.'
        : `The bank returned the decline code \`${decline.declineCode}\`.`,
    type: blocked ? 'blocked' : 'issuer_declined',
  };
}

export function buildCharge(c: ChargeInput): ChargeObject {
  const id = randomId('ch_');
  const ok = !c.decline;
  const card = c.card;
  const cvcCheck = card.cvc_check === null || c.decline?.code === 'incorrect_cvc' ? null : 'pass';
  return {
    id,
    object: 'charge',
    amount: c.amount,
    amount_captured: ok ? c.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: c.billing,
    calculated_statement_descriptor: c.statementDescriptor,
    captured: ok,
    created: c.created,
    currency: c.currency,
    customer: null,
    description: c.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: c.decline ? c.decline.code : null,
    failure_message: c.decline ? c.decline.message : null,
    fraud_details: {},
    livemode: false,
    metadata: c.metadata,
    on_behalf_of: null,
    outcome: outcomeOf(c.decline),
    paid: ok,
    payment_intent: c.paymentIntent,
    payment_method: c.paymentMethod,
    payment_method_details: {
      type: 'card',
      card: {
        amount_authorized: ok ? c.amount : null,
        authorization_code: ok ? String(100000 + Math.floor(Math.random() * 900000)) : null,
        brand: networkOf(card.brand),
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: cvcCheck },
        country: card.country,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        extended_authorization: { status: 'disabled' },
        fingerprint: card.fingerprint,
        funding: card.funding,
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: card.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: networkOf(card.brand),
        network_token: { used: false },
        network_transaction_id: ok ? randomId('', 15).toUpperCase() : null,
        overcapture: { maximum_amount_capturable: c.amount, status: 'unavailable' },
        regulated_status: 'unregulated',
        three_d_secure: c.authenticated
          ? {
              authentication_flow: 'challenge',
              electronic_commerce_indicator: '05',
              exemption_indicator: null,
              result: 'authenticated',
              result_reason: null,
              transaction_id: randomId('', 32),
              version: '2.2.0',
            }
          : null,
        transaction_link_id: null,
        wallet: null,
      },
    },
    receipt_email: c.receiptEmail,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: c.source ? { ...c.source, cvc_check: c.source.cvc_check === null ? null : cvcCheck } : null,
    source_transfer: null,
    statement_descriptor: c.statementDescriptor,
    statement_descriptor_suffix: c.statementDescriptorSuffix,
    status: ok ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: c.transferGroup,
  };
}
