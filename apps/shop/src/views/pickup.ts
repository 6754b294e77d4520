import { formatMoney, html } from '@errand/web';
import type { Product, Sale } from '../db/types.js';
import { layout } from './layout.js';

export function pickupPage(sale: Sale, product: Product): string {
  const external = /^https:\/\//.test(product.delivery);
  const href = external ? product.delivery : `/pickup/${sale.guid}/download`;
  return layout({
    title: 'Thank you',
    body: html`<h1>Thank you for your purchase</h1>
<p class="done">Payment received: ${formatMoney(sale.amount, sale.currency)} for <strong>${product.name}</strong>.</p>
<p><a class="download" href="${href}"${external ? html` rel="noopener noreferrer"` : html` download`}>Download ${product.name}</a></p>
<p class="help">A receipt was sent to ${sale.email}. Your reference is <code>${sale.guid}</code>; this page stays available at its address.</p>
<p><a href="/">Back to the catalog</a></p>`,
  });
}

export function notFoundPage(what = 'This page does not exist.'): string {
  return layout({
    title: 'Not found',
    body: html`<h1>Not found</h1>
<p>${what}</p>
<p><a href="/">Back to the catalog</a></p>`,
  });
}
