/**
 * Configuration from the environment, with documented defaults and clear errors.
 *
 * | variable                | default                    | meaning                                                         |
 * |-------------------------|----------------------------|-----------------------------------------------------------------|
 * | PORT                    | 3000                       | web port (0 = any free port)                                    |
 * | HOST                    | 127.0.0.1                  | interface to bind (0.0.0.0 in a container)                      |
 * | DATABASE_URL            | sqlite:./data/shop.db      | sqlite:…, postgres://…, or memory:                               |
 * | JOBS_URL                | unset → DATABASE_URL       | the jobs elsewhere (redis://…, postgres://…): checkout enqueues  |
 * |                         |                            | through an outbox in DATABASE_URL, still one transaction        |
 * | STRIPE_SECRET_KEY       | unset → local gateway      | sk_test_…/sk_live_…: talk to Stripe (or STRIPE_API_BASE)          |
 * | STRIPE_PUBLISHABLE_KEY  | pk_test_errand_local       | required with STRIPE_SECRET_KEY                                 |
 * | STRIPE_API_BASE         | https://api.stripe.com, or the local gateway | where the server-side SDK sends requests      |
 * | GATEWAY_PUBLIC_URL      | STRIPE_API_BASE            | the gateway origin as the browser sees it (loads /v3 from it)   |
 * | GATEWAY_PORT            | 12111                      | port of the in-process local gateway (npm start only)           |
 * | STRIPE_TIMEOUT_MS       | 20000                      | per-request timeout of the Stripe SDK (shorter than the job's)  |
 * | STRIPE_WEBHOOK_SECRET   | the local gateway's        | whsec_…: checks POST /webhooks/stripe; required with real keys  |
 * | CHALLENGE_WINDOW_MS     | 900000                     | a 3-D Secure challenge unanswered this long is abandoned        |
 * | RECONCILE_INTERVAL_MS   | 300000                     | how often workers repair sales from the gateway; 0 = never      |
 * | WORKERS                 | 10                         | npm start: payments-queue concurrency in process; 0 = web only  |
 * | WORKER_QUEUES           | payments=10                | npm run worker: queues and concurrency (or --queue)             |
 * | RATE_LIMIT_PER_MINUTE   | 30                         | POST /buy per IP per minute; 0 disables                         |
 * | CHARGE_MAX_ATTEMPTS     | 8                          | charge attempts before looking the charge up and giving up      |
 * | CHARGE_BACKOFF_MS       | 1000                       | first retry delay; doubles each attempt, capped at 60 s         |
 * | TRUST_PROXY             | false                      | proxies to believe X-Forwarded-For from: a hop count (1 = one   |
 * |                         |                            | proxy in front), addresses/CIDRs (10.0.0.0/8,127.0.0.1), or true |
 * | COOKIE_SECURE           | false                      | true when served over HTTPS (Secure cookies)                    |
 * | COOKIE_SECRET           | from STRIPE_SECRET_KEY, or random per process | signs the shop's CSRF cookie (≥ 32 characters) |
 * | LOG_LEVEL               | info                       | pino level: fatal, error, warn, info, debug, trace or silent    |
 *
 * The local gateway: when STRIPE_SECRET_KEY is unset, `npm start` runs the local
 * Stripe-compatible gateway in process (unless STRIPE_API_BASE points at one already running) and
 * uses test keys it accepts. Setting STRIPE_SECRET_KEY turns it off.
 */
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseTrustProxy, type TrustProxy } from '@errand/web';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const LOCAL_SECRET_KEY = 'sk_test_errand_local';
export const LOCAL_PUBLISHABLE_KEY = 'pk_test_errand_local';
export const DEFAULT_GATEWAY_PORT = 12111;
export const STRIPE_API = 'https://api.stripe.com';
export const STRIPE_JS = 'https://js.stripe.com/v3';

export interface StripeConfig {
  secretKey: string;
  publishableKey: string;
  /** null: the local gateway `npm start` runs (its URL is known once it listens). */
  apiBase: string | null;
  /** Gateway origin as the browser sees it, when it differs from apiBase. */
  publicBase: string | null;
  timeoutMs: number;
  local: boolean;
  /** whsec_… (STRIPE_WEBHOOK_SECRET); null offline: npm start makes one up for its gateway. */
  webhookSecret: string | null;
}

