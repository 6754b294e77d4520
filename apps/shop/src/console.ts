/**
 * The web console at /admin and Prometheus metrics at /metrics: the console package's plugin,
 * given the shop's engine client and its own section, Sales (admin/sales-section.ts, over
 * sales/admin-source.ts), which also adds the errand_sales gauge to /metrics.
 */
import { errandConsole, registerMetrics } from '@errand/console';
import type { Errand } from 'errand';
import type { FastifyInstance } from 'fastify';
import { salesSection } from './admin/sales-section.js';
import { consoleSessionStore } from './admin/session-store.js';
import type { ShopStore } from './db/types.js';
import type { SalesSource } from './sales/admin-source.js';

export interface MountOptions {
  /** COOKIE_SECURE: the console's session cookie is Secure whatever the request's scheme looks like. */
  https?: boolean;
  /** Keep the console's sessions in this store's database (sign-out revokes them everywhere). Without it, the console's default (this process's memory). */
  store?: ShopStore;
}

/** Mount the console and the metrics endpoint. Call before app.listen/app.ready. */
export async function mountConsole(app: FastifyInstance, errand: Errand, sales: SalesSource, o: MountOptions = {}): Promise<void> {
  const sections = [salesSection(sales)];
  await app.register(errandConsole, { prefix: '/admin', errand, sections, secureCookies: o.https ? true : 'auto', ...(o.store ? { sessionStore: consoleSessionStore(o.store) } : {}) });
  registerMetrics(app, { errand, sections });
}
