/**
 * GET /return/:guid — where the 3-D Secure redirect flow brings the customer back (the
 * PaymentIntent's return_url, which the checkout page passes when Stripe.js cannot show its
 * modal). Stripe adds payment_intent, payment_intent_client_secret and redirect_status to the
 * query: none of them is read or echoed (the outcome reaches the sale by webhook or by the job,
 * never from a URL the customer can edit), and request logs carry no query string.
 *
 * A finished sale goes straight to its pickup page; any other goes back to its product's checkout
 * page with `?sale=<guid>`, where the page polls the sale's status again as it did before it left.
 * Never calls the gateway.
 */
import type { FastifyInstance } from 'fastify';
import { rideThrough } from '../db/away.js';
import type { ShopStore } from '../db/types.js';
import { isGuid } from '../sales/guid.js';
import { notFoundPage } from '../views/pickup.js';

export async function returnRoutes(app: FastifyInstance, o: { store: ShopStore }): Promise<void> {
  app.get<{ Params: { guid: string } }>('/return/:guid', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const { guid } = req.params;
    const sale = isGuid(guid) ? await rideThrough(() => o.store.getSale(guid)) : null;
    if (!sale) return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage('There is no purchase with this reference.'));
    const to = sale.state === 'finished' ? `/pickup/${guid}` : `/buy/${encodeURIComponent(sale.productPermalink)}?sale=${guid}`;
    return reply.code(303).header('Location', to).send();
  });
}
