/** The escaping html`` tag and its helpers live in @errand/web (here `#web`): one copy for the console and the shop. */
export { Html, escapeHtml, html, qs, raw } from '#web';
export type { Renderable } from '#web';
