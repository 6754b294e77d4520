/**
 * Stripe's magic test tokens (docs.stripe.com/testing: tok_visa, tok_mastercard,
 * tok_chargeDeclined, …) stand for a test card and may be used any number of times; every other
 * token (what Stripe.js makes from a card) is single-use, so a second sale with it could never be
 * charged and is refused at POST /buy.
 */
const MAGIC = /^tok_(visa|visa_debit|mastercard|mastercard_debit|amex|discover|diners|jcb|unionpay|charge[A-Z][A-Za-z]{0,60})$/;

export function isSingleUseToken(token: string): boolean {
  return !MAGIC.test(token);
}
