/**
 * Enqueue a job inside the store's transaction, the way each dialect needs it: SQLite's
 * transaction is a synchronous callback (errand.enqueueSync with the Database), PostgreSQL's is
 * a pooled client between BEGIN and COMMIT (await errand.enqueue with the client).
 */
import type { EnqueuedJob, EnqueueOptions, Errand, JobDefinition, JobRequest, Transaction } from 'errand';
import type { ShopStore, TxEnqueue } from '../db/types.js';

export function txEnqueue<P>(store: ShopStore, errand: Errand, job: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): TxEnqueue {
  if (store.dialect === 'sqlite') return (tx) => errand.enqueueSync(job, payload, { ...options, tx });
  return Object.assign((tx: Transaction) => errand.enqueue(job, payload, { ...options, tx }), {
    batch: { request: { job, payload, options }, enqueueMany: errandMany(errand) },
  });
}

/** One function per client, so a store can tell which requests may share one enqueueMany. */
const manyOf = new WeakMap<Errand, (requests: JobRequest<any>[], tx: Transaction) => Promise<EnqueuedJob[]>>();
function errandMany(errand: Errand) {
  let f = manyOf.get(errand);
  if (!f) manyOf.set(errand, (f = (requests, tx) => errand.enqueueMany(requests, { tx })));
  return f;
}
