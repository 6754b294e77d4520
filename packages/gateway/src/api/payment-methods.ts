/**
 * POST /v1/payment_methods (type card: card details, or `card[token]` with a tok_… from
 * /v1/tokens) and GET /v1/payment_methods/:id. Magic test ids (`pm_card_visa`,
 * `pm_card_authenticationRequired` …) resolve to a fresh payment method each time, as in Stripe.
 */
import { MAGIC_PAYMENT_METHODS } from '../cards.js';
import { invalidRequest, missingParam, resourceMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import type { Store } from '../ledger/store.js';
import { type BillingDetails, emptyBillingDetails } from '../objects/charge.js';
import { buildPaymentMethod, type PaymentMethodRecord } from '../objects/payment-method.js';
import { metadataParam, objectParam, onlyKnown, optString, reqString } from '../params.js';
import type { ApiContext, ApiResult } from './context.js';
import { readCard } from './tokens.js';

const KNOWN = new Set([
  'type',
  'card',
  'billing_details',
  'metadata',
  'allow_redisplay',
  'expand',
  'key',
  'payment_user_agent',
  'time_on_page',
  'guid',
  'muid',
  'sid',
  'referrer',
]);
/** What `payment_method_data` (on PaymentIntents) accepts: the same, less the Stripe.js fields. */
export const DATA_KNOWN = new Set(['type', 'card', 'billing_details', 'metadata', 'allow_redisplay', 'payment_user_agent', 'time_on_page', 'guid', 'muid', 'sid', 'referrer']);
const ADDRESS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;

export function billingDetailsParam(p: FormObject, param: string): BillingDetails {
  const b = objectParam(p, 'billing_details');
  const out = emptyBillingDetails();
  if (!b) return out;
  for (const key of Object.keys(b)) {
    if (!['name', 'email', 'phone', 'address'].includes(key)) {
      throw invalidRequest(`Received unknown parameter: ${param}[${key}]`, `${param}[${key}]`, 'parameter_unknown');
    }
  }
  out.name = optString(b, 'name', 5000) || null;
  out.email = optString(b, 'email', 800) || null;
  out.phone = optString(b, 'phone', 20) || null;
  const address = objectParam(b, 'address');
  if (address) {
    for (const key of Object.keys(address)) {
      if (!(ADDRESS as readonly string[]).includes(key)) {
        throw invalidRequest(`Received unknown parameter: ${param}[address][${key}]`, `${param}[address][${key}]`, 'parameter_unknown');
      }
    }
    for (const key of ADDRESS) out.address[key] = optString(address, key, 5000) || null;
  }
  return out;
}

/**
 * A payment method from `type`, `card` and `billing_details` (the body of POST
 * /v1/payment_methods or a PaymentIntent's `payment_method_data`), stored. `param` prefixes the
 * names errors point at. A `card[token]` is used up, as Stripe does.
 */
export function createFromParams(ctx: ApiContext, p: FormObject, param: string): PaymentMethodRecord {
  const name = (field: string) => (param ? `${param}[${field}]` : field);
  const type = optString(p, 'type', 100);
  if (!type) throw missingParam(name('type'));
  if (type !== 'card') throw invalidRequest(`Invalid ${name('type')}: only 'card' payment methods are supported by this gateway.`, name('type'));
  const card = objectParam(p, 'card');
  if (!card) throw missingParam(name('card'));
  const billing = billingDetailsParam(p, name('billing_details'));
  const metadata = metadataParam(p);
  let record: PaymentMethodRecord;
  if (card['token'] !== undefined) {
    if (Object.keys(card).length > 1) {
      throw invalidRequest(`You cannot pass ${name('card[token]')} together with other card details.`, name('card[token]'));
    }
    const tokenId = reqString(card, 'token', 255);
    const token = ctx.store.tokens.get(tokenId);
    if (!token) throw resourceMissing('token', tokenId, name('card[token]'), 400);
    if (token.json.used) {
      throw invalidRequest(`You cannot use a Stripe token more than once: ${tokenId}.`, name('card[token]'), 'token_already_used');
    }
    const c = token.json.card;
    if (!billing.name) billing.name = c.name;
    record = buildPaymentMethod(
      { number: token.number, expMonth: c.exp_month, expYear: c.exp_year, cvc: c.cvc_check !== null, name: c.name },
      billing,
      metadata,
      ctx.nowSeconds,
    );
    token.json.used = true;
  } else {
    record = buildPaymentMethod(readCard(card, ctx.nowSeconds * 1000, name('card')), billing, metadata, ctx.nowSeconds);
  }
  ctx.store.paymentMethods.set(record.json.id, record);
  return record;
}

/** A stored payment method, or a fresh one for a magic test id; null when there is none. */
export function findPaymentMethod(store: Store, id: string, nowSeconds: number): PaymentMethodRecord | null {
  const stored = store.paymentMethods.get(id);
  if (stored) return stored;
  if (!Object.hasOwn(MAGIC_PAYMENT_METHODS, id)) return null;
  const number = MAGIC_PAYMENT_METHODS[id];
  const year = new Date(nowSeconds * 1000).getUTCFullYear() + 3;
  const record = buildPaymentMethod({ number, expMonth: 12, expYear: year, cvc: true, name: null }, emptyBillingDetails(), {}, nowSeconds);
  store.paymentMethods.set(record.json.id, record);
  return record;
}

export function createPaymentMethod(ctx: ApiContext): ApiResult {
  onlyKnown(ctx.params, KNOWN);
  return { status: 200, body: createFromParams(ctx, ctx.params, '').json };
}

export function retrievePaymentMethod(ctx: ApiContext): ApiResult {
  const record = findPaymentMethod(ctx.store, ctx.id ?? '', ctx.nowSeconds);
  if (!record) throw resourceMissing('payment_method', ctx.id ?? '', 'payment_method');
  return { status: 200, body: record.json };
}
