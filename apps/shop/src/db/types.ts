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
  stripeToken: string;
  chargeId: string | null;
  state: SaleState;
  errorMessage: string | null;
  errorCode: string | null;
  formKey: string | null;
  chargeJobId: number | null;
  refundJobId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a charge attempt needs of its sale. */
export type ChargeTarget = Pick<Sale, 'guid' | 'amount' | 'currency' | 'email' | 'stripeToken'>;

export interface NewSale {
  guid: string;
  product: Product;
  email: string;
  stripeToken: string;
  formKey: string | null;
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

export type PlaceResult = { created: true; guid: string; jobId: number } | { created: false; guid: string; productId: number };

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
  // true when the row moved.
  /** → processing, returning what the charge needs (null: the sale is gone or has moved on). */
  startCharge(guid: string): Promise<ChargeTarget | null>;
  markFinished(guid: string, chargeId: string): Promise<boolean>;
  markErrored(guid: string, message: string, code: string): Promise<boolean>;
  markRefunded(guid: string): Promise<boolean>;
  close(): Promise<void>;
}
