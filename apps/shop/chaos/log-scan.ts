/**
 * Secrets that must never reach a log: card numbers, card tokens, API keys.
 *
 * - card number: 13 to 19 digits (plain, or in groups of four separated by spaces or dashes)
 *   that pass the Luhn check. Millisecond timestamps (13 digits, within ten years of now — pino's
 *   "time" and the like) are not card numbers and are skipped; every card number the run used is
 *   also searched for literally. The start-up banner's public test cards are allowed (see BANNER).
 * - card token: `tok_` followed by its id (Stripe's and the local gateway's token ids).
 * - API key: `sk_test_…`, `sk_live_…`, `rk_test_…`, `rk_live_…`.
 * - secret: a PaymentIntent's client secret (`pi_…_secret_…`, which lets Stripe.js confirm it) or
 *   a webhook signing secret (`whsec_…`).
 */
import { readFileSync } from 'node:fs';
import { luhnValid } from '@errand/gateway';

export interface Leak {
  file: string;
  line: number;
  kind: 'card' | 'token' | 'key' | 'secret';
  /** The match, masked (first 4 and last 2 characters) so the report does not leak it either. */
  masked: string;
}

export interface ScanResult {
  files: number;
  bytes: number;
  lines: number;
  leaks: Leak[];
}

function looksLikeTimestamp(digits: string): boolean {
  if (digits.length !== 13) return false;
  const n = Number(digits);
  const tenYears = 10 * 365 * 24 * 3600_000;
  return Math.abs(n - Date.now()) < tenYears;
}

const mask = (s: string) => (s.length <= 8 ? '*'.repeat(s.length) : `${s.slice(0, 4)}…${s.slice(-2)}`);

// Not inside a word, nor after a '.': the fraction digits of a duration ("responseTime":11.263605000000098) are not a card.
const CARD_PLAIN = /(?<![0-9A-Za-z.])[0-9]{13,19}(?![0-9A-Za-z])/g;
// Not inside a word: "e30fa886-9050-4288-8641-6877d9694b1f" (a sale's guid) is not a card.
const CARD_GROUPED = /(?<![0-9A-Za-z.-])[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7}(?![0-9A-Za-z-])/g;
/**
 * `npm start` prints Stripe's public test cards in its start-up banner ("Test card: 4242 4242 4242
 * 4242"), for the developer to type in. Those are documentation, not a customer's card: skipped.
 */
const BANNER = /^\s*(Test|Decline) card:\s+[0-9 ]+(,[^0-9]*)?$/;
const TOKEN = /tok_[A-Za-z0-9]{6,}/g;
const KEY = /\b[sr]k_(?:test|live)_[A-Za-z0-9_]+/g;
const SECRET = /_secret_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9]{6,}/g;

/** Leaks in one text (a log line or a whole file). */
export function scanText(text: string, file: string, knownCards: string[] = []): Leak[] {
  const leaks: Leak[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (BANNER.test(line)) return;
    const at = { file, line: i + 1 };
    for (const m of line.matchAll(CARD_PLAIN)) {
      if (luhnValid(m[0]) && !looksLikeTimestamp(m[0])) leaks.push({ ...at, kind: 'card', masked: mask(m[0]) });
    }
    for (const m of line.matchAll(CARD_GROUPED)) {
      const digits = m[0].replace(/[ -]/g, '');
      if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) leaks.push({ ...at, kind: 'card', masked: mask(digits) });
    }
    for (const card of knownCards) {
      if (line.includes(card) && !leaks.some((l) => l.line === i + 1 && l.kind === 'card')) leaks.push({ ...at, kind: 'card', masked: mask(card) });
    }
    for (const m of line.matchAll(TOKEN)) leaks.push({ ...at, kind: 'token', masked: mask(m[0]) });
    for (const m of line.matchAll(KEY)) leaks.push({ ...at, kind: 'key', masked: mask(m[0]) });
    for (const m of line.matchAll(SECRET)) leaks.push({ ...at, kind: 'secret', masked: mask(m[0]) });
  });
  return leaks;
}

export function scanFiles(files: string[], knownCards: string[] = []): ScanResult {
  const result: ScanResult = { files: 0, bytes: 0, lines: 0, leaks: [] };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    result.files++;
    result.bytes += Buffer.byteLength(text);
    result.lines += text.split('\n').length;
    result.leaks.push(...scanText(text, file, knownCards));
  }
  return result;
}
