/**
 * GET /buy/:permalink — the checkout page. POST /buy/:permalink — validate, then one transaction
 * (sale + charge job), answer {guid}. Never calls the gateway: the worker does.
 */
import { randomBytes } from 'node:crypto';
import type { Errand } from 'errand';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type PlaceResult, type Product, type ShopStore, TokenUsedError } from '../db/types.js';
import type { ShopJobs } from '../jobs/index.js';
import { placeOrder } from '../sales/place-order.js';
import { csrfTokenFor, formCsrfHook, originProblem } from '../security/csrf.js';
import { checkoutPage } from '../views/checkout.js';
import { notFoundPage } from '../views/pickup.js';
import { buyBodySchema, emailCharacterProblem, FORM_KEY_PATTERN, PERMALINK, paymentSourceProblem } from './schemas.js';
import { rideThrough } from '../db/away.js';
import { inRequestSpan } from '../tracing.js';

export interface CheckoutOptions {
  store: ShopStore;
  errand: Errand;
  jobs: ShopJobs;
  publishableKey: string;
  stripeJsUrl: string;
  testMode: boolean;
  cookieSecure: boolean;
  rateLimitPerMinute: number;
  /** Bytes; a larger body is answered 413. */
  bodyLimit: number;
  /** Default RIDE_THROUGH_MS (sales/place-order.ts). */
  rideThroughMs?: number;
}

interface BuyBody {
  /** pm_… from Stripe.js's createPaymentMethod, or (the seed's form) a tok_… as stripeToken. */
  paymentMethod?: string;
  stripeToken?: string;
  email: string;
  formKey?: string;
  _csrf?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    product?: Product;
  }
}

const FORM_KEY = new RegExp(FORM_KEY_PATTERN);

async function findProduct(store: ShopStore, permalink: string): Promise<Product | null> {
  return PERMALINK.test(permalink) ? rideThrough(() => store.getProduct(permalink)) : null;
}

export async function checkoutRoutes(app: FastifyInstance, o: CheckoutOptions): Promise<void> {
  app.get<{ Params: { permalink: string } }>('/buy/:permalink', async (req, reply) => {
    const product = await findProduct(o.store, req.params.permalink);
    if (!product) return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage('No product with this name.'));
    reply.header('Cache-Control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(
      checkoutPage({
        product,
        csrfToken: csrfTokenFor(reply),
        formKey: randomBytes(16).toString('base64url'),
        publishableKey: o.publishableKey,
        stripeJsUrl: o.stripeJsUrl,
        testMode: o.testMode,
      }),
    );
  });

  app.post<{ Params: { permalink: string }; Body: BuyBody }>(
    '/buy/:permalink',
    {
      bodyLimit: o.bodyLimit,
      schema: { body: buyBodySchema },
      config: o.rateLimitPerMinute > 0 ? { rateLimit: { max: o.rateLimitPerMinute, timeWindow: 60_000 } } : {},
      // Before the schema: an unknown product is 404 whatever the body, and a forged form is 403.
      preValidation: [
        async (req: FastifyRequest<{ Params: { permalink: string } }>, reply: FastifyReply) => {
          const product = await findProduct(o.store, req.params.permalink);
          if (!product) return reply.code(404).send({ error: 'no product with this permalink' });
          const problem = originProblem(req);
          if (problem) return reply.code(403).send({ error: problem });
          req.product = product;
        },
        formCsrfHook(app),
        async (req: FastifyRequest, reply: FastifyReply) => {
          const emailProblem = emailCharacterProblem((req.body as { email?: unknown } | undefined)?.email);
          if (emailProblem) return reply.code(400).send({ error: emailProblem });
        },
      ],
    },
    async (req, reply) => {
      const product = req.product!;
      const header = req.headers['idempotency-key'];
      const formKey = req.body.formKey ?? (typeof header === 'string' ? header : null);
      if (formKey !== null && !FORM_KEY.test(formKey)) {
        return reply.code(400).send({ error: 'Idempotency-Key is malformed: expected 16 to 128 letters, digits, - or _' });
      }
      const sourceProblem = paymentSourceProblem(req.body);
      if (sourceProblem) return reply.code(400).send({ error: sourceProblem });
      // The sale's payment source (its stripe_token column): the PaymentMethod, or the token.
      const source = (req.body.paymentMethod ?? req.body.stripeToken)!;
      let placed: PlaceResult;
      try {
        // In the request's span (if the app traces), so the charge job's attempts join its trace.
        const order = { product, email: req.body.email, stripeToken: source, formKey };
        placed = await inRequestSpan('POST /buy/:permalink', { 'http.request.method': 'POST', 'http.route': '/buy/:permalink' }, () => placeOrder(o, order));
      } catch (err) {
        if (err instanceof TokenUsedError) return reply.code(400).send({ error: err.message });
        throw err;
      }
      // As Stripe does: a replay with the same parameters answers the first sale; the same key
      // with other parameters is refused, and nothing of the first sale is shown (422, as the
      // IETF Idempotency-Key draft says; Stripe answers 400 idempotency_error and keeps 409 for
      // a key still in flight).
      if (!placed.created && (placed.productId !== product.id || placed.email !== req.body.email || placed.stripeToken !== source)) {
        return reply.code(422).send({
          error: 'This form (or Idempotency-Key) was already used with other details (product, email or card). Reload the page, or send a new Idempotency-Key, and try again.',
        });
      }
      reply.header('Cache-Control', 'no-store');
      return { guid: placed.guid };
    },
  );
}
