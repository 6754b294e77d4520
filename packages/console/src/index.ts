/**
 * @errand/console: the web console as a Fastify plugin, Prometheus metrics, and a standalone
 * server. Chosen exports only.
 */
export { errandConsole } from './plugin.js';
export type { ConsoleOptions } from './plugin.js';
export { createMetrics, registerMetrics } from './metrics.js';
export type { MetricsOptions } from './metrics.js';
export { startConsole } from './standalone.js';
export type { StartConsoleOptions } from './standalone.js';
export { SALE_STATES } from './sales.js';
export type { SalesSource, SaleState, SaleView } from './sales.js';
export { escapeHtml, html, raw } from './html.js';
