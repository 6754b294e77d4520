/** Checkout's write: the sale and its charge job in one transaction, or the first sale of a repeated form. */
import type { Errand } from 'errand';
import { rideThrough } from '../db/away.js';
import type { PlaceResult, Product, ShopStore } from '../db/types.js';
import type { ShopJobs } from '../jobs/index.js';
import { currentTraceContext } from '../tracing.js';
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

export interface PlaceDeps {
  store: ShopStore;
  errand: Errand;
  jobs: ShopJobs;
  /** How long to ride through a database restart (default RIDE_THROUGH_MS); 0 = no retry. */
  rideThroughMs?: number;
}

/**
 * Write the sale and its charge job in one transaction. When the connection is lost (a restart,
 * a failover) the transaction is tried again on a fresh connection until the deadline, with the
 * same guid: before each retry the sale is looked up by that guid, so a COMMIT that happened but
 * whose acknowledgement was lost is found and answered, never written twice (a repeated form is
 * guarded by its form key as well). Past the deadline the error goes on to the 503 handler.
 */
export async function placeOrder(deps: PlaceDeps, input: OrderInput): Promise<PlaceResult> {
  const guid = newGuid();
  // This request's trace, carried by the job whichever request's context its group commit runs in.
  const traceContext = currentTraceContext();
  const enqueue = txEnqueue(deps.store, deps.errand, deps.jobs.charge, { guid }, traceContext ? { traceContext } : {});
  return rideThrough(
    () => deps.store.placeSale({ guid, ...input, singleUseToken: isSingleUseToken(input.stripeToken) }, enqueue),
    deps.rideThroughMs,
    async () => {
      const committed = await deps.store.getSale(guid);
      return committed?.chargeJobId != null ? { created: true, guid, jobId: committed.chargeJobId } : undefined;
    },
  );
}
