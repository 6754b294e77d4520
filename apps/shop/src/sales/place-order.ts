/** Checkout's write: the sale and its charge job in one transaction, or the first sale of a repeated form. */
import type { Errand } from 'errand';
import type { PlaceResult, Product, ShopStore } from '../db/types.js';
import type { ShopJobs } from '../jobs/index.js';
import { txEnqueue } from './enqueue.js';
import { newGuid } from './guid.js';
import { isSingleUseToken } from './tokens.js';

export interface OrderInput {
  product: Product;
  email: string;
  stripeToken: string;
  /** The form's one-time key (or an Idempotency-Key header); null when the client sent none. */
  formKey: string | null;
}

export async function placeOrder(deps: { store: ShopStore; errand: Errand; jobs: ShopJobs }, input: OrderInput): Promise<PlaceResult> {
  const guid = newGuid();
  const enqueue = txEnqueue(deps.store, deps.errand, deps.jobs.charge, { guid });
  return deps.store.placeSale({ guid, ...input, singleUseToken: isSingleUseToken(input.stripeToken) }, enqueue);
}
