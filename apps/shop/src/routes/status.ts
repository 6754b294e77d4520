import type { FastifyInstance } from 'fastify';
import type { ShopStore } from '../db/types.js';
import { isGuid } from '../sales/guid.js';
import { publicStatus } from '../sales/states.js';
import { rideThrough } from '../db/away.js';

export async function statusRoutes(app: FastifyInstance, o: { store: ShopStore }): Promise<void> {
  app.get<{ Params: { guid: string } }>('/status/:guid', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const { guid } = req.params;
    const sale = isGuid(guid) ? await rideThrough(() => o.store.getSale(guid)) : null;
    if (!sale) return reply.code(404).send({ error: 'no sale with this guid' });
    const status = publicStatus(sale.state);
    // The PaymentIntent waits for the customer's 3-D Secure answer: the page runs the challenge
    // with Stripe.js and this secret (it names this PaymentIntent only; the guid is unguessable).
    if (status === 'processing' && sale.clientSecret) return { guid, status: 'requires_action', clientSecret: sale.clientSecret };
    if (status !== 'error') return { guid, status };
    const error = sale.state === 'refunded' ? 'This purchase was refunded.' : (sale.errorMessage ?? 'The payment failed.');
    return { guid, status, error };
  });
}
