/** Stripe-style object ids: a prefix and 24 random alphanumeric characters. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const POOL_SIZE = 8192;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

export function randomId(prefix: string, length = 24): string {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let out = prefix;
  for (let i = 0; i < length; i++) out += ALPHABET[pool[offset++] % 62];
  return out;
}
