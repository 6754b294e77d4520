/**
 * @errand/web: web helpers shared by the shop and the console. Private: the console ships a
 * compiled copy (dist/web, imported as `#web`), the shop depends on it directly. Chosen exports only.
 */
export { Html, escapeHtml, html, isHtml, qs, raw } from './html.js';
export type { Renderable } from './html.js';
export { CURRENCY_EXPONENTS, currencyExponent, formatMoney } from './money.js';
export { absolute, badge, capped, duration, num, truncate, when } from './format.js';
export { constantTimeEqual } from './compare.js';
export { isForeignOrigin } from './origin.js';
export { fastifyTrustProxy, parseTrustProxy, type TrustProxy } from './trust-proxy.js';
