import { type Html, html } from '../html.js';
import { csrfField, layout, type PageContext, type Section } from '../layout.js';

/** What a confirmation page asks and where its button posts. */
export interface ConfirmOptions {
  /** The question, as heading and window title: "Refund $19.99?". */
  title: string;
  /** What will happen, in a sentence. */
  message: string;
  /** Extra markup under the message (a list of ids, say). */
  detail?: Html;
  /** The URL the confirmed form posts to (with the prefix: `${base}/…`), usually the one that asked. */
  action: string;
  /** Hidden fields to post again, besides `_csrf` and `confirmed=1`. */
  fields: [string, string][];
  /** The button's label. */
  button: string;
  /** A red button (destructive) instead of the primary colour. */
  danger?: boolean;
  /** Where Cancel goes (with the prefix). */
  cancel: string;
}

/**
 * The server-side confirmation step: a destructive POST that arrives without `confirmed=1`
 * answers with this page, which repeats the request with `confirmed=1`. In a browser with
 * JavaScript the same question is asked in a <dialog> first, so this page is rarely seen.
 */
export function confirmPage(ctx: PageContext, section: Section, o: ConfirmOptions): Html {
  return layout(
    ctx,
    section,
    o.title,
    html`<section class="card confirm">
<h1>${o.title}</h1>
<p>${o.message}</p>
${o.detail ?? ''}
<form method="post" action="${o.action}">
${csrfField(ctx)}
${o.fields.map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<input type="hidden" name="confirmed" value="1">
<div class="actions"><a class="button" href="${o.cancel}">Cancel</a> <button type="submit" class="button ${o.danger ? 'danger' : 'primary'}">${o.button}</button></div>
</form>
</section>`,
  );
}
