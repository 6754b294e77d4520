/** The payment_method object (type card): every field of Stripe's example. */
import { randomId } from '../ids.js';
import { type CardInput, fingerprintOf, networkOf } from './card.js';
import { brandOf, fundingFor } from '../cards.js';
import type { BillingDetails } from './charge.js';

export interface PaymentMethodCard {
  brand: string;
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'unchecked' | null };
  country: string;
  display_brand: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: 'credit' | 'debit';
  generated_from: null;
  last4: string;
  networks: { available: string[]; preferred: null };
  regulated_status: 'unregulated';
  three_d_secure_usage: { supported: true };
  wallet: null;
}

export interface PaymentMethodObject {
  id: string;
  object: 'payment_method';
  allow_redisplay: 'unspecified';
  billing_details: BillingDetails;
  card: PaymentMethodCard;
  created: number;
  customer: null;
  customer_account: null;
  livemode: false;
  metadata: Record<string, string>;
  type: 'card';
}

export interface PaymentMethodRecord {
  /** Kept to decide outcomes; never serialized. */
  number: string;
  json: PaymentMethodObject;
}

export function buildPaymentMethod(
  c: CardInput,
  billing: BillingDetails,
  metadata: Record<string, string>,
  created: number,
  id = randomId('pm_'),
): PaymentMethodRecord {
  const network = networkOf(brandOf(c.number));
  return {
    number: c.number,
    json: {
      id,
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: billing,
      card: {
        brand: network,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: c.cvc ? 'unchecked' : null },
        country: 'US',
        display_brand: network === 'amex' ? 'american_express' : network,
        exp_month: c.expMonth,
        exp_year: c.expYear,
        fingerprint: fingerprintOf(c.number),
        funding: fundingFor(c.number),
        generated_from: null,
        last4: c.number.slice(-4),
        networks: { available: [network], preferred: null },
        regulated_status: 'unregulated',
        three_d_secure_usage: { supported: true },
        wallet: null,
      },
      created,
      customer: null,
      customer_account: null,
      livemode: false,
      metadata,
      type: 'card',
    },
  };
}
