/** The Stripe.js stand-in served at GET /v3 (src/browser/stripe-shim.js, read once at start). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function shimScript(): string {
  cached ??= readFileSync(new URL('../browser/stripe-shim.js', import.meta.url), 'utf8');
  return cached;
}
