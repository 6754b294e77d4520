/** POST /v1/tokens and GET /v1/tokens/:id. Card problems are caught here, as Stripe does. */
import { brandOf, luhnValid } from '../cards.js';
import { cardError, invalidRequest, missingParam, resourceMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import { randomId } from '../ids.js';
import type { TokenRecord } from '../ledger/store.js';
import { type CardInput, cardObject } from '../objects/card.js';
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

/** Validates card details; returns the normalised number, expiry and whether a CVC was given. */
export function readCard(card: FormObject, nowMs: number, param = 'card'): CardInput {
  for (const key in card) if (!CARD_FIELDS.has(key)) throw invalidRequest(`Received unknown parameter: ${param}[${key}]`, `${param}[${key}]`, 'parameter_unknown');
  const rawNumber = cardField(card, 'number');
  if (!rawNumber) throw missingParam(`${param}[number]`);
  const number = rawNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) {
    throw cardError({ code: 'invalid_number', message: 'The card number is not a valid credit card number.', param: 'number' });
  }
  if (!luhnValid(number)) throw cardError({ code: 'incorrect_number', message: 'Your card number is incorrect.', param: 'number' });

  const month = cardField(card, 'exp_month');
  if (!month) throw missingParam(`${param}[exp_month]`);
  const expMonth = /^\d{1,2}$/.test(month) ? Number(month) : Number.NaN;
  if (!(expMonth >= 1 && expMonth <= 12)) {
    throw cardError({ code: 'invalid_expiry_month', message: "Your card's expiration month is invalid.", param: 'exp_month' });
  }
  const year = cardField(card, 'exp_year');
  if (!year) throw missingParam(`${param}[exp_year]`);
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
  return {
    number,
    expMonth,
    expYear,
    cvc: Boolean(cvc),
    name: cardField(card, 'name') || null,
    zip: cardField(card, 'address_zip') || null,
    line1: cardField(card, 'address_line1') || null,
    country: cardField(card, 'address_country') || null,
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
      card: cardObject(c),
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
