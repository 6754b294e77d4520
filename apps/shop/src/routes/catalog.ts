import type { FastifyInstance } from 'fastify';
import type { ShopStore } from '../db/types.js';
import { catalogPage } from '../views/catalog.js';

export async function catalogRoutes(app: FastifyInstance, o: { store: ShopStore }): Promise<void> {
  app.get('/', async (_req, reply) => {
    const products = await o.store.listProducts();
    return reply.type('text/html; charset=utf-8').send(catalogPage(products));
  });
}
