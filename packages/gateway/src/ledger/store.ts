/** In-memory state: tokens, payment methods, payment intents, charges, refunds and disputes, with the ledger view tests inspect. */
import type { CardObject } from '../objects/card.js';
import type { ChargeObject } from '../objects/charge.js';
import type { DisputeObject } from '../objects/dispute.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { PaymentMethodRecord } from '../objects/payment-method.js';
import type { RefundObject } from '../objects/refund.js';
import type { LedgerEntry } from '../types.js';

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

export interface ChargeRecord {
  json: ChargeObject;
  /** Position in creation order, for list pagination. */
  seq: number;
  idempotencyKey: string | null;
}

/** A pending 3-D Secure challenge of a PaymentIntent in requires_action. */
export interface Challenge {
  id: string;
  /** Where the redirect flow sends the customer back to; null for the modal (use_stripe_sdk) flow. */
  returnUrl: string | null;
}

export interface PaymentIntentRecord {
  json: PaymentIntentObject;
  seq: number;
  idempotencyKey: string | null;
  challenge: Challenge | null;
}

export class Store {
  readonly tokens = new Map<string, TokenRecord>();
  readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentRecord>();
  /** PaymentIntents in creation order. */
  readonly paymentIntentOrder: PaymentIntentRecord[] = [];
  /** Challenge id → PaymentIntent id. */
  readonly challenges = new Map<string, string>();
  readonly charges = new Map<string, ChargeRecord>();
  /** Charges in creation order. */
  readonly chargeOrder: ChargeRecord[] = [];
  readonly refunds = new Map<string, RefundObject>();
  readonly disputes = new Map<string, DisputeObject>();

  addCharge(json: ChargeObject, idempotencyKey: string | null): ChargeRecord {
    const record: ChargeRecord = { json, seq: this.chargeOrder.length, idempotencyKey };
    this.charges.set(json.id, record);
    this.chargeOrder.push(record);
    return record;
  }

  addPaymentIntent(json: PaymentIntentObject, idempotencyKey: string | null): PaymentIntentRecord {
    const record: PaymentIntentRecord = { json, seq: this.paymentIntentOrder.length, idempotencyKey, challenge: null };
    this.paymentIntents.set(json.id, record);
    this.paymentIntentOrder.push(record);
    return record;
  }

  clear(): void {
    this.tokens.clear();
    this.paymentMethods.clear();
    this.paymentIntents.clear();
    this.paymentIntentOrder.length = 0;
    this.challenges.clear();
    this.charges.clear();
    this.chargeOrder.length = 0;
    this.refunds.clear();
    this.disputes.clear();
  }

  /**
   * Every charge, oldest first. A charge made through a PaymentIntent names it and carries its
   * PaymentIntent's metadata (so `metadata.sale_guid` names the sale whichever API made the
   * charge), and the key of the request that made it: the PaymentIntent's creation key.
   */
  ledger(): LedgerEntry[] {
    return this.chargeOrder.map(({ json, idempotencyKey }) => {
      const pi = json.payment_intent ? this.paymentIntents.get(json.payment_intent) : undefined;
      return {
        id: json.id,
        status: json.status,
        amount: json.amount,
        currency: json.currency,
        idempotencyKey,
        metadata: { ...(pi ? pi.json.metadata : json.metadata) },
        amountRefunded: json.amount_refunded,
        failureCode: json.failure_code,
        created: json.created,
        paymentIntent: json.payment_intent,
        disputed: json.disputed,
      };
    });
  }
}
