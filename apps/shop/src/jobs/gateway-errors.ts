/**
 * How the charge job reads an error from the Stripe SDK:
 * - card: the card was refused (402). Final; the customer gets a message they can act on.
 * - retry: the attempt failed for a reason that may pass (connection lost, timeout, 5xx, 429,
 *   409 idempotency lock). The engine retries with backoff, same idempotency key.
 * - invalid: our request was refused: any other 4xx (400/404: a used or unknown token, a bad
 *   parameter; 401/403: a wrong or restricted key). Final, never retried: the same request
 *   would be refused again (the job goes dead at once, the sale errors saying nothing was charged).
 */
import Stripe from 'stripe';

export type GatewayFailure = 'card' | 'retry' | 'invalid';

export function classify(err: unknown): GatewayFailure {
  if (err instanceof Stripe.errors.StripeCardError) return 'card';
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode;
    if (err instanceof Stripe.errors.StripeConnectionError || status === undefined) return 'retry';
    if (status === 402) return 'card';
    if (status >= 500 || status === 429 || status === 409) return 'retry';
    return 'invalid';
  }
  // Not from the SDK (a bug, a DNS failure surfaced differently): let the engine retry it.
  return 'retry';
}

const CARD_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined.',
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  fraudulent: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  invalid_cvc: "Your card's security code is invalid.",
  incorrect_number: 'Your card number is incorrect.',
  invalid_number: 'Your card number is invalid.',
  invalid_expiry_month: "Your card's expiration month is invalid.",
  invalid_expiry_year: "Your card's expiration year is invalid.",
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  card_velocity_exceeded: 'Your card was declined: you have exceeded its limit. Try another card.',
  do_not_honor: 'Your card was declined.',
  payment_intent_authentication_failure: 'Your card could not be authenticated, and it was not charged. Try again, or use another card.',
  authentication_required: 'Your card needs authentication, which did not complete. Try again, or use another card.',
};

/** A challenge nobody answered within the window: the PaymentIntent was canceled. */
export const ABANDONED_MESSAGE = 'The card authentication was not completed in time, and your card was not charged. Please try again.';

/** A customer-facing message for a card error, and the code we store. Never echoes card data. */
export function cardMessage(err: { code?: string; decline_code?: string; message?: string }): { message: string; code: string } {
  const code = err.decline_code && err.decline_code in CARD_MESSAGES ? err.decline_code : (err.code ?? 'card_declined');
  const known = CARD_MESSAGES[code] ?? CARD_MESSAGES[err.code ?? ''];
  return { message: known ?? 'Your card was declined.', code };
}
