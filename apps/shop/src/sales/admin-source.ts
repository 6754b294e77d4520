/**
 * The sales as the shop's console section (admin/) sees them: reads for its pages and the refund
 * action. The section renders only through this, so its tests can run on any store.
 */
import type { Errand } from 'errand';
import type { Sale, ShopStore, ThreeDSecure } from '../db/types.js';
import type { ShopJobs } from '../jobs/index.js';
import { refundKey } from '../jobs/refund.js';
import { txEnqueue } from './enqueue.js';
import { isGuid } from './guid.js';
import type { SaleState } from './states.js';

export type { SaleState } from './states.js';

/** A sale as the console shows it: never the card token or the client secret. */
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
  /** The PaymentIntent (pi_…) that charged, or tried to charge, the sale. */
  paymentIntentId: string | null;
  /** null: no 3-D Secure asked; required (waiting), authenticated, failed or abandoned. */
  threeDSecure: ThreeDSecure | null;
  /** A dispute (chargeback) was opened on its charge. */
  disputed: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A webhook event of a sale, as the console lists it (never its payload). */
export interface WebhookEventView {
  id: string;
  type: string;
  receivedAt: Date;
  handledAt: Date | null;
  outcome: string | null;
  jobId: number | null;
}

export interface SalesSource {
  /** Newest first, keyset-paged by an opaque cursor. */
  list(q: { state?: SaleState | null; limit: number; cursor?: string | null; search?: string | null }): Promise<{ sales: SaleView[]; next: string | null }>;
  get(guid: string): Promise<SaleView | null>;
  /** The webhook events that named this sale, oldest first. */
  events(guid: string): Promise<WebhookEventView[]>;
  counts(): Promise<Record<SaleState, number>>;
  /** Enqueue a refund job for a finished sale (the same job again when one is already waiting). */
  refund(guid: string): Promise<{ ok: true; jobId: number } | { ok: false; reason: string }>;
}

export function toView(s: Sale): SaleView {
  // Never the card token: the console does not need it.
  return {
    guid: s.guid,
    state: s.state,
    productName: s.productName,
    productPermalink: s.productPermalink,
    amount: s.amount,
    currency: s.currency,
    email: s.email,
    chargeId: s.chargeId,
    errorMessage: s.errorMessage,
    errorCode: s.errorCode,
    chargeJobId: s.chargeJobId,
    refundJobId: s.refundJobId,
    paymentIntentId: s.paymentIntentId,
    threeDSecure: s.threeDSecure,
    disputed: s.disputed,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** Cursors are opaque to the pages: `s<id>` of the last sale shown. */
const encodeCursor = (id: number): string => `s${id}`;
function decodeCursor(c: string | null | undefined): number | null {
  if (!c) return null;
  const m = /^s(\d{1,15})$/.exec(c);
  return m ? Number(m[1]) : null;
}

export function createSalesSource(deps: { store: ShopStore; errand: Errand; jobs: ShopJobs }): SalesSource {
  const { store } = deps;
  return {
    async list(q) {
      const limit = Math.max(1, Math.min(500, Math.floor(q.limit) || 50));
      const search = q.search?.trim() ? q.search.trim().slice(0, 200) : null;
      // One extra row tells whether there is a next page.
      const rows = await store.listSales({ state: q.state ?? null, limit: limit + 1, beforeId: decodeCursor(q.cursor), search });
      const page = rows.slice(0, limit);
      return { sales: page.map(toView), next: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
    },
    async get(guid) {
      if (!isGuid(guid)) return null;
      const s = await store.getSale(guid);
      return s ? toView(s) : null;
    },
    async events(guid) {
      if (!isGuid(guid)) return [];
      return (await store.listWebhookEvents(guid, 200)).map((e) => ({ id: e.id, type: e.type, receivedAt: e.receivedAt, handledAt: e.handledAt, outcome: e.outcome, jobId: e.jobId }));
    },
    counts: () => store.countSales(),
    async refund(guid) {
      if (!isGuid(guid)) return { ok: false, reason: 'no such sale' };
      const r = await store.requestRefund(guid, txEnqueue(store, deps.errand, deps.jobs.refund, { guid }, { uniqueKey: refundKey(guid) }));
      if (r.ok) return r;
      if (r.state === null) return { ok: false, reason: 'no such sale' };
      return { ok: false, reason: `only a finished sale can be refunded; this one is ${r.state}` };
    },
  };
}
