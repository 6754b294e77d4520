/**
 * npm run worker — payment workers only, as a separate process (any number of them, on any
 * machine, with the same DATABASE_URL). Queues from --queue or WORKER_QUEUES (default
 * payments=10). SIGTERM/SIGINT: running charges finish, the rest are handed back, exit 0.
 */
import { stopOnSignals } from 'errand';
import { readFileSync } from 'node:fs';
import { ConfigError, DEFAULT_GATEWAY_PORT, loadConfig, parseWorkerArgs, WORKER_USAGE } from './config.js';
import { PAYMENTS_QUEUE } from './jobs/charge.js';
import { createLogger } from './log.js';
import { startRuntime } from './runtime.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseWorkerArgs(argv);
  if (args.help) return void process.stdout.write(`${WORKER_USAGE}\n`);
  if (args.version) return void process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  const config = loadConfig(process.env, argv);
  const logger = createLogger(config.logLevel);
  // With no Stripe key, talk to the local gateway that `npm start` runs (or STRIPE_API_BASE).
  const apiBase = config.stripe.apiBase ?? `http://127.0.0.1:${process.env.GATEWAY_PORT || DEFAULT_GATEWAY_PORT}`;
  const rt = await startRuntime({ databaseUrl: config.databaseUrl, jobsUrl: config.jobsUrl, stripe: { ...config.stripe, apiBase }, charge: config.charge, logger });
  const queues = config.workerQueues ?? { [PAYMENTS_QUEUE]: 10 };
  const worker = rt.errand.worker({ queues, leaseMs: config.workerLeaseMs });
  await worker.start();
  await rt.jobs.scheduleReconcile(); // the coming tick, once whatever the number of processes
  stopOnSignals(rt.errand, [worker], async () => {
    await rt.store.close().catch(() => {});
  });
  logger.info({ workerId: worker.id, queues, database: rt.db.dialect, stripe: config.stripe.local ? apiBase : 'stripe' }, 'shop worker started');
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`\nshop worker: ${err.message}\n\n${WORKER_USAGE}\n\n`);
  else process.stderr.write(`\nshop worker: failed to start: ${(err as Error)?.stack ?? err}\n\n`);
  process.exit(1);
});
