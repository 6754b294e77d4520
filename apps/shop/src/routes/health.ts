import type { FastifyInstance } from 'fastify';
import type { ShopStore } from '../db/types.js';

/** /healthz: the process answers. /readyz: and its database does (for load balancers). */
export async function healthRoutes(app: FastifyInstance, o: { store: ShopStore }): Promise<void> {
  app.get('/healthz', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return { ok: true };
  });
  app.get('/readyz', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    try {
      await o.store.ping();
      return { ok: true, database: 'up' };
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readyz: database unreachable');
      return reply.code(503).send({ ok: false, database: 'down', error: 'database unreachable' });
    }
  });
}