export interface ShopConfig {
  port: number;
  host: string;
  databaseUrl: string;
  /** JOBS_URL: the jobs in another database (through an outbox in DATABASE_URL); null: beside the sales. */
  jobsUrl: string | null;
  stripe: StripeConfig;
  gatewayPort: number;
  workers: number;
  workerQueues: Record<string, number> | null;
  /** How long a charge job's claim holds without renewal (WORKER_LEASE_MS; engine default 15 s). */
  workerLeaseMs: number;
  rateLimitPerMinute: number;
  charge: { maxAttempts: number; backoffBaseMs: number; backoffMaxMs: number; challengeWindowMs: number; reconcileIntervalMs: number };
  trustProxy: TrustProxy;
  cookieSecure: boolean;
  /** Signs the shop's cookies; null: random per process (local gateway, no COOKIE_SECRET). */
  cookieSecret: string | null;
  logLevel: string;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === '' ? undefined : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

export type { TrustProxy };

function trustProxy(env: Env): TrustProxy {
  try {
    return parseTrustProxy(str(env, 'TRUST_PROXY'), 'TRUST_PROXY');
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function url(env: Env, name: string): string | null {
  const raw = str(env, name);
  if (raw === undefined) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL like http://127.0.0.1:12111, got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name} must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  return u.origin;
}

function stripeConfig(env: Env): StripeConfig {
  const secretKey = str(env, 'STRIPE_SECRET_KEY');
  const publishableKey = str(env, 'STRIPE_PUBLISHABLE_KEY');
  const apiBase = url(env, 'STRIPE_API_BASE');
  const publicBase = url(env, 'GATEWAY_PUBLIC_URL');
  const timeoutMs = int(env, 'STRIPE_TIMEOUT_MS', 20_000, 100, 120_000);
  const webhookSecret = str(env, 'STRIPE_WEBHOOK_SECRET') ?? null;
  if (webhookSecret !== null && !/^whsec_[A-Za-z0-9_+/=-]{8,200}$/.test(webhookSecret)) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…), as the Stripe dashboard or `stripe listen` prints it');
  }
  if (secretKey === undefined) {
    if (publishableKey !== undefined) throw new ConfigError('STRIPE_PUBLISHABLE_KEY is set but STRIPE_SECRET_KEY is not: set both to use Stripe, or neither for the local gateway');
    return { secretKey: LOCAL_SECRET_KEY, publishableKey: LOCAL_PUBLISHABLE_KEY, apiBase, publicBase, timeoutMs, local: true, webhookSecret };
  }
  const secret = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.exec(secretKey);
  if (!secret) throw new ConfigError('STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_… or sk_live_…)');
  if (publishableKey === undefined) throw new ConfigError('STRIPE_PUBLISHABLE_KEY is required with STRIPE_SECRET_KEY (pk_test_… or pk_live_…), for Stripe.js on the checkout page');
  const publishable = /^pk_(test|live)_[A-Za-z0-9_]+$/.exec(publishableKey);
  if (!publishable) throw new ConfigError('STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key (pk_test_… or pk_live_…)');
  if (secret[2] !== publishable[1]) throw new ConfigError(`STRIPE_SECRET_KEY is a ${secret[2]} key but STRIPE_PUBLISHABLE_KEY is a ${publishable[1]} key: use a matching pair`);
  if (webhookSecret === null) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY: register https://<your shop>/webhooks/stripe in the Stripe dashboard and set its signing secret (whsec_…), or use the one `stripe listen` prints');
  }
  return { secretKey, publishableKey, apiBase: apiBase ?? STRIPE_API, publicBase, timeoutMs, local: false, webhookSecret };
}

/** Parse `payments=10,default=5`. */
function queues(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_.:\-/]{1,200})(?:=(\d{1,5}))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < 1)) throw new ConfigError(`bad queue ${JSON.stringify(part)}: expected name=concurrency, e.g. payments=10`);
    out[m[1]] = m[2] === undefined ? 10 : Number(m[2]);
  }
  if (Object.keys(out).length === 0) throw new ConfigError('no queues given: expected name=concurrency, e.g. payments=10');
  return out;
}

export const WORKER_USAGE = `Usage: npm run worker -- [options]

  --queue <name=n,...>   queues and their concurrency (default: $WORKER_QUEUES, else payments=10)
  -h, --help             this text
  -v, --version          the version

Everything else comes from the environment (DATABASE_URL, STRIPE_SECRET_KEY, …): see README.md.`;

