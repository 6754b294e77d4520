/** Public types of the gateway. Kept in one place so index.ts can re-export them by name. */
import type { EventLogEntry } from './webhooks/dispatcher.js';

export type { Delivery, EventLogEntry } from './webhooks/dispatcher.js';

/**
 * Fault injection settings. The share fields are probabilities in 0..1, drawn from a seeded
 * random source so a sequence of requests can be reproduced.
 */
export interface Faults {
  /** Fixed delay added to every /v1 response, in milliseconds. */
  latencyMs: number;
  /** Extra uniform random delay in [0, jitterMs) added on top of latencyMs. */
  jitterMs: number;
  /** Share of faultable requests answered with 500 api_error before anything is executed. */
  error500: number;
  /** Share of faultable requests answered with 429 rate_limit before anything is executed. */
  error429: number;
  /** Share of faultable requests held open and never answered (until the client gives up). */
  hang: number;
  /** Share of faultable requests whose connection is reset before anything is executed. */
  reset: number;
  /** Share of faultable requests that are executed and saved, then the connection is destroyed. */
  lostResponse: number;
  /**
   * How long a confirmed PaymentIntent stays `processing` before its charge is made (ms). 0, the
   * default, settles it within the confirming request.
   */
  processingMs: number;
  /** Share of webhook events delivered twice (the same event id). */
  webhookDuplicate: number;
  /** Share of webhook events held back and delivered after the next one. */
  webhookReorder: number;
  /** Share of webhook events whose first attempt is dropped; the retry redelivers them. */
  webhookDrop: number;
  /** The first delivery of each event not held back by webhookReorder waits a random time in [0, webhookDelayMs) ms. */
  webhookDelayMs: number;
  /** Seed of the fault random source. Always set in what faults() returns. */
  seed?: number;
}

export type ChargeStatus = 'succeeded' | 'failed';

/** One charge as the ledger shows it, for tests that count charges per sale. */
export interface LedgerEntry {
  id: string;
  status: ChargeStatus;
  amount: number;
  currency: string;
  idempotencyKey: string | null;
  metadata: Record<string, string>;
  amountRefunded: number;
  failureCode: string | null;
  created: number;
  /**
   * The PaymentIntent that made the charge (its metadata is the one shown), or null for
   * POST /v1/charges. Always set by the gateway; optional so that entries written by hand
   * (in other packages' tests) need not name it.
   */
  paymentIntent?: string | null;
  /** A dispute was opened on the charge (POST /_control/disputes). Always set by the gateway. */
  disputed?: boolean;
}

export interface GatewayOptions {
  /** TCP port; 0 picks a random free port. Default 12111 (like stripe-mock). */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Initial faults (missing fields are zero). */
  faults?: Partial<Faults>;
  /** Seed of the fault random source (same as faults.seed; this one wins). */
  seed?: number;
  /** Origins allowed by CORS on /v1 and /v3. Default '*' (the request's Origin is echoed). */
  corsOrigins?: string[] | '*';
  /** true logs one line per request to stderr; a function receives the lines. Default false. */
  log?: boolean | ((line: string) => void);
  /** Clock in milliseconds, for tests of idempotency key expiry. Default Date.now. */
  now?: () => number;
  /** The webhook endpoint and its signing secret (`whsec_…`; one is made up when omitted). */
  webhook?: { url: string; secret?: string };
  /** First webhook retry delay in ms, doubled each attempt up to 60 s. Default 1000. */
  webhookRetryMs?: number;
}

export interface Gateway {
  /** http://HOST:PORT */
  url: string;
  port: number;
  host: string;
  setFaults(f: Partial<Faults>): void;
  faults(): Faults;
  /** Every charge, oldest first. */
  ledger(): LedgerEntry[];
  /** Sets the webhook endpoint (a whsec_… secret is made up when omitted); null stops sending. */
  setWebhook(url: string | null, secret?: string): { url: string; secret: string } | null;
  /** The webhook endpoint and its signing secret, or null. */
  webhook(): { url: string; secret: string } | null;
  /** Every event, oldest first, with each delivery's outcome (GET /_control/events). */
  events(): EventLogEntry[];
  /** Answers the pending 3-D Secure challenge of a PaymentIntent, as the page's buttons do. */
  authenticate(paymentIntentId: string, outcome: 'complete' | 'fail'): void;
  /** Clears charges, payment intents, tokens, refunds, events and idempotency keys (not faults or the webhook endpoint); re-seeds the fault random source. */
  reset(): void;
  /** Stops listening and destroys every open connection, hanging requests included. */
  close(): Promise<void>;
}
