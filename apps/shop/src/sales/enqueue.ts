/**
 * Enqueue a job inside the store's transaction, the way each dialect needs it: SQLite's
 * transaction is a synchronous callback (errand.enqueueSync with the Database), PostgreSQL's is
 * a pooled client between BEGIN and COMMIT (await errand.enqueue with the client).
 */
import type { EnqueueOptions, Errand, JobDefinition } from 'errand';
import type { ShopStore, TxEnqueue } from '../db/types.js';

export function txEnqueue<P>(store: ShopStore, errand: Errand, job: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): TxEnqueue {
  return store.dialect === 'sqlite'
    ? (tx) => errand.enqueueSync(job, payload, { ...options, tx })
    : (tx) => errand.enqueue(job, payload, { ...options, tx });
}
