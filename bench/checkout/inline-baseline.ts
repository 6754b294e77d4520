/**
 * The classic design, for comparison only: POST /buy/:permalink validates the body, charges the
 * card through the gateway inside the request (stripe.charges.create, awaited) and answers when
 * the gateway has. Same body, same SDK settings as the shop's worker; no database, no job, so
 * everything it adds to the request is the gateway. Env: PORT, STRIPE_API_BASE, STRIPE_TIMEOUT_MS.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import Stripe from 'stripe';

const PRODUCTS: Record<string, { amount: number; currency: string }> = {
  'field-guide': { amount: 900, currency: 'usd' },
  'retry-poster': { amount: 500, currency: 'usd' },
  'idempotency-stickers': { amount: 300, currency: 'eur' },
};

const apiBase = new URL(process.env.STRIPE_API_BASE ?? 'http://127.0.0.1:12111');
const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? 'sk_test_errand_local', {
  host: apiBase.hostname,
  port: apiBase.port || 80,
  protocol: 'http',
  maxNetworkRetries: 0,
  timeout: Number(process.env.STRIPE_TIMEOUT_MS ?? 20_000),
  telemetry: false,
});

const app = Fastify({ logger: false });

app.post<{ Params: { permalink: string }; Body: { stripeToken: string; email: string } }>(
  '/buy/:permalink',
  {
    schema: {
      body: {
        type: 'object',
        required: ['stripeToken', 'email'],
        properties: { stripeToken: { type: 'string', minLength: 1, maxLength: 255 }, email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' } },
      },
    },
  },
  async (req, reply) => {
    const product = PRODUCTS[req.params.permalink];
    if (!product) return reply.code(404).send({ error: 'no product with this permalink' });
    const guid = randomUUID();
    try {
      const charge = await stripe.charges.create(
        { amount: product.amount, currency: product.currency, source: req.body.stripeToken, receipt_email: req.body.email, metadata: { guid } },
        { idempotencyKey: `sale-${guid}` },
      );
      return { guid, status: charge.status === 'succeeded' ? 'finished' : 'error' };
    } catch (err) {
      const e = err as { type?: string; message?: string };
      if (e.type === 'StripeCardError') return reply.code(402).send({ guid, status: 'error', error: e.message });
      return reply.code(502).send({ guid, status: 'error', error: 'payment gateway unavailable' });
    }
  },
);

app.get('/healthz', async () => ({ ok: true }));

await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' });
