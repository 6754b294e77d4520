/**
 * buildApp: the shop's Fastify instance, from its dependencies (for `npm start`, and for tests
 * through `app.inject`). No listening, no workers, no gateway here.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { Errand } from 'errand';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Assets, buildAssets } from './assets.js';
import { fastifyTrustProxy, type TrustProxy } from '@errand/web';
import type { ShopStore } from './db/types.js';
import type { ShopJobs } from './jobs/index.js';
import { assetRoutes } from './routes/assets.js';
import { catalogRoutes } from './routes/catalog.js';
import { checkoutRoutes } from './routes/checkout.js';
import { installErrorHandlers } from './routes/errors.js';
import { healthRoutes } from './routes/health.js';
import { pickupRoutes } from './routes/pickup.js';
import { returnRoutes } from './routes/return.js';
import { statusRoutes } from './routes/status.js';
import { randomCookieSecret, registerCsrf } from './security/csrf.js';
import { clientErrorHandler, frameworkErrors, securityHeaders } from './security/framework-errors.js';
import { registerSecurityHeaders, shopHelmetOptions } from './security/headers.js';
import { webhookRoutes } from './webhooks/route.js';

export interface AppOptions {
  store: ShopStore;
  errand: Errand;
  jobs: ShopJobs;
  stripe: {
    publishableKey: string;
    /** https://js.stripe.com/v3, or the local gateway's /v3. */
    jsUrl: string;
    /** Show the test cards on the checkout page. */
    testMode: boolean;
  };
  /** POST /buy per IP per minute; 0 disables. Default 30. */
  rateLimitPerMinute?: number;
  /** Secure cookies and HSTS (serving over HTTPS). Default false. */
  https?: boolean;
  /** Fastify's trustProxy (TRUST_PROXY): false, a hop count, proxy addresses/CIDRs, or true. */
  trustProxy?: TrustProxy;
  /** A pino logger, or false for none (tests). */
  logger?: Logger | false;
  /**
   * Signs the shop's cookies (the CSRF secret): COOKIE_SECRET. Every web process must share it;
   * default: random per process.
   */
  cookieSecret?: string;
  /**
   * STRIPE_WEBHOOK_SECRET (whsec_…) that POST /webhooks/stripe checks signatures with; null or
   * absent: the route refuses every delivery (400).
   */
  webhookSecret?: string | null;
  /** Largest POST /buy body in bytes. Default 4 KiB. */
  bodyLimit?: number;
  assets?: Assets;
  /** How long POST /buy rides through a database restart before answering 503. Default 10 s. */
  rideThroughMs?: number;
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const https = o.https ?? false;
  const headers = securityHeaders(shopHelmetOptions({ stripeJsUrl: o.stripe.jsUrl, https }));
  const app = Fastify({
    // Fastify's own answers (a bad %-escape, an overlong parameter, a request Node's parser
    // refuses) carry the same security headers as the rest and never echo the URL.
    frameworkErrors: frameworkErrors(headers),
    clientErrorHandler: clientErrorHandler(headers),
    ...(o.logger ? { loggerInstance: o.logger } : { logger: false }),
    trustProxy: fastifyTrustProxy(o.trustProxy ?? false),
    bodyLimit: 64 * 1024,
    // Fastify's default ajv options, but an email is never coerced from a number and a body is
    // never "fixed up": what fails the schema is refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  // Only JSON and urlencoded bodies: text/plain (which a cross-site form can send) is a 415.
  app.removeContentTypeParser('text/plain');
  const rateLimitPerMinute = o.rateLimitPerMinute ?? 30;

  await app.register(cookie, { secret: o.cookieSecret ?? randomCookieSecret() });
  await registerCsrf(app, { secure: https });
  await app.register(formbody, { bodyLimit: o.bodyLimit ?? 4096 });
  if (rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) =>
        Object.assign(new Error(`Too many purchase attempts from your address; try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`), { statusCode: 429 }),
    });
  }
  await registerSecurityHeaders(app, { stripeJsUrl: o.stripe.jsUrl, https });

  const assets = o.assets ?? (await buildAssets());
  await app.register(assetRoutes, { assets });
  await app.register(catalogRoutes, { store: o.store });
  await app.register(checkoutRoutes, {
    store: o.store,
    errand: o.errand,
    jobs: o.jobs,
    publishableKey: o.stripe.publishableKey,
    stripeJsUrl: o.stripe.jsUrl,
    testMode: o.stripe.testMode,
    cookieSecure: https,
    rateLimitPerMinute,
    bodyLimit: o.bodyLimit ?? 4096,
    rideThroughMs: o.rideThroughMs,
  });
  await app.register(statusRoutes, { store: o.store });
  await app.register(pickupRoutes, { store: o.store });
  await app.register(returnRoutes, { store: o.store });
  await app.register(healthRoutes, { store: o.store });
  await app.register(webhookRoutes, { store: o.store, errand: o.errand, job: o.jobs.webhook, secret: o.webhookSecret ?? null });
  return app;
}
