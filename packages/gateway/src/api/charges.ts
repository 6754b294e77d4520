/** POST /v1/charges, GET /v1/charges/:id, GET /v1/charges, GET /v1/charges/search. */
import { declineFor, MAGIC_TOKENS } from '../cards.js';
import { isCurrency, MAX_AMOUNT, minimumAmount, supportedCurrencies } from '../currencies.js';
import { cardError, invalidRequest, resourceMissing } from '../errors.js';
import { randomId } from '../ids.js';
import { recordCharge } from '../ledger/charge.js';
import { type CardObject, cardObject } from '../objects/card.js';
import { emptyBillingDetails } from '../objects/charge.js';
import { metadataParam, onlyKnown, optBoolean, optString, reqPositiveInt, reqString } from '../params.js';
import { listPage, searchPage } from './paging.js';
import type { ApiContext, ApiResult } from './context.js';

const KNOWN = new Set([
  'amount',
  'currency',
  'source',
  'description',
  'metadata',
  'receipt_email',
  'capture',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
  'expand',
]);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The card behind a source: a token made by POST /v1/tokens (single use) or a magic test token. */
function resolveSource(ctx: ApiContext, source: string): { number: string; card: CardObject } {
  const magic = MAGIC_TOKENS[source];
  if (magic !== undefined && Object.hasOwn(MAGIC_TOKENS, source)) {
    const year = new Date(ctx.nowSeconds * 1000).getUTCFullYear() + 3;
    return { number: magic, card: cardObject({ number: magic, expMonth: 12, expYear: year, cvc: true, name: null }) };
  }
  if (!source.startsWith('tok_')) throw resourceMissing('source', source, 'source', 400);
  const token = ctx.store.tokens.get(source);
  if (!token) throw resourceMissing('token', source, 'source', 400);
  if (token.json.used) {
    throw invalidRequest(`You cannot use a Stripe token more than once: ${source}.`, 'source', 'token_already_used');
  }
  token.json.used = true;
  return { number: token.number, card: { ...token.json.card, id: randomId('card_') } };
}

/** `amount` and `currency` as Stripe checks them on charges and PaymentIntents. */
export function amountAndCurrency(p: ApiContext['params']): { amount: number; currency: string } {
  const amount = reqPositiveInt(p, 'amount');
  const currency = reqString(p, 'currency').toLowerCase();
  if (!isCurrency(currency)) {
    throw invalidRequest(
      `Invalid currency: ${currency}. This gateway supports these currencies: ${supportedCurrencies().join(', ')}`,
      'currency',
    );
  }
  const minimum = minimumAmount(currency);
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${minimum} (in the smallest unit of ${currency}).`, 'amount', 'amount_too_small');
  }
  if (amount > MAX_AMOUNT) throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT}.`, 'amount', 'amount_too_large');
  return { amount, currency };
}

/** `receipt_email`, checked as Stripe does. */
export function receiptEmailParam(p: ApiContext['params']): string | null {
  const receiptEmail = optString(p, 'receipt_email', 800) || null;
  if (receiptEmail !== null && !EMAIL.test(receiptEmail)) {
    throw invalidRequest(`Invalid email address: ${receiptEmail}`, 'receipt_email', 'email_invalid');
  }
  return receiptEmail;
}

export function createCharge(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, KNOWN);
  const { amount, currency } = amountAndCurrency(p);
  const sourceParam = p['source'];
  if (sourceParam !== undefined && typeof sourceParam !== 'string') {
    throw invalidRequest('Invalid source: pass a token id (tok_…); raw card details are not accepted.', 'source');
  }
  const source = reqString(p, 'source', 255);
  const description = optString(p, 'description', 1000) ?? null;
  const receiptEmail = receiptEmailParam(p);
  if (optBoolean(p, 'capture') === false) {
    throw invalidRequest('Uncaptured charges (capture=false) are not supported by this gateway.', 'capture');
  }
  const statementDescriptor = optString(p, 'statement_descriptor', 22) ?? null;
  const statementDescriptorSuffix = optString(p, 'statement_descriptor_suffix', 22) ?? null;
  const transferGroup = optString(p, 'transfer_group', 500) ?? null;
  const metadata = metadataParam(p);

  // Everything past this point is execution: the charge is recorded whatever the outcome.
  const { number, card } = resolveSource(ctx, source);
  const decline = declineFor(number);
  const charge = recordCharge(
    ctx.svc,
    {
      amount,
      currency,
      created: ctx.nowSeconds,
      description,
      receiptEmail,
      metadata,
      statementDescriptor,
      statementDescriptorSuffix,
      transferGroup,
      card,
      paymentMethod: card.id,
      source: card,
      paymentIntent: null,
      billing: emptyBillingDetails(card.name),
      decline,
      authenticated: false,
    },
    ctx.idempotencyKey,
    ctx.request,
  );
  const id = charge.id;
  if (decline) {
    throw cardError({
      message: decline.message,
      code: decline.code,
      declineCode: decline.declineCode,
      param: decline.param,
      charge: id,
    });
  }
  return { status: 200, body: charge };
}

export function retrieveCharge(ctx: ApiContext): ApiResult {
  const record = ctx.store.charges.get(ctx.id ?? '');
  if (!record) throw resourceMissing('charge', ctx.id ?? '', 'id');
  return { status: 200, body: record.json };
}

export function listCharges(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, new Set(['limit', 'starting_after', 'ending_before', 'expand']));
  const page = listPage(p, ctx.store.chargeOrder, (id) => ctx.store.charges.get(id), 'charge');
  return { status: 200, body: { ...page, url: '/v1/charges' } };
}

export function searchCharges(ctx: ApiContext): ApiResult {
  const p = ctx.params;
  onlyKnown(p, new Set(['query', 'limit', 'page', 'expand']));
  const page = searchPage(p, reqString(p, 'query', 10_000), ctx.store.chargeOrder, (id) => ctx.store.charges.get(id));
  return { status: 200, body: { ...page, url: '/v1/charges/search' } };
}
