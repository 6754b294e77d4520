import { type Html, html } from '../html.js';
import { csrfField, layout, type PageContext, type Section } from '../layout.js';

/**
 * The server-side confirmation step: a destructive POST that arrives without `confirmed=1`
 * answers with this page, which repeats the request with `confirmed=1`. In a browser with
 * JavaScript the same question is asked in a <dialog> first, so this page is rarely seen.
 */
export function confirmPage(
  ctx: PageContext,
  section: Section,
  o: { title: string; message: string; action: string; fields: [string, string][]; button: string; danger?: boolean; cancel: string; detail?: Html },
): Html {
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
