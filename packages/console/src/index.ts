/**
 * @errand/console: the web console as a Fastify plugin, Prometheus metrics, and a standalone
 * server. Chosen exports only.
 */
export { errandConsole } from './plugin.ts';
export type { ConsoleOptions } from './plugin.ts';
export { createMetrics, registerMetrics } from './metrics.ts';
export type { MetricsOptions } from './metrics.ts';
export { startConsole } from './standalone.ts';
export type { StartConsoleOptions } from './standalone.ts';
export { SALE_STATES } from './sales.ts';
export type { SalesSource, SaleState, SaleView } from './sales.ts';
export { escapeHtml, html, raw } from './html.ts';
