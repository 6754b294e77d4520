/**
 * PaymentIntents: POST /v1/payment_intents, GET /v1/payment_intents/:id, POST …/:id/confirm,
 * POST …/:id/cancel, GET /v1/payment_intents (list) and GET /v1/payment_intents/search.
 * Retrieve and confirm also take a publishable key with the PaymentIntent's client_secret, as
 * Stripe.js calls them. What confirmation does is in ledger/payment-intent.ts.
 */
import { aboutPaymentIntent, cardError, invalidRequest, resourceMissing, unexpectedState } from '../errors.js';
import type { FormObject } from '../form.js';
import { confirmWith } from '../ledger/payment-intent.js';
import type { PaymentIntentRecord } from '../ledger/store.js';
import { buildPaymentIntent, type PaymentIntentObject } from '../objects/payment-intent.js';
import type { PaymentMethodRecord } from '../objects/payment-method.js';
import { metadataParam, objectParam, onlyKnown, optBoolean, optString, reqString } from '../params.js';
import { amountAndCurrency, receiptEmailParam } from './charges.js';
import type { ApiContext, ApiResult } from './context.js';
import { listPage, searchPage } from './paging.js';
import { createFromParams, DATA_KNOWN, findPaymentMethod } from './payment-methods.js';

const CONFIRM_KNOWN = ['payment_method', 'payment_method_data', 'return_url', 'receipt_email', 'use_stripe_sdk', 'expand', 'payment_method_options', 'error_on_requires_action'];
const CREATE_KNOWN = new Set([
  ...CONFIRM_KNOWN,
  'amount',
  'currency',
  'confirm',
  'metadata',
  'description',
  'capture_method',
  'confirmation_method',
  'payment_method_types',
  'automatic_payment_methods',
  'statement_descriptor',
  'statement_descriptor_suffix',
]);
const CONFIRM_PARAMS = new Set([...CONFIRM_KNOWN, 'client_secret', 'key', 'payment_user_agent']);
const CANCEL_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']);
const CONFIRMABLE = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

function findIntent(ctx: ApiContext): PaymentIntentRecord {
  const record = ctx.store.paymentIntents.get(ctx.id ?? '');
  if (!record) throw resourceMissing('payment_intent', ctx.id ?? '', 'intent');
  if (ctx.publishable) {
    // Stripe.js: a publishable key reaches a PaymentIntent only with its client secret.
    const secret = optString(ctx.params, 'client_secret', 500);
    if (!secret) throw invalidRequest('Missing required param: client_secret.', 'client_secret', 'parameter_missing');
    if (secret !== record.json.client_secret) {
      throw invalidRequest('The client_secret provided does not match the client_secret associated with the PaymentIntent.', 'client_secret');
    }
  }
  return record;
}

function returnUrlParam(p: FormObject): string | null {
  const value = optString(p, 'return_url', 2048);
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest('Not a valid URL', 'return_url', 'url_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest('Not a valid URL', 'return_url', 'url_invalid');
  return url.href;
}

/** The payment method named by `payment_method` or made from `payment_method_data`, if either is given. */
function paymentMethodParam(ctx: ApiContext, p: FormObject): PaymentMethodRecord | null {
  const id = optString(p, 'payment_method', 255);
  const data = objectParam(p, 'payment_method_data');
  if (id && data) throw invalidRequest('You may only specify one of these parameters: payment_method, payment_method_data.', 'payment_method_data');
  if (data) {
    for (const key of Object.keys(data)) {
      if (!DATA_KNOWN.has(key)) throw invalidRequest(`Received unknown parameter: payment_method_data[${key}]`, `payment_method_data[${key}]`, 'parameter_unknown');
    }
    return createFromParams(ctx, data, 'payment_method_data');
  }
  if (!id) return null;
  const record = findPaymentMethod(ctx.store, id, ctx.nowSeconds);
  if (!record) throw resourceMissing('PaymentMethod', id, 'payment_method', 400);
  return record;
}

/** The confirmation's outcome as the API answers it: the PaymentIntent, or a 402 for a decline. */
function confirmed(ctx: ApiContext, record: PaymentIntentRecord, pm: PaymentMethodRecord, returnUrl: string | null, stripeSdk: boolean): ApiResult {
  confirmWith(ctx.svc, record, pm, {
    baseUrl: ctx.baseUrl,
    returnUrl: stripeSdk ? null : returnUrl,
    request: ctx.request,
    idempotencyKey: ctx.idempotencyKey ?? record.idempotencyKey,
  });
  const pi = record.json;
  const error = pi.last_payment_error;
  if (pi.status === 'requires_payment_method' && error?.type === 'card_error') {
    const err = cardError({ message: error.message, code: error.code, declineCode: error.decline_code, param: error.param, charge: error.charge });
    throw aboutPaymentIntent(err, pi, pm.json, true);
  }
  return { status: 200, body: pi };
}

function readConfirmParams(ctx: ApiContext, p: FormObject) {
  const pm = paymentMethodParam(ctx, p);
  const returnUrl = returnUrlParam(p);
  const stripeSdk = optBoolean(p, 'use_stripe_sdk') === true;
  const receiptEmail = p['receipt_email'] === undefined ? undefined : receiptEmailParam(p);
  optBoolean(p, 'error_on_requires_action');
  objectParam(p, 'payment_method_options');
  return { pm, returnUrl, stripeSdk, receiptEmail };
}

export function createPaymentIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, CREATE_KNOWN);
  const { amount, currency } = amountAndCurrency(p);
  const confirm = optBoolean(p, 'confirm') === true;
  const captureMethod = optString(p, 'capture_method', 100) ?? 'automatic';
  if (captureMethod !== 'automatic' && captureMethod !== 'automatic_async') {
    throw invalidRequest(`capture_method=${captureMethod} is not supported by this gateway (only automatic and automatic_async).`, 'capture_method');
  }
  const confirmationMethod = optString(p, 'confirmation_method', 100);
  if (confirmationMethod !== undefined && confirmationMethod !== 'automatic') {
    throw invalidRequest('Only confirmation_method=automatic is supported by this gateway.', 'confirmation_method');
  }
  const types = p['payment_method_types'];
  if (types !== undefined && !(Array.isArray(types) && types.length === 1 && types[0] === 'card')) {
    throw invalidRequest("Only payment_method_types[]=card is supported by this gateway.", 'payment_method_types');
  }
  objectParam(p, 'automatic_payment_methods');
  if (!confirm && p['return_url'] !== undefined) {
    throw invalidRequest('The parameter return_url cannot be passed when creating a PaymentIntent unless confirm is set to true.', 'return_url');
  }
  const description = optString(p, 'description', 1000) ?? null;
  const metadata = metadataParam(p);
  const statementDescriptor = optString(p, 'statement_descriptor', 22) ?? null;
  const statementDescriptorSuffix = optString(p, 'statement_descriptor_suffix', 22) ?? null;
  const receiptEmail = receiptEmailParam(p);
  // Reading the payment method may use up a token: everything else is checked first.
  const c = readConfirmParams(ctx, p);
  if (confirm && !c.pm) {
    throw invalidRequest('You cannot confirm this PaymentIntent because it\u2019s missing a payment method. Pass payment_method or payment_method_data.', 'payment_method', 'payment_intent_unexpected_state');
  }

  const pi = buildPaymentIntent({
    amount,
    currency,
    created: ctx.nowSeconds,
    captureMethod,
    description,
    metadata,
    receiptEmail,
    statementDescriptor,
    statementDescriptorSuffix,
  });
  const record = ctx.store.addPaymentIntent(pi, ctx.idempotencyKey);
  if (c.pm) {
    pi.payment_method = c.pm.json.id;
    pi.status = 'requires_confirmation';
  }
  if (confirm && c.pm) return confirmed(ctx, record, c.pm, c.returnUrl, c.stripeSdk);
  return { status: 200, body: pi };
}

