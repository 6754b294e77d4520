/**
 * Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<payload>" keyed with the endpoint's signing secret>` — what stripe.webhooks.constructEvent checks.
 */
import { createHmac, randomBytes } from 'node:crypto';

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** A fresh signing secret in Stripe's format. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
