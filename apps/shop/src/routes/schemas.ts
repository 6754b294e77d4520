/**
 * The input schemas (JSON Schema, checked by Fastify before a handler runs) and the messages a
 * client sees when one fails: each says which field is wrong and how.
 */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

/**
 * WHATWG's "valid email address" (what `<input type=email>` accepts: ASCII letters, digits and
 * .!#$%&'*+/=?^_`{|}~- before the @, dot-separated labels of letters, digits and hyphens after),
 * plus a dot in the domain, as the gateway wants for receipt_email, so a sale we accept can be
 * charged. No control, bidi, quote or angle-bracket character gets through.
 */
export const EMAIL_PATTERN = "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$";

/** C0 and C1 controls and DEL (a NUL among them). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidi overrides, embeddings, isolates and marks, and zero-width characters: text that shows other than it reads. */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/** Why this email is refused before its shape is checked (a reason naming the character), or null. */
export function emailCharacterProblem(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const control = CONTROL.exec(email);
  if (control) return `email contains a control character (U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}): type the address again`;
  const invisible = INVISIBLE.exec(email);
  if (invisible) return `email contains an invisible or text-direction character (U+${invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}): type the address again`;
  return null;
}
export const TOKEN_PATTERN = '^tok_[A-Za-z0-9_]{1,250}$';
export const PAYMENT_METHOD_PATTERN = '^pm_[A-Za-z0-9_]{1,250}$';
export const FORM_KEY_PATTERN = '^[A-Za-z0-9_-]{16,128}$';
export const PERMALINK = /^[a-z0-9][a-z0-9-]{0,99}$/;

export const buyBodySchema = {
  type: 'object',
  // paymentMethod (pm_…, what the page sends) or stripeToken (tok_…, the seed's form): one of
  // them, checked by the route (paymentSourceProblem) so that its message names both.
  required: ['email'],
  properties: {
    paymentMethod: { type: 'string', pattern: PAYMENT_METHOD_PATTERN },
    stripeToken: { type: 'string', pattern: TOKEN_PATTERN },
    email: { type: 'string', minLength: 3, maxLength: 254, pattern: EMAIL_PATTERN },
    formKey: { type: 'string', pattern: FORM_KEY_PATTERN },
    _csrf: { type: 'string', maxLength: 100 },
  },
} as const;

const FIELD_MESSAGES: Record<string, { missing: string; invalid: string }> = {
  stripeToken: {
    missing: 'stripeToken is missing: send the card token from Stripe.js (tok_…)',
    invalid: 'stripeToken is malformed: expected a card token from Stripe.js (tok_…); card numbers are never accepted',
  },
  paymentMethod: {
    missing: 'paymentMethod is missing: send the PaymentMethod from Stripe.js (pm_…), or a card token as stripeToken (tok_…)',
    invalid: 'paymentMethod is malformed: expected a PaymentMethod id from Stripe.js (pm_…); card numbers are never accepted',
  },
  email: { missing: 'email is missing', invalid: 'email is not a valid email address' },
  formKey: { missing: 'formKey is missing', invalid: 'formKey is malformed: expected 16 to 128 letters, digits, - or _' },
  _csrf: { missing: '_csrf is missing', invalid: '_csrf is malformed' },
};

export function validationMessage(errors: FastifySchemaValidationError[]): string {
  const e = errors[0];
  if (!e) return 'invalid request';
  if (e.keyword === 'required') {
    const field = String((e.params as { missingProperty?: string }).missingProperty ?? '');
    return FIELD_MESSAGES[field]?.missing ?? `${field} is missing`;
  }
  const field = e.instancePath.replace(/^\//, '').split('/')[0];
  if (!field) return 'the body must be an object with the fields paymentMethod (or stripeToken) and email (JSON or form-encoded)';
  return FIELD_MESSAGES[field]?.invalid ?? `${field} is invalid`;
}

/** Exactly one payment source: null when the body has one, else the message for the 400. */
export function paymentSourceProblem(body: { paymentMethod?: string; stripeToken?: string }): string | null {
  if (body.paymentMethod !== undefined && body.stripeToken !== undefined) return 'send either paymentMethod or stripeToken, not both';
  if (body.paymentMethod === undefined && body.stripeToken === undefined) return FIELD_MESSAGES.paymentMethod.missing;
  return null;
}