export function retrievePaymentIntent(ctx: ApiContext): ApiResult {
  onlyKnown(ctx.params, new Set(['expand', 'client_secret', 'key']));
  return { status: 200, body: findIntent(ctx).json };
}

export function confirmPaymentIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, CONFIRM_PARAMS);
  const record = findIntent(ctx);
  const pi = record.json;
  if (!CONFIRMABLE.has(pi.status)) {
    const message =
      pi.status === 'succeeded'
        ? 'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.'
        : `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_payment_method, requires_confirmation, requires_action.`;
    throw unexpectedState(message, pi);
  }
  const c = readConfirmParams(ctx, p);
  const pm = c.pm ?? (pi.payment_method ? ctx.store.paymentMethods.get(pi.payment_method) : undefined);
  if (!pm) {
    throw unexpectedState(
      'You cannot confirm this PaymentIntent because it\u2019s missing a payment method. To confirm the PaymentIntent, specify a payment method with payment_method or payment_method_data.',
      pi,
    );
  }
  if (c.receiptEmail !== undefined) pi.receipt_email = c.receiptEmail;
  return confirmed(ctx, record, pm, c.returnUrl, c.stripeSdk);
}

export function cancelPaymentIntent(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, new Set(['cancellation_reason', 'expand']));
  const reason = optString(p, 'cancellation_reason', 100) ?? null;
  if (reason !== null && !CANCEL_REASONS.has(reason)) {
    throw invalidRequest(`Invalid cancellation_reason: must be one of ${[...CANCEL_REASONS].join(', ')}`, 'cancellation_reason');
  }
  const record = findIntent(ctx);
  const pi = record.json;
  if (pi.status === 'succeeded' || pi.status === 'canceled') {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
      pi,
    );
  }
  if (record.challenge) ctx.store.challenges.delete(record.challenge.id);
  record.challenge = null;
  pi.status = 'canceled';
  pi.canceled_at = ctx.nowSeconds;
  pi.cancellation_reason = reason;
  pi.next_action = null;
  ctx.svc.webhooks.emit('payment_intent.canceled', pi, ctx.request);
  return { status: 200, body: pi };
}

export function listPaymentIntents(ctx: ApiContext): ApiResult {
  onlyKnown(ctx.params, new Set(['limit', 'starting_after', 'ending_before', 'expand']));
  const body = listPage<PaymentIntentObject>(ctx.params, ctx.store.paymentIntentOrder, (id) => ctx.store.paymentIntents.get(id), 'payment_intent');
  return { status: 200, body: { ...body, url: '/v1/payment_intents' } };
}

export function searchPaymentIntents(ctx: ApiContext): ApiResult {
  onlyKnown(ctx.params, new Set(['query', 'limit', 'page', 'expand']));
  const query = reqString(ctx.params, 'query', 10_000);
  const body = searchPage<PaymentIntentObject>(ctx.params, query, ctx.store.paymentIntentOrder, (id) => ctx.store.paymentIntents.get(id));
  return { status: 200, body: { ...body, url: '/v1/payment_intents/search' } };
}

