/**
 * Inside the worker thread that `npm start` runs (worker-thread.ts): the payment workers with
 * their own runtime (database connection, Stripe client, logger), as `npm run worker` has.
 * Messages: 'wake' (a sale was placed on the web thread), 'stop' (graceful: running charges
 * finish, the rest are handed back, then the thread ends).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PAYMENTS_QUEUE } from './jobs/charge.ts';
import { createLogger } from './log.ts';
import { startRuntime } from './runtime.ts';
import type { FromThread, ToThread, WorkerThreadData } from './worker-thread.ts';

const data = workerData as WorkerThreadData;
const port = parentPort!;
const logger = createLogger(data.logLevel);
const rt = await startRuntime({ databaseUrl: data.databaseUrl, stripe: data.stripe, charge: data.charge, logger });
const worker = rt.errand.worker({ queues: { [PAYMENTS_QUEUE]: data.concurrency }, leaseMs: data.leaseMs });
await worker.start();

port.on('message', (m: ToThread) => {
  if (m.type === 'wake') worker.wake(PAYMENTS_QUEUE);
  else if (m.type === 'stop') {
    void (async () => {
      await worker.stop();
      await rt.close().catch(() => {});
      process.exit(0); // ends this thread only (the Stripe client's idle keep-alive sockets would hold it)
    })();
  }
});
port.postMessage({ type: 'ready', workerId: worker.id } satisfies FromThread);
