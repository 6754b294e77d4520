/**
 * The shop's sales, as the console sees them. The console knows nothing of the shop: an app that
 * has sales passes a SalesSource (`errandConsole` option `sales`) and the Sales pages appear.
 */
export type SaleState = 'pending' | 'processing' | 'finished' | 'errored' | 'refunded';

export const SALE_STATES: readonly SaleState[] = ['pending', 'processing', 'finished', 'errored', 'refunded'];

export interface SaleView {
  guid: string;
  state: SaleState;
  productName: string;
  productPermalink: string;
  /** Integer minor units (cents). */
  amount: number;
  currency: string;
  email: string;
  chargeId: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  chargeJobId: number | null;
  refundJobId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SalesSource {
  /** Newest first, keyset-paged by an opaque cursor. */
  list(q: { state?: SaleState | null; limit: number; cursor?: string | null; search?: string | null }): Promise<{ sales: SaleView[]; next: string | null }>;
  get(guid: string): Promise<SaleView | null>;
  counts(): Promise<Record<SaleState, number>>;
  /** Enqueue a refund job for a finished sale. */
  refund(guid: string): Promise<{ ok: true; jobId: number } | { ok: false; reason: string }>;
}
