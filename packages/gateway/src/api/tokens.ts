/** POST /v1/tokens and GET /v1/tokens/:id. Card problems are caught here, as Stripe does. */
import { createHash } from 'node:crypto';
import { brandOf, fundingFor, luhnValid } from '../cards.js';
import { cardError, invalidRequest, missingParam, resourceMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import { randomId } from '../ids.js';
import type { CardObject, TokenRecord } from '../ledger/store.js';
import { objectParam, onlyKnown } from '../params.js';
import type { ApiContext, ApiResult } from './context.js';

const KNOWN = new Set(['card', 'expand', 'key', 'payment_user_agent', 'time_on_page', 'guid', 'muid', 'sid', 'referrer']);
const CARD_FIELDS = new Set(['number', 'exp_month', 'exp_year', 'cvc', 'name', 'address_zip', 'address_line1', 'address_country', 'currency']);

function cardField(card: FormObject, name: string): string | undefined {
  const v = card[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`Invalid string: card[${name}]`, `card[${name}]`, 'parameter_invalid_string');
  return v.trim();
}

export function fingerprintOf(number: string): string {
  return createHash('sha256').update(`errand-gateway:${number}`).digest('base64url').slice(0, 16);
}

/** Validates card details; returns the normalised number, expiry and whether a CVC was given. */
function readCard(card: FormObject, nowMs: number): { number: string; expMonth: number; expYear: number; cvc: boolean; name: string | null } {
  for (const key in card) if (!CARD_FIELDS.has(key)) throw invalidRequest(`Received unknown parameter: card[${key}]`, `card[${key}]`, 'parameter_unknown');
  const rawNumber = cardField(card, 'number');
  if (!rawNumber) throw missingParam('card[number]');
  const number = rawNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) {
    throw cardError({ code: 'invalid_number', message: 'The card number is not a valid credit card number.', param: 'number' });
  }
  if (!luhnValid(number)) throw cardError({ code: 'incorrect_number', message: 'Your card number is incorrect.', param: 'number' });

  const month = cardField(card, 'exp_month');
  if (!month) throw missingParam('card[exp_month]');
  const expMonth = /^\d{1,2}$/.test(month) ? Number(month) : Number.NaN;
  if (!(expMonth >= 1 && expMonth <= 12)) {
    throw cardError({ code: 'invalid_expiry_month', message: "Your card's expiration month is invalid.", param: 'exp_month' });
  }
  const year = cardField(card, 'exp_year');
  if (!year) throw missingParam('card[exp_year]');
  let expYear = /^\d{2}$|^\d{4}$/.test(year) ? Number(year) : Number.NaN;
  if (expYear < 100) expYear += 2000;
  const now = new Date(nowMs);
  const thisYear = now.getUTCFullYear();
  if (!(expYear >= thisYear && expYear <= thisYear + 50)) {
    throw cardError({ code: 'invalid_expiry_year', message: "Your card's expiration year is invalid.", param: 'exp_year' });
  }
  if (expYear === thisYear && expMonth < now.getUTCMonth() + 1) {
    throw cardError({ code: 'invalid_expiry_month', message: "Your card's expiration month is invalid.", param: 'exp_month' });
  }
  const cvc = cardField(card, 'cvc');
  const cvcLength = brandOf(number) === 'American Express' ? 4 : 3;
  if (cvc !== undefined && cvc !== '' && !new RegExp(`^\\d{${cvcLength}}$`).test(cvc)) {
    throw cardError({ code: 'invalid_cvc', message: "Your card's security code is invalid.", param: 'cvc' });
  }
  return { number, expMonth, expYear, cvc: Boolean(cvc), name: cardField(card, 'name') || null };
}

export function cardObject(number: string, expMonth: number, expYear: number, cvc: boolean, name: string | null): CardObject {
  return {
    id: randomId('card_'),
    object: 'card',
    brand: brandOf(number),
    country: 'US',
    cvc_check: cvc ? 'unchecked' : null,
    exp_month: expMonth,
    exp_year: expYear,
    fingerprint: fingerprintOf(number),
    funding: fundingFor(number),
    last4: number.slice(-4),
    metadata: {},
    name,
    tokenization_method: null,
  };
}

export function createToken(ctx: ApiContext): ApiResult {
  onlyKnown(ctx.params, KNOWN);
  const card = objectParam(ctx.params, 'card');
  if (!card) throw missingParam('card');
  const c = readCard(card, ctx.nowSeconds * 1000);
  const record: TokenRecord = {
    number: c.number,
    json: {
      id: randomId('tok_'),
      object: 'token',
      card: cardObject(c.number, c.expMonth, c.expYear, c.cvc, c.name),
      client_ip: ctx.clientIp,
      created: ctx.nowSeconds,
      livemode: false,
      type: 'card',
      used: false,
    },
  };
  ctx.store.tokens.set(record.json.id, record);
  return { status: 200, body: record.json };
}

export function retrieveToken(ctx: ApiContext): ApiResult {
  const token = ctx.store.tokens.get(ctx.id ?? '');
  if (!token) throw resourceMissing('token', ctx.id ?? '', 'token');
  return { status: 200, body: token.json };
}
