import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Product, Sale, ShopStore } from '../db/types.js';
import { isGuid } from '../sales/guid.js';
import { notFoundPage, pickupPage } from '../views/pickup.js';
import { rideThrough } from '../db/away.js';

const DOWNLOADS = new URL('../../downloads/', import.meta.url);
const FILE_NAME = /^[a-z0-9][a-z0-9._-]{0,100}$/;

export async function pickupRoutes(app: FastifyInstance, o: { store: ShopStore }): Promise<void> {
  /** The finished sale and its product, or null (unknown guid, not finished). */
  async function finished(guid: string): Promise<{ sale: Sale; product: Product } | null> {
    if (!isGuid(guid)) return null;
    const sale = await rideThrough(() => o.store.getSale(guid));
    if (sale?.state !== 'finished') return null;
    const product = await rideThrough(() => o.store.getProduct(sale.productPermalink));
    return product ? { sale, product } : null;
  }
  const notFound = (reply: FastifyReply) =>
    reply.code(404).type('text/html; charset=utf-8').send(notFoundPage('There is nothing to pick up here: the purchase is unknown or not paid yet.'));

  app.get<{ Params: { guid: string } }>('/pickup/:guid', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const found = await finished(req.params.guid);
    if (!found) return notFound(reply);
    return reply.type('text/html; charset=utf-8').send(pickupPage(found.sale, found.product));
  });

  app.get<{ Params: { guid: string } }>('/pickup/:guid/download', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const found = await finished(req.params.guid);
    if (!found || !FILE_NAME.test(found.product.delivery) || found.product.delivery.includes('..')) return notFound(reply);
    let body: Buffer;
    try {
      body = await readFile(new URL(found.product.delivery, DOWNLOADS));
    } catch {
      req.log.error({ product: found.product.permalink }, 'pickup: the product file is missing');
      return notFound(reply);
    }
    return reply
      .type('application/octet-stream')
      .header('Content-Disposition', `attachment; filename="${found.product.delivery}"`)
      .send(body);
  });
}
