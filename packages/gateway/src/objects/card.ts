/** The card object (Stripe's `card`, on tokens and legacy charges): every field of Stripe's example. */
import { createHash } from 'node:crypto';
import { brandOf, fundingFor } from '../cards.js';
import { randomId } from '../ids.js';

/** A card as Stripe shows it on tokens and charges (never the full number). */
export interface CardObject {
  id: string;
  object: 'card';
  address_city: string | null;
  address_country: string | null;
  address_line1: string | null;
  address_line1_check: null;
  address_line2: string | null;
  address_state: string | null;
  address_zip: string | null;
  address_zip_check: null;
  brand: string;
  country: string;
  customer: null;
  cvc_check: 'pass' | 'unchecked' | null;
  dynamic_last4: null;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: 'credit' | 'debit';
  last4: string;
  metadata: Record<string, string>;
  name: string | null;
  regulated_status: 'unregulated';
  tokenization_method: null;
}

/** The details a card was entered with, once validated (see tokens.ts readCard). */
export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: boolean;
  name: string | null;
  zip?: string | null;
  line1?: string | null;
  country?: string | null;
}

export function fingerprintOf(number: string): string {
  return createHash('sha256').update(`errand-gateway:${number}`).digest('base64url').slice(0, 16);
}

export function cardObject(c: CardInput): CardObject {
  return {
    id: randomId('card_'),
    object: 'card',
    address_city: null,
    address_country: c.country ?? null,
    address_line1: c.line1 ?? null,
    address_line1_check: null,
    address_line2: null,
    address_state: null,
    address_zip: c.zip ?? null,
    address_zip_check: null,
    brand: brandOf(c.number),
    country: 'US',
    customer: null,
    cvc_check: c.cvc ? 'unchecked' : null,
    dynamic_last4: null,
    exp_month: c.expMonth,
    exp_year: c.expYear,
    fingerprint: fingerprintOf(c.number),
    funding: fundingFor(c.number),
    last4: c.number.slice(-4),
    metadata: {},
    name: c.name,
    regulated_status: 'unregulated',
    tokenization_method: null,
  };
}

/** Lower-case network names as payment methods and payment_method_details spell them. */
export function networkOf(brand: string): string {
  const names: Record<string, string> = {
    Visa: 'visa',
    MasterCard: 'mastercard',
    'American Express': 'amex',
    Discover: 'discover',
    'Diners Club': 'diners',
    JCB: 'jcb',
    UnionPay: 'unionpay',
  };
  if (Object.hasOwn(names, brand)) return names[brand];
  return Object.values(names).includes(brand) ? brand : 'unknown';
}
