/**
 * The web console at /admin and Prometheus metrics at /metrics: the console package's plugin,
 * given the shop's engine client and its sales (sales/admin-source.ts).
 */
import { errandConsole, registerMetrics } from '@errand/console';
import type { Errand } from 'errand';
import type { FastifyInstance } from 'fastify';
import type { SalesSource } from './sales/admin-source.js';

/** Mount the console and the metrics endpoint. Call before app.listen/app.ready. */
export async function mountConsole(app: FastifyInstance, errand: Errand, sales: SalesSource): Promise<boolean> {
  await app.register(errandConsole, { prefix: '/admin', errand, sales });
  registerMetrics(app, { errand, sales });
  return true;
}
