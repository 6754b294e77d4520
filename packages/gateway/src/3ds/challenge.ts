/**
 * 3-D Secure challenges: a PaymentIntent confirmed with a card that needs authentication gets a
 * challenge and `next_action`. The customer answers it on the gateway's page (src/3ds/page.ts),
 * in Stripe.js's modal frame (`use_stripe_sdk`) or after a redirect (`redirect_to_url`, when the
 * confirmation named a `return_url`); tests answer it through POST /_control/3ds/:pi/complete|fail.
 */
import { randomId } from '../ids.js';
import type { PaymentIntentRecord, Store } from '../ledger/store.js';
import type { NextAction } from '../objects/payment-intent.js';

/** The challenge page's path for a challenge id. */
export function challengePath(id: string): string {
  return `/3ds/${id}`;
}

/** Opens a challenge on a PaymentIntent (replacing any earlier one) and returns its next_action. */
export function openChallenge(store: Store, record: PaymentIntentRecord, baseUrl: string, returnUrl: string | null): NextAction {
  if (record.challenge) store.challenges.delete(record.challenge.id);
  const id = randomId('3ds_');
  record.challenge = { id, returnUrl };
  store.challenges.set(id, record.json.id);
  const url = `${baseUrl}${challengePath(id)}`;
  if (returnUrl !== null) return { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url } };
  return { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: id } };
}

export function closeChallenge(store: Store, record: PaymentIntentRecord): void {
  if (record.challenge) store.challenges.delete(record.challenge.id);
  record.challenge = null;
}

/** Where the redirect flow sends the customer back to, with Stripe's query parameters. */
export function returnLocation(returnUrl: string, record: PaymentIntentRecord): string {
  const url = new URL(returnUrl);
  url.searchParams.set('payment_intent', record.json.id);
  url.searchParams.set('payment_intent_client_secret', record.json.client_secret);
  url.searchParams.set('redirect_status', record.json.status === 'succeeded' || record.json.status === 'processing' ? 'succeeded' : 'failed');
  return url.href;
}
