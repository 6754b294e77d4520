import { formatMoney, html } from '@errand/web';
import type { Product } from '../db/types.js';
import { layout } from './layout.js';

export interface CheckoutPageOptions {
  product: Product;
  csrfToken: string;
  formKey: string;
  publishableKey: string;
  stripeJsUrl: string;
  /** Offline (local gateway): show the test cards. */
  testMode: boolean;
}

export function checkoutPage(o: CheckoutPageOptions): string {
  const { product } = o;
  const price = formatMoney(product.price, product.currency);
  return layout({
    title: `Buy ${product.name}`,
    scripts: [o.stripeJsUrl, '/assets/checkout.js'],
    body: html`<h1>Buy ${product.name}</h1>
<p>${product.description}</p>
<p class="price">${price}</p>
<form id="checkout" class="checkout" method="post" action="/buy/${encodeURIComponent(product.permalink)}"
  data-publishable-key="${o.publishableKey}" novalidate>
  <input type="hidden" name="_csrf" value="${o.csrfToken}">
  <input type="hidden" name="formKey" value="${o.formKey}">
  <div class="field">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" aria-describedby="email-help">
    <p id="email-help" class="help">We send the receipt and the download link here.</p>
  </div>
  <fieldset class="field card">
    <legend>Card</legend>
    <div id="card-element"><p class="help" id="card-loading">Loading the secure card form…</p></div>
  </fieldset>
  <button type="submit" id="buy" class="buy" disabled>
    <span class="spinner" aria-hidden="true" hidden></span>
    <span class="label">Buy for ${price}</span>
  </button>
  <div class="messages">
    <p id="checkout-status" class="status" role="status" aria-live="polite"></p>
    <p id="checkout-error" class="error" role="alert" aria-live="assertive" tabindex="-1"></p>
  </div>
</form>
${
  o.testMode
    ? html`<aside class="testcards" aria-label="Test cards">
  <h2>Test mode</h2>
  <p>Use <strong>4242 4242 4242 4242</strong> with any future expiry and any CVC. To see a decline, use <strong>4000 0000 0000 0002</strong>.</p>
  <p>3-D Secure: <strong>4000 0027 6000 3184</strong> asks you to authenticate (Complete or Fail); <strong>4000 0082 6000 3178</strong> authenticates, then is declined for insufficient funds.</p>
</aside>`
    : ''
}`,
  });
}
