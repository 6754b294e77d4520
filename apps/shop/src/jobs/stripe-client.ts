/**
 * The official Stripe SDK, pointed at Stripe or at the local gateway (host/port/protocol).
 * maxNetworkRetries is 0: the engine retries the job, with the same idempotency key every
 * attempt. The request timeout is shorter than the job's timeout, so the handler sees a
 * timeout as a connection error and can decide, instead of being aborted mid-thought.
 */
import Stripe from 'stripe';

export interface StripeClientOptions {
  secretKey: string;
  /** https://api.stripe.com or http://127.0.0.1:12111 */
  apiBase: string;
  timeoutMs: number;
}

export function createStripeClient(o: StripeClientOptions): Stripe {
  const u = new URL(o.apiBase);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(o.secretKey, {
    host: u.hostname,
    port: u.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 0,
    timeout: o.timeoutMs,
    telemetry: false,
    appInfo: { name: 'errand-shop', version: '0.1.0' },
  });
}

export type { Stripe };
