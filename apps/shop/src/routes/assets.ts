import type { FastifyInstance } from 'fastify';
import type { Assets } from '../assets.js';

export async function assetRoutes(app: FastifyInstance, o: { assets: Assets }): Promise<void> {
  app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
    const name = req.params.name;
    if (!Object.hasOwn(o.assets, name)) return reply.code(404).send({ error: 'no such asset' });
    const a = o.assets[name as keyof Assets];
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.header('Cache-Control', 'no-cache').header('ETag', a.etag).type(a.contentType).send(a.body);
  });
}
