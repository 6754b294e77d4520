/** In-memory state: tokens, charges and refunds, with the ledger view tests inspect. */
import type { LedgerEntry } from '../types.js';

/** A card as Stripe shows it on tokens and charges (never the full number). */
export interface CardObject {
  id: string;
  object: 'card';
  brand: string;
  country: string;
  cvc_check: 'pass' | 'unchecked' | null;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: 'credit' | 'debit';
  last4: string;
  metadata: Record<string, string>;
  name: string | null;
  tokenization_method: null;
}

export interface TokenRecord {
  /** Kept to decide the charge outcome; never serialized. */
  number: string;
  json: {
    id: string;
    object: 'token';
    card: CardObject;
    client_ip: string | null;
    created: number;
    livemode: false;
    type: 'card';
    used: boolean;
  };
}

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: null;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: null;
  reason: string | null;
  receipt_number: null;
  status: 'succeeded';
}

export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: null;
  captured: boolean;
  created: number;
  currency: string;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  outcome: {
    network_status: string;
    reason: string | null;
    risk_level: string;
    seller_message: string;
    type: string;
  };
  paid: boolean;
  payment_method: string;
  payment_method_details: {
    type: 'card';
    card: Pick<CardObject, 'brand' | 'country' | 'exp_month' | 'exp_year' | 'fingerprint' | 'funding' | 'last4'>;
  };
  receipt_email: string | null;
  refunded: boolean;
  refunds: { object: 'list'; data: RefundObject[]; has_more: false; total_count: number; url: string };
  source: CardObject;
  statement_descriptor: string | null;
  status: 'succeeded' | 'failed';
}

export interface ChargeRecord {
  json: ChargeObject;
  /** Position in creation order, for list pagination. */
  seq: number;
  idempotencyKey: string | null;
}

export class Store {
  readonly tokens = new Map<string, TokenRecord>();
  readonly charges = new Map<string, ChargeRecord>();
  /** Charges in creation order. */
  readonly chargeOrder: ChargeRecord[] = [];
  readonly refunds = new Map<string, RefundObject>();

  addCharge(json: ChargeObject, idempotencyKey: string | null): ChargeRecord {
    const record: ChargeRecord = { json, seq: this.chargeOrder.length, idempotencyKey };
    this.charges.set(json.id, record);
    this.chargeOrder.push(record);
    return record;
  }

  clear(): void {
    this.tokens.clear();
    this.charges.clear();
    this.chargeOrder.length = 0;
    this.refunds.clear();
  }

  ledger(): LedgerEntry[] {
    return this.chargeOrder.map(({ json, idempotencyKey }) => ({
      id: json.id,
      status: json.status,
      amount: json.amount,
      currency: json.currency,
      idempotencyKey,
      metadata: { ...json.metadata },
      amountRefunded: json.amount_refunded,
      failureCode: json.failure_code,
      created: json.created,
    }));
  }
}
