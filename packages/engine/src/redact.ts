/**
 * Secrets that must not be kept or shown, whatever text they turn up in (a gateway's error
 * message, a stack): Stripe-style card tokens and payment methods, PaymentIntent/SetupIntent
 * client secrets, secret and restricted keys, webhook signing secrets. Applied to every failed
 * attempt's message and stack before it is stored (errand_jobs.errors); the console and the shop's
 * logs apply it too. The prefix stays, so the text still says what kind of value was there.
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g, '$1_[redacted]_secret_[redacted]'],
  [/\b(sk|rk)_(test|live)_[A-Za-z0-9]+/g, '$1_$2_[redacted]'],
  [/\b(tok|pm|whsec)_[A-Za-z0-9]+/g, '$1_[redacted]'],
];

export function redactSecrets(text: string): string;
export function redactSecrets(text: string | null): string | null;
export function redactSecrets(text: string | null): string | null {
  if (text === null || !text.includes('_')) return text;
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
