/**
 * @errand/console: the web console as a Fastify plugin, Prometheus metrics, and a standalone
 * server. Chosen exports only.
 */
export { errandConsole } from './plugin.js';
export type { ConsoleOptions } from './plugin.js';
export { MemorySessionStore } from './session-store.js';
export type { SessionStore } from './session-store.js';
export { createMetrics, registerMetrics } from './metrics.js';
export type { MetricsOptions } from './metrics.js';
export { startConsole } from './standalone.js';
export type { StartConsoleOptions } from './standalone.js';

// The extension point: a host app's own sections (nav entry, pages, actions) behind the
// console's sign-in and CSRF check, and what they render with. See README "Sections".
export type { ConsoleScope, ConsoleSection, GaugeValue, SectionGauge, SectionHandler, SectionRequest, SectionResult } from './sections.js';
export type { ConfirmOptions } from './pages/confirm.js';
export type { NavEntry, PageContext, Tone } from './layout.js';
export type { Html, Renderable } from './html.js';
/** Escape-by-default HTML: html`<p>${untrusted}</p>`; raw() for trusted constants; qs() for a query string. */
export { escapeHtml, html, qs, raw } from './html.js';
/** A hidden `_csrf` field for a form (every POST needs it), a status notice, a coloured tag. */
export { csrfField, notice, tag } from './layout.js';
/** Display helpers: "3 min ago" with the UTC time as tooltip, an absolute UTC time, 1,234, "long tex…". */
export { absolute, num, truncate, when } from './format.js';
/** One query or form parameter as a bounded, trimmed string ('' when missing). */
export { param } from './deps.js';
