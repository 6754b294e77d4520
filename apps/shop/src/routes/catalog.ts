import type { FastifyInstance } from 'fastify';
import type { ShopStore } from '../db/types.js';
import { catalogPage } from '../views/catalog.js';
import { rideThrough } from '../db/away.js';

export async function catalogRoutes(app: FastifyInstance, o: { store: ShopStore }): Promise<void> {
  app.get('/', async (_req, reply) => {
    const products = await rideThrough(() => o.store.listProducts());
    return reply.type('text/html; charset=utf-8').send(catalogPage(products));
  });
}