export interface WorkerArgs {
  queue?: string;
  help?: boolean;
  version?: boolean;
}

/** The worker's flags (node:util parseArgs): an unknown flag or a missing value is a ConfigError. */
export function parseWorkerArgs(argv: string[]): WorkerArgs {
  try {
    return parseArgs({
      args: argv,
      options: { queue: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify.*$/s, '');
    throw new ConfigError(/'--queue/.test(message) ? '--queue needs a value, e.g. --queue payments=10' : message);
  }
}

/** pino's levels: anything else in LOG_LEVEL is a configuration error, not a crash inside pino. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env, argv: string[] = []): ShopConfig {
  const args = parseWorkerArgs(argv);
  if (args.queue === '') throw new ConfigError('--queue needs a value, e.g. --queue payments=10');
  const queueSpec = args.queue ?? str(env, 'WORKER_QUEUES');
  const logLevel = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(str(env, 'LOG_LEVEL'))}`);
  }
  const stripe = stripeConfig(env);
  const databaseUrl = str(env, 'DATABASE_URL') ?? 'sqlite:./data/shop.db';
  if (!/^(sqlite:|memory:|postgres(ql)?:\/\/)/i.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be sqlite:./path.db, postgres://user:pass@host:5432/db or memory:, got ${JSON.stringify(databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'))}`);
  }
  const jobsUrl = str(env, 'JOBS_URL') ?? null;
  if (jobsUrl !== null && !/^(rediss?|postgres(ql)?):\/\//i.test(jobsUrl)) {
    throw new ConfigError(`JOBS_URL must be redis://host:6379/0, rediss://… or postgres://…, got ${JSON.stringify(jobsUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'))} (unset: the jobs live beside the sales, in DATABASE_URL)`);
  }
  if (jobsUrl !== null && /^memory:|^sqlite::memory:$/i.test(databaseUrl)) {
    throw new ConfigError('JOBS_URL needs DATABASE_URL to be a file or a server: the checkout writes its jobs to an outbox there, which workers read from another connection');
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: str(env, 'HOST') ?? '127.0.0.1',
    databaseUrl,
    jobsUrl,
    stripe,
    gatewayPort: int(env, 'GATEWAY_PORT', DEFAULT_GATEWAY_PORT, 0, 65535),
    workers: int(env, 'WORKERS', 10, 0, 1000),
    workerQueues: queueSpec ? queues(queueSpec) : null,
    workerLeaseMs: int(env, 'WORKER_LEASE_MS', 15_000, 500, 600_000),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 30, 0, 1_000_000),
    charge: {
      maxAttempts: int(env, 'CHARGE_MAX_ATTEMPTS', 8, 1, 100),
      backoffBaseMs: int(env, 'CHARGE_BACKOFF_MS', 1000, 1, 3_600_000),
      backoffMaxMs: 60_000,
      challengeWindowMs: int(env, 'CHALLENGE_WINDOW_MS', 15 * 60_000, 1_000, 24 * 3_600_000),
      reconcileIntervalMs: int(env, 'RECONCILE_INTERVAL_MS', 5 * 60_000, 0, 24 * 3_600_000),
    },
    trustProxy: trustProxy(env),
    cookieSecure: bool(env, 'COOKIE_SECURE', false),
    cookieSecret: cookieSecret(env, stripe),
    logLevel,
  };
}

/**
 * COOKIE_SECRET (at least 32 characters), else derived from a real STRIPE_SECRET_KEY (secret, and
 * the same in every web process, so a form served by one verifies in another), else null: random
 * per process (the local gateway's key is public).
 */
function cookieSecret(env: Env, stripe: StripeConfig): string | null {
  const raw = str(env, 'COOKIE_SECRET');
  if (raw !== undefined) {
    if (raw.length < 32) throw new ConfigError(`COOKIE_SECRET must be at least 32 characters (it signs the shop's cookies), got ${raw.length}`);
    return raw;
  }
  return stripe.local ? null : createHmac('sha256', stripe.secretKey).update('errand-shop-cookie-secret').digest('base64url');
}

/** Where the browser loads Stripe.js from: js.stripe.com for Stripe, else the gateway's /v3 shim. */
export function stripeJsUrl(apiBase: string, publicBase: string | null): string {
  if (apiBase === STRIPE_API && publicBase === null) return STRIPE_JS;
  return `${publicBase ?? apiBase}/v3`;
}
