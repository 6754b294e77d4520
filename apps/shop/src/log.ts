/**
 * The shop's logger (pino): human-readable lines in a terminal (stdout is a TTY, or
 * NODE_ENV=development), JSON lines otherwise (LOG_FORMAT=json|pretty overrides). Never a card number, token, key or cookie: requests are
 * logged by method and URL only (no bodies, and no secrets are ever put in URLs), and these
 * paths are redacted wherever they appear.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export const REDACT = [
  'stripeToken',
  '*.stripeToken',
  'stripe_token',
  '*.stripe_token',
  'secretKey',
  '*.secretKey',
  'paymentMethod',
  '*.paymentMethod',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'webhookSecret',
  '*.webhookSecret',
  'req.headers["stripe-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
];

/** Pretty in a terminal or in development, JSON otherwise; LOG_FORMAT=json|pretty decides. */
export function wantsPretty(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): boolean {
  if (env.LOG_FORMAT === 'json') return false;
  if (env.LOG_FORMAT === 'pretty') return true;
  return isTty || env.NODE_ENV === 'development';
}

export function createLogger(level = 'info', options: { pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'shop', pid: process.pid } };
  if (!(options.pretty ?? wantsPretty())) return pino(opts);
  // Synchronous, in this thread: lines keep their order with what the process prints itself, and
  // redaction has already happened when pino-pretty sees a line.
  const colorize = !options.destination && Boolean(process.stdout.isTTY);
  return pino(opts, pretty({ sync: true, colorize, ignore: 'app,hostname,pid', singleLine: true, translateTime: 'SYS:HH:MM:ss.l', destination: options.destination }));
}
