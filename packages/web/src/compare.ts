import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality for secrets (tokens, MACs, passwords, bearer keys). Both sides are
 * hashed (SHA-256) first, so the comparison always runs over 32 bytes: it leaks neither where
 * the inputs first differ nor the expected secret's length, and unequal lengths are simply
 * unequal (timingSafeEqual alone throws on them, and the usual `a.length === b.length &&`
 * guard answers early). Strings are compared as UTF-8.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(v: string | Uint8Array): Buffer {
  return typeof v === 'string' ? createHash('sha256').update(v, 'utf8').digest() : createHash('sha256').update(v).digest();
}
