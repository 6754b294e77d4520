/**
 * The /v3 stand-in in a real browser (Debian's chromium through playwright-core): a shop page on
 * another origin confirms PaymentIntents; 3-D Secure opens the gateway's challenge page in a modal
 * frame (use_stripe_sdk) or by redirect (return_url), and its buttons decide the outcome.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { type Stripe, sdk, start } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

describe.runIf(existsSync(CHROMIUM))('Stripe.js stand-in in a real browser', () => {
  let gw: Gateway;
  let stripe: Stripe;
  let shop: Server;
  let shopUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    gw = await start();
    stripe = sdk(gw);
    shop = createServer((req, res) => {
      // /strict and /no-frames: a shop page under a CSP with no inline anything (and, for
      // /no-frames, no frame allowed), its script from /app.js.
      const csp = (frames: string) =>
        `default-src 'self'; script-src 'self' ${gw.url}; connect-src ${gw.url}; frame-src ${frames}; style-src 'self'; img-src 'self' data:`;
      if (req.url === '/app.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(
          "window.violations = []; document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective + ' ' + e.blockedURI)); window.stripe = Stripe('pk_test_shop');",
        );
        return;
      }
      if (req.url === '/strict' || req.url === '/no-frames') {
        res
          .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp(req.url === '/strict' ? gw.url : "'none'") })
          .end(`<!doctype html><html><head><title>Strict</title><script src="${gw.url}/v3"></script><script src="/app.js"></script></head><body><h1>Strict shop</h1></body></html>`);
        return;
      }
      const body = req.url?.startsWith('/return')
        ? '<!doctype html><title>Returned</title><h1>Back at the shop</h1>'
        : `<!doctype html><html><head><title>Checkout</title><script src="${gw.url}/v3"></script></head>
<body><form id="pay"><div id="card"></div></form>
<script>window.stripe = Stripe('pk_test_shop'); window.card = stripe.elements().create('card'); card.mount('#card');</script></body></html>`;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(body);
    });
    await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
    shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    shop?.closeAllConnections();
    await new Promise((r) => shop?.close(r));
  });

  async function checkout(number: string) {
    await page.goto(`${shopUrl}/`);
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiry (MM / YY)').fill('12 / 40');
    await page.getByLabel('CVC').fill('123');
  }

  const challenge = () => page.frameLocator('iframe[title="3D Secure authentication"]');

  it('confirmCardPayment with a card Element: 3-D Secure in a modal, Complete authentication → succeeded', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', metadata: { sale_guid: 'b1' } });
    await checkout('4000 0027 6000 3184');
    const result = page.evaluate((secret) => (window as any).stripe.confirmCardPayment(secret, { payment_method: { card: (window as any).card } }), pi.client_secret);
    await expect.poll(() => page.getByRole('dialog', { name: '3D Secure authentication' }).count()).toBe(1);
    await challenge().getByRole('button', { name: 'Complete authentication' }).click();
    const { paymentIntent, error } = await result;
    expect(error).toBeUndefined();
    expect(paymentIntent).toMatchObject({ id: pi.id, status: 'succeeded' });
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('Fail authentication → { error: payment_intent_authentication_failure }', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd' });
    await checkout('4000 0025 0000 3155');
    const result = page.evaluate((secret) => (window as any).stripe.confirmCardPayment(secret, { payment_method: { card: (window as any).card } }), pi.client_secret);
    await challenge().getByRole('button', { name: 'Fail authentication' }).click();
    const { paymentIntent, error } = await result;
    expect(paymentIntent).toBeUndefined();
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'payment_intent_authentication_failure', payment_intent: { id: pi.id, status: 'requires_payment_method' } });
  });

  it('a decline comes back as { error } with the PaymentIntent; a card without 3-D Secure needs no modal', async () => {
    const declined = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd' });
    await checkout('4000 0000 0000 9995');
    const bad = await page.evaluate((secret) => (window as any).stripe.confirmCardPayment(secret, { payment_method: { card: (window as any).card } }), declined.client_secret);
    expect(bad.error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', payment_intent: { id: declined.id } });
    const ok = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd' });
    await checkout('4242 4242 4242 4242');
    const good = await page.evaluate((secret) => (window as any).stripe.confirmCardPayment(secret, { payment_method: { card: (window as any).card } }), ok.client_secret);
    expect(good.paymentIntent).toMatchObject({ status: 'succeeded' });
  });

  it('createPaymentMethod, a server-side confirm, then handleNextAction', async () => {
    await checkout('4000 0082 6000 3178');
    const { paymentMethod, error } = await page.evaluate(() =>
      (window as any).stripe.createPaymentMethod({ type: 'card', card: (window as any).card, billing_details: { name: 'Ada' } }),
    );
    expect(error).toBeUndefined();
    expect(paymentMethod).toMatchObject({ object: 'payment_method', card: { last4: '3178' }, billing_details: { name: 'Ada' } });
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: paymentMethod.id, confirm: true });
    expect(pi.next_action?.type).toBe('use_stripe_sdk');
    const result = page.evaluate((secret) => (window as any).stripe.handleNextAction({ clientSecret: secret }), pi.client_secret);
    await challenge().getByRole('button', { name: 'Complete authentication' }).click();
    const after = await result;
    // 4000 0082 6000 3178 authenticates, then is declined.
    expect(after.error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
  });

  it("under a strict CSP (style-src 'self', no inline): the modal is laid out through the CSSOM and nothing is blocked", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true });
    await page.goto(`${shopUrl}/strict`);
    const result = page.evaluate((secret) => (window as any).stripe.handleNextAction({ clientSecret: secret }), pi.client_secret);
    await challenge().getByRole('button', { name: 'Complete authentication' }).waitFor();
    const layout = await page.evaluate(() => {
      const overlay = document.querySelector('[role="dialog"]') as HTMLElement;
      const frame = overlay.querySelector('iframe') as HTMLIFrameElement;
      const o = getComputedStyle(overlay);
      const box = frame.getBoundingClientRect();
      return { position: o.position, display: o.display, zIndex: o.zIndex, background: o.backgroundColor, width: box.width, height: box.height, left: box.left, right: innerWidth - box.right, violations: (window as any).violations };
    });
    expect(layout).toMatchObject({ position: 'fixed', display: 'flex', zIndex: '2147483647', background: 'rgba(0, 0, 0, 0.45)', width: 420, height: 480, violations: [] });
    expect(Math.abs(layout.left - layout.right)).toBeLessThanOrEqual(1); // centered
    await challenge().getByRole('button', { name: 'Complete authentication' }).click();
    expect((await result).paymentIntent).toMatchObject({ id: pi.id, status: 'succeeded' });
    expect(await page.evaluate(() => (window as any).violations)).toEqual([]);
  });

  it('a page whose CSP refuses the frame: { error: authentication_frame_blocked }, nothing charged, and the redirect still works', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true });
    await page.goto(`${shopUrl}/no-frames`);
    const blocked = await page.evaluate((secret) => (window as any).stripe.handleNextAction({ clientSecret: secret }), pi.client_secret);
    expect(blocked.error).toMatchObject({ type: 'invalid_request_error', code: 'authentication_frame_blocked' });
    expect(blocked.error.payment_intent).toBeUndefined();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_action');
    // The page handles the next action itself: confirm again with a return_url, no use_stripe_sdk → redirect_to_url.
    const again = await page.evaluate(
      ([secret, returnUrl]) => (window as any).stripe.confirmCardPayment(secret, { return_url: returnUrl }, { handleActions: false }),
      [pi.client_secret, `${shopUrl}/return?from=no-frames`],
    );
    expect(again.paymentIntent.next_action).toMatchObject({ type: 'redirect_to_url', redirect_to_url: { return_url: `${shopUrl}/return?from=no-frames` } });
    await page.goto(again.paymentIntent.next_action.redirect_to_url.url);
    await page.getByRole('button', { name: 'Complete authentication' }).click();
    await page.waitForURL(/\/return\?from=no-frames&/);
    expect(new URL(page.url()).searchParams.get('redirect_status')).toBe('succeeded');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('return_url: redirect_to_url takes the page to the challenge and back', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: `${shopUrl}/return`,
    });
    await page.goto(`${shopUrl}/`);
    void page.evaluate((secret) => (window as any).stripe.handleNextAction({ clientSecret: secret }), pi.client_secret).catch(() => undefined);
    await page.getByRole('button', { name: 'Complete authentication' }).click();
    await page.waitForURL(/\/return\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('payment_intent')).toBe(pi.id);
    expect(url.searchParams.get('redirect_status')).toBe('succeeded');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });
});
