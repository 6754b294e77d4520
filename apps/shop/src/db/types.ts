/** The shop's records and the store that reads and writes them (one method per query). */
import type { EnqueuedJob, JobRequest, Transaction } from 'errand';
import type { SaleState } from '../sales/states.js';

export interface Product {
  id: number;
  permalink: string;
  name: string;
  description: string;
  /** Minor units (cents). */
  price: number;
  currency: string;
  /** An https:// link, or a file name under apps/shop/downloads/. */
  delivery: string;
}

export type NewProduct = Omit<Product, 'id'>;

export interface Sale {
  id: number;
  guid: string;
  productId: number;
  productName: string;
  productPermalink: string;
  amount: number;
  currency: string;
  email: string;
  /** The payment source: a PaymentMethod (pm_…) or a card token (tok_…). */
  stripeToken: string;
  chargeId: string | null;
  state: SaleState;
  errorMessage: string | null;
  errorCode: string | null;
  formKey: string | null;
  chargeJobId: number | null;
  refundJobId: number | null;
  paymentIntentId: string | null;
  /** Set while the PaymentIntent waits for the customer's 3-D Secure answer. */
  clientSecret: string | null;
  threeDSecure: ThreeDSecure | null;
  disputed: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ThreeDSecure = 'required' | 'authenticated' | 'failed' | 'abandoned';

/** A webhook event as stored (its signature was checked). */
export interface WebhookEventRecord {
  id: string;
  type: string;
  saleGuid: string | null;
  /** The event object, as Stripe sent it (JSON). */
  payload: string;
  jobId: number | null;
  receivedAt: Date;
  handledAt: Date | null;
  outcome: string | null;
}

export type NewWebhookEvent = Pick<WebhookEventRecord, 'id' | 'type' | 'saleGuid' | 'payload'>;

/** What a charge attempt needs of its sale. */
export type ChargeTarget = Pick<Sale, 'guid' | 'amount' | 'currency' | 'email' | 'stripeToken'>;

export interface NewSale {
  guid: string;
  product: Product;
  email: string;
  stripeToken: string;
  formKey: string | null;
  /** Refuse the sale (TokenUsedError) when another sale already has this token: every token but Stripe's magic test ones. Default false. */
  singleUseToken?: boolean;
}

/**
 * Enqueues a job inside the store's open transaction. `tx` is the better-sqlite3 Database on
 * SQLite (the call must be synchronous: errand.enqueueSync) or the pg PoolClient on PostgreSQL.
 */
export type TxEnqueue = ((tx: Transaction) => EnqueuedJob | Promise<EnqueuedJob>) & {
  /**
   * The same enqueue as a request, for a store that writes several sales in one transaction
   * (PostgreSQL's group commit): the requests that share `enqueueMany` go in one statement.
   */
  readonly batch?: { request: JobRequest<any>; enqueueMany: (requests: JobRequest<any>[], tx: Transaction) => Promise<EnqueuedJob[]> };
};

export interface SaleListQuery {
  state?: SaleState | null;
  limit: number;
  /** Keyset cursor: list sales with a smaller id. */
  beforeId?: number | null;
  search?: string | null;
}

/**
 * created: false — the form key (or Idempotency-Key) was used before: the first sale's guid and
 * what it was placed with, so the caller can tell a replay from the same key with other parameters.
 */
export type PlaceResult =
  | { created: true; guid: string; jobId: number }
  | { created: false; guid: string; productId: number; email: string; stripeToken: string };

/** placeSale: another sale already has this single-use card token; nothing was written. */
export class TokenUsedError extends Error {
  readonly code = 'SHOP_TOKEN_USED';
  constructor() {
    super('stripeToken was already used for another purchase: a card token can be used once. Reload the page and enter the card again.');
    this.name = 'TokenUsedError';
  }
}

export type RefundRequest = { ok: true; jobId: number } | { ok: false; state: SaleState | null };

export interface ShopStore {
  readonly dialect: 'sqlite' | 'postgres';
  ping(): Promise<void>;
  listProducts(): Promise<Product[]>;
  getProduct(permalink: string): Promise<Product | null>;
  /** Inserts the product unless one with this permalink exists. */
  seedProduct(product: NewProduct): Promise<void>;
  /**
   * One transaction: a sale with this form key already exists → its guid (nothing written);
   * otherwise insert the sale, enqueue its charge, store the job id on the sale.
   */
  placeSale(sale: NewSale, enqueue: TxEnqueue): Promise<PlaceResult>;
  getSale(guid: string): Promise<Sale | null>;
  listSales(q: SaleListQuery): Promise<Sale[]>;
  countSales(): Promise<Record<SaleState, number>>;
  /** One transaction: only a finished sale without a refund job gets one enqueued. */
  requestRefund(guid: string, enqueue: TxEnqueue): Promise<RefundRequest>;
  // Guarded transitions: each is one UPDATE … WHERE state IN (the states it may come from);
  // true when the row moved. Only job handlers make them (and markRequiresAction, markDisputed,
  // markWebhookEventHandled): on SQLite, with the jobs on the same connection, they leave their
  // fsync to the job's completion (SqliteStoreOptions.jobsOnThisConnection).
  /** → processing, returning what the charge needs (null: the sale is gone or has moved on). */
  startCharge(guid: string): Promise<ChargeTarget | null>;
  /** processing → finished; clears the client secret; a 3-D Secure `required` becomes `authenticated`. */
  markFinished(guid: string, chargeId: string, paymentIntentId?: string | null): Promise<boolean>;
  /** processing → errored; clears the client secret; `threeDSecure` records a failed or abandoned challenge. */
  markErrored(guid: string, message: string, code: string, threeDSecure?: ThreeDSecure | null, paymentIntentId?: string | null): Promise<boolean>;
  markRefunded(guid: string): Promise<boolean>;
  // The console's live sessions, by the SHA-256 of their id (admin/session-store.ts).
  /** Records a session (and drops the expired ones). */
  addConsoleSession(sidHash: string, expiresAt: number): Promise<void>;
  consoleSessionActive(sidHash: string): Promise<boolean>;
  revokeConsoleSession(sidHash: string): Promise<void>;
  /** A processing sale's PaymentIntent waits for the customer: store its id and client secret. */
  markRequiresAction(guid: string, paymentIntentId: string, clientSecret: string): Promise<boolean>;
  /** Flag the sale of this PaymentIntent (or, for a sale charged before PaymentIntents, this charge) as disputed; its guid, or null when none matches. */
  markDisputed(paymentIntentId: string | null, chargeId: string | null): Promise<string | null>;
  /**
   * One transaction: store the event unless its id is known (a duplicate delivery → inserted
   * false, nothing enqueued), and enqueue the job that handles it.
   */
  recordWebhookEvent(event: NewWebhookEvent, enqueue: TxEnqueue): Promise<{ inserted: boolean }>;
  getWebhookEvent(id: string): Promise<WebhookEventRecord | null>;
  markWebhookEventHandled(id: string, outcome: string, saleGuid: string | null): Promise<void>;
  /** The events of one sale, oldest first (the console). */
  listWebhookEvents(saleGuid: string, limit: number): Promise<WebhookEventRecord[]>;
  /** Sales still processing, oldest first, updated before `before` (reconciliation). */
  listStaleProcessing(before: Date, limit: number): Promise<Sale[]>;
  close(): Promise<void>;
}
