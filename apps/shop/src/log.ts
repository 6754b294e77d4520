/**
 * The shop's logger (pino): human-readable lines in a terminal (stdout is a TTY, or
 * NODE_ENV=development), JSON lines otherwise (LOG_FORMAT=json|pretty overrides). Never a card number, token, key or cookie: requests are
 * logged by method and path only (no bodies, no query string: a form sent by GET would put a
 * token there), these paths are redacted wherever they appear, and every string logged has its
 * tokens and keys masked (redactSecrets: tok_, pm_, pi_…_secret_, sk_/rk_, whsec_).
 */
import { redactSecrets } from 'errand';
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

/**
 * Every string in a log object, masked: plain objects and arrays are walked (depth-bounded);
 * anything else (an Error, Fastify's request) is left to its serializer, which masks its own.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}

/** A request as logged: no query string, no headers. */
function requestLine(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: String(req.url ?? '').split('?')[0], host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/**
 * `err`: an Error through pino's serializer, masked. Callers also log `{ err: error.message }`
 * (a string): that stays the string, masked (spreading it would log one key per character).
 */
function serializeErr(e: unknown): unknown {
  if (e instanceof Error) return redactDeep({ ...pino.stdSerializers.err(e) });
  return redactDeep(e);
}

export function createLogger(level = 'info', options: { pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: 'shop', pid: process.pid },
    serializers: { req: requestLine, err: serializeErr },
    formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  if (!(options.pretty ?? wantsPretty())) return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
  // Synchronous, in this thread: lines keep their order with what the process prints itself, and
  // redaction has already happened when pino-pretty sees a line.
  const colorize = !options.destination && Boolean(process.stdout.isTTY);
  return pino(opts, pretty({ sync: true, colorize, ignore: 'app,hostname,pid', singleLine: true, translateTime: 'SYS:HH:MM:ss.l', destination: options.destination }));
}
