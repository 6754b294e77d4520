import { formatMoney, html } from '@errand/web';
import type { Product } from '../db/types.js';
import { layout } from './layout.js';

export function catalogPage(products: Product[]): string {
  return layout({
    title: 'Catalog',
    body: html`<h1>Catalog</h1>
<ul class="products">
${products.map(
  (p) => html`<li class="product">
  <h2><a href="/buy/${encodeURIComponent(p.permalink)}">${p.name}</a></h2>
  <p>${p.description}</p>
  <p class="price">${formatMoney(p.price, p.currency)}</p>
</li>
`,
)}</ul>
${products.length === 0 ? html`<p>No products yet.</p>` : ''}`,
  });
}
