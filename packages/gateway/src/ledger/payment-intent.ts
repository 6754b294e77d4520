/**
 * What happens to a PaymentIntent once confirmed:
 *
 *   requires_payment_method ─(payment method)─▶ requires_confirmation ─(confirm)─┐
 *            ▲                                                                    ▼
 *            ├──── decline / authentication failed ◀── requires_action ◀── card needs 3-D Secure
 *            │                                               │ authenticated
 *            └──── decline ◀── [processing] ◀── charge ◀─────┴──── card needs none
 *                                   │
 *                                   └──▶ succeeded          canceled: from any state before succeeded
 *
 * `processing` lasts `processingMs` (a fault setting, 0 by default: the charge is made within
 * the confirming request). Each step sends Stripe's events.
 */
import { closeChallenge, openChallenge } from '../3ds/challenge.js';
import type { Services } from '../api/context.js';
import { type Decline, declineAfterAuthentication, declineFor, needsAuthentication } from '../cards.js';
import { docUrlFor } from '../errors.js';
import type { EventRequest } from '../objects/event.js';
import type { PaymentMethodRecord } from '../objects/payment-method.js';
import { recordCharge } from './charge.js';
import type { PaymentIntentRecord } from './store.js';

const NO_REQUEST: EventRequest = { id: null, idempotency_key: null };

export interface Attempt {
  /** The gateway's URL as the customer's browser reaches it. */
  baseUrl: string;
  /** Set: the redirect flow; null: Stripe.js's modal (use_stripe_sdk). */
  returnUrl: string | null;
  request: EventRequest;
  idempotencyKey: string | null;
}

/** Confirms with a payment method: a challenge, or the charge (now or after processing). */
export function confirmWith(svc: Services, record: PaymentIntentRecord, pm: PaymentMethodRecord, a: Attempt): void {
  const pi = record.json;
  pi.payment_method = pm.json.id;
  pi.last_payment_error = null;
  pi.next_action = null;
  if (needsAuthentication(pm.number)) {
    pi.next_action = openChallenge(svc.store, record, a.baseUrl, a.returnUrl);
    pi.status = 'requires_action';
    svc.webhooks.emit('payment_intent.requires_action', pi, a.request);
    return;
  }
  closeChallenge(svc.store, record);
  settle(svc, record, pm, declineFor(pm.number), false, a.request, a.idempotencyKey);
}

/** The customer (or a test) answered the challenge. */
export function answerChallenge(svc: Services, record: PaymentIntentRecord, outcome: 'complete' | 'fail'): void {
  const pi = record.json;
  const pm = pi.payment_method ? svc.store.paymentMethods.get(pi.payment_method) : undefined;
  closeChallenge(svc.store, record);
  pi.next_action = null;
  if (!pm) throw new Error(`PaymentIntent ${pi.id} in requires_action has no payment method`);
  if (outcome === 'fail') {
    pi.status = 'requires_payment_method';
    pi.last_payment_error = {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      doc_url: docUrlFor('payment_intent_authentication_failure'),
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: pm.json,
    };
    svc.webhooks.emit('payment_intent.payment_failed', pi, NO_REQUEST);
    return;
  }
  settle(svc, record, pm, declineAfterAuthentication(pm.number), true, NO_REQUEST, record.idempotencyKey);
}

function settle(
  svc: Services,
  record: PaymentIntentRecord,
  pm: PaymentMethodRecord,
  decline: Decline | undefined,
  authenticated: boolean,
  request: EventRequest,
  idempotencyKey: string | null,
): void {
  const wait = svc.faults.get().processingMs;
  if (wait > 0) {
    record.json.status = 'processing';
    // Events of the deferred charge belong to no request.
    svc.later(wait, () => {
      if (record.json.status === 'processing') charge(svc, record, pm, decline, authenticated, NO_REQUEST, idempotencyKey);
    });
    return;
  }
  charge(svc, record, pm, decline, authenticated, request, idempotencyKey);
}

function charge(
  svc: Services,
  record: PaymentIntentRecord,
  pm: PaymentMethodRecord,
  decline: Decline | undefined,
  authenticated: boolean,
  request: EventRequest,
  idempotencyKey: string | null,
): void {
  const pi = record.json;
  const ch = recordCharge(
    svc,
    {
      amount: pi.amount,
      currency: pi.currency,
      created: svc.nowSeconds(),
      description: pi.description,
      receiptEmail: pi.receipt_email,
      metadata: { ...pi.metadata },
      statementDescriptor: pi.statement_descriptor,
      statementDescriptorSuffix: pi.statement_descriptor_suffix,
      transferGroup: null,
      card: {
        brand: pm.json.card.brand,
        country: pm.json.card.country,
        exp_month: pm.json.card.exp_month,
        exp_year: pm.json.card.exp_year,
        fingerprint: pm.json.card.fingerprint,
        funding: pm.json.card.funding,
        last4: pm.json.card.last4,
        cvc_check: pm.json.card.checks.cvc_check,
      },
      paymentMethod: pm.json.id,
      source: null,
      paymentIntent: pi.id,
      billing: structuredClone(pm.json.billing_details),
      decline,
      authenticated,
    },
    idempotencyKey,
    request,
  );
  pi.latest_charge = ch.id;
  if (decline) {
    pi.status = 'requires_payment_method';
    pi.last_payment_error = {
      type: 'card_error',
      code: decline.code,
      decline_code: decline.declineCode,
      ...(ch.outcome.advice_code ? { advice_code: ch.outcome.advice_code } : {}),
      charge: ch.id,
      doc_url: docUrlFor(decline.code),
      message: decline.message,
      ...(decline.param ? { param: decline.param } : {}),
      payment_method: pm.json,
    };
    svc.webhooks.emit('payment_intent.payment_failed', pi, request);
    return;
  }
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  svc.webhooks.emit('payment_intent.succeeded', pi, request);
}
