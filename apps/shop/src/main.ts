/**
 * npm start — the whole shop in one process: database (./data/shop.db by default, migrated, demo
 * products), the local payment gateway (unless STRIPE_SECRET_KEY is set), the web server and the
 * payment workers. SIGTERM/SIGINT: graceful (workers finish, the server drains), exit 0.
 */
import { randomBytes } from 'node:crypto';
import { startGateway, type Gateway } from '@errand/gateway';
import { redact, stopOnSignals, type Worker } from 'errand';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type ShopConfig, stripeJsUrl } from './config.js';
import { mountConsole } from './console.js';
import { seedDemoProducts } from './db/seed.js';
import { PAYMENTS_QUEUE } from './jobs/charge.js';
import { createLogger } from './log.js';
import { createSalesSource } from './sales/admin-source.js';
import { startRuntime } from './runtime.js';

async function startLocalGateway(config: ShopConfig): Promise<Gateway> {
  try {
    return await startGateway({ port: config.gatewayPort, host: '127.0.0.1' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(
        `port ${config.gatewayPort} is taken, so the local payment gateway cannot start. Stop what uses it, set GATEWAY_PORT to another port (0 = any), or set STRIPE_API_BASE=http://127.0.0.1:${config.gatewayPort} to use a gateway that is already running there.`,
      );
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  if (config.trustProxy === true) {
    logger.warn('TRUST_PROXY=true believes every X-Forwarded-For hop, so a client picks its own address (rate limit, sign-in limit): set a hop count (TRUST_PROXY=1) or your proxies\' addresses instead');
  }

  const gateway = config.stripe.local && config.stripe.apiBase === null ? await startLocalGateway(config) : null;
  const apiBase = config.stripe.apiBase ?? gateway!.url;
  const jsUrl = stripeJsUrl(apiBase, config.stripe.publicBase);

  // The in-process gateway signs its webhooks with this secret and sends them to this shop.
  const webhookSecret = config.stripe.webhookSecret ?? (gateway ? `whsec_${randomBytes(24).toString('base64url')}` : null);
  if (webhookSecret === null) {
    logger.warn('STRIPE_WEBHOOK_SECRET is not set: POST /webhooks/stripe refuses every delivery (set it to the gateway’s signing secret)');
  }

  const rt = await startRuntime({ databaseUrl: config.databaseUrl, jobsUrl: config.jobsUrl, stripe: { ...config.stripe, apiBase }, charge: config.charge, logger });
  await seedDemoProducts(rt.store);

  const app = await buildApp({
    store: rt.store,
    errand: rt.errand,
    jobs: rt.jobs,
    stripe: { publishableKey: config.stripe.publishableKey, jsUrl, testMode: config.stripe.local },
    rateLimitPerMinute: config.rateLimitPerMinute,
    https: config.cookieSecure,
    trustProxy: config.trustProxy,
    ...(config.cookieSecret ? { cookieSecret: config.cookieSecret } : {}),
    webhookSecret,
    logger,
  });
  await mountConsole(app, rt.errand, createSalesSource(rt), { https: config.cookieSecure, store: rt.store });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shown = config.host === '0.0.0.0' || config.host === '127.0.0.1' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shown}:${port}`;
  if (gateway) {
    const reachable = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    gateway.setWebhook(`http://${reachable}:${port}/webhooks/stripe`, webhookSecret!);
  }

  const workers: Worker[] = [];
  if (config.workers > 0) {
    const worker = rt.errand.worker({ queues: { [PAYMENTS_QUEUE]: config.workers }, leaseMs: config.workerLeaseMs });
    await worker.start();
    workers.push(worker);
    await rt.jobs.scheduleReconcile(); // the coming tick, once whatever the number of processes
  }

  stopOnSignals(rt.errand, workers, async () => {
    await app.close(); // stop accepting, finish in-flight requests
    await gateway?.close(); // after the workers: their last charges complete first
    await rt.store.close().catch(() => {});
  });

  logger.info(
    { url, port, gatewayUrl: gateway?.url ?? null, stripe: config.stripe.local ? 'local' : apiBase, database: rt.db.dialect, workers: config.workers, console: '/admin' },
    'shop listening',
  );
  const lines = [
    '',
    `  Errand Shop is running at ${url}`,
    '',
    config.stripe.local
      ? `  Payments: local test gateway at ${apiBase} (no real money).`
      : `  Payments: Stripe at ${apiBase} (${config.stripe.secretKey.startsWith('sk_live_') ? 'LIVE keys: real money' : 'test keys'}).`,
    '  Test card:    4242 4242 4242 4242, any future expiry, any CVC',
    '  Decline card: 4000 0000 0000 0002',
    `  Workers: ${config.workers > 0 ? `${config.workers} in this process (payments queue)` : 'none here (WORKERS=0): run `npm run worker`'}`,
    `  Console: ${url}/admin`,
    `  Database: ${rt.db.dialect === 'sqlite' ? config.databaseUrl : 'PostgreSQL'}`,
    ...(config.jobsUrl ? [`  Jobs: ${redact(config.jobsUrl)} (enqueued through an outbox in the sales database)`] : []),
    '',
    '  Ctrl-C stops it.',
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`\nshop: configuration error: ${err.message}\n\n`);
  else process.stderr.write(`\nshop: failed to start: ${(err as Error)?.stack ?? err}\n\n`);
  process.exit(1);
});
