/**
 * The shop's logger: JSON lines (pino). Never a card number, token, key or cookie: requests are
 * logged by method and URL only (no bodies, and no secrets are ever put in URLs), and these
 * paths are redacted wherever they appear.
 */
import pino, { type Logger } from 'pino';

export const REDACT = [
  'stripeToken',
  '*.stripeToken',
  'stripe_token',
  '*.stripe_token',
  'secretKey',
  '*.secretKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'shop', pid: process.pid } });
}
