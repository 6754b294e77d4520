/**
 * npm run worker — payment workers only, as a separate process (any number of them, on any
 * machine, with the same DATABASE_URL). Queues from --queue or WORKER_QUEUES (default
 * payments=10). SIGTERM/SIGINT: running charges finish, the rest are handed back, exit 0.
 */
import { stopOnSignals } from 'errand';
import { ConfigError, DEFAULT_GATEWAY_PORT, loadConfig } from './config.ts';
import { PAYMENTS_QUEUE } from './jobs/charge.ts';
import { createLogger } from './log.ts';
import { startRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env, process.argv.slice(2));
  const logger = createLogger(config.logLevel);
  // With no Stripe key, talk to the local gateway that `npm start` runs (or STRIPE_API_BASE).
  const apiBase = config.stripe.apiBase ?? `http://127.0.0.1:${process.env.GATEWAY_PORT || DEFAULT_GATEWAY_PORT}`;
  const rt = await startRuntime({ databaseUrl: config.databaseUrl, stripe: { ...config.stripe, apiBase }, charge: config.charge, logger });
  const queues = config.workerQueues ?? { [PAYMENTS_QUEUE]: 10 };
  const worker = rt.errand.worker({ queues, leaseMs: config.workerLeaseMs });
  await worker.start();
  stopOnSignals(rt.errand, [worker], async () => {
    await rt.store.close().catch(() => {});
  });
  logger.info({ workerId: worker.id, queues, database: rt.db.dialect, stripe: config.stripe.local ? apiBase : 'stripe' }, 'shop worker started');
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`\nshop worker: configuration error: ${err.message}\n\n`);
  else process.stderr.write(`\nshop worker: failed to start: ${(err as Error)?.stack ?? err}\n\n`);
  process.exit(1);
});
