/**
 * 3-D Secure end to end in headless Chromium, on the started app (npm start's entry point, SQLite,
 * the in-process gateway delivering signed webhooks to the shop, workers in process): the page
 * makes a PaymentMethod, the worker's PaymentIntent asks for authentication, the page shows the
 * gateway's challenge in Stripe.js's modal, and the answer reaches the sale. The modal is laid
 * out under the shop's real CSP (no inline styles) with nothing blocked. When the page may not
 * frame the gateway, the redirect flow: to the gateway's page, back through /return/:guid, pickup.
 * Screenshots: the challenge, and each outcome (test-results/screenshots/, or UPDATE_SCREENSHOTS=1).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, fillCheckout, launchBrowser, SCREENSHOTS, screenshot, startShop } from './e2e-helpers.js';

const CHALLENGE = 'iframe[title="3D Secure authentication"]';

describe('3-D Secure checkout in a real browser (SQLite, in-process gateway, webhooks and workers)', () => {
  let shop: Child & { url: string; gatewayUrl: string | null };
  let browser: Browser;
  /** For the pages whose answer the test rewrites (withoutFrames). */
  let lnaOff: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-e2e-3ds-'));
    [shop, browser, lnaOff] = await Promise.all([
      startShop({ DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`, CHARGE_BACKOFF_MS: '100' }),
      launchBrowser(),
      launchBrowser(['--disable-features=LocalNetworkAccessChecks']),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await lnaOff?.close();
    expect(await shop?.stop()).toBe(0);
    // Card numbers, PaymentMethods, client secrets and webhook secrets never appear in the logs.
    expect(shop.output()).not.toMatch(/4000002760003184|4000008260003178|_secret_[A-Za-z0-9]{6}|whsec_[A-Za-z0-9]{6}/);
    rmSync(dir, { recursive: true, force: true });
  });

  type TestPage = Page & { jsErrors: string[]; challengeRequests: string[]; documents: string[] };

  async function newPage(using: Browser = browser): Promise<TestPage> {
    const page = (await using.newPage({ viewport: { width: 900, height: 900 } })) as TestPage;
    page.jsErrors = [];
    page.challengeRequests = [];
    page.documents = [];
    page.on('pageerror', (e) => page.jsErrors.push(e.message));
    // Every console error counts, CSP reports included: the shop's CSP (style-src 'self', no
    // inline anything) must not block a thing the page or the gateway's Stripe.js stand-in does.
    page.on('console', (m) => {
      if (m.type() === 'error') page.jsErrors.push(m.text());
    });
    page.on('request', (r) => {
      if (r.url().includes('/3ds/')) page.challengeRequests.push(r.url());
      if (r.resourceType() === 'document') page.documents.push(new URL(r.url()).pathname);
    });
    return page;
  }

  const salesFor = (email: string) => {
    const db = new Database(join(dir, 'shop.db'), { readonly: true });
    try {
      return db.prepare('SELECT guid, state, three_d_secure, payment_intent_id FROM sales WHERE email = ? ORDER BY id').all(email) as {
        guid: string;
        state: string;
        three_d_secure: string | null;
        payment_intent_id: string | null;
      }[];
    } finally {
      db.close();
    }
  };

  async function buy(page: Page, product: string, email: string, card: string) {
    await page.goto(`${shop.url}/buy/${product}`);
    await expect.poll(() => page.getByRole('button', { name: /Buy for/ }).isEnabled(), { message: `the Buy button stays disabled: ${(page as TestPage).jsErrors?.join('\n')}` }).toBe(true);
    await fillCheckout(page, email, card);
    await page.getByRole('button', { name: /Buy for/ }).click();
  }

  /** Waits for the modal challenge and presses one of its buttons. */
  async function answer(page: Page, button: 'Complete authentication' | 'Fail authentication', shot?: string) {
    const dialog = page.getByRole('dialog', { name: '3D Secure authentication' });
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    const frame = page.frameLocator(CHALLENGE);
    await frame.getByRole('button', { name: button }).waitFor({ timeout: 10_000 });
    // Laid out by the stand-in itself, under the shop's CSP: a fixed, dimmed overlay with the frame centered.
    const layout = await page.evaluate((selector) => {
      const overlay = document.querySelector('[role="dialog"]') as HTMLElement;
      const box = (document.querySelector(selector) as HTMLElement).getBoundingClientRect();
      const o = getComputedStyle(overlay);
      return { position: o.position, display: o.display, background: o.backgroundColor, width: box.width, height: box.height, top: box.top, left: box.left };
    }, CHALLENGE);
    expect(layout).toEqual({ position: 'fixed', display: 'flex', background: 'rgba(0, 0, 0, 0.45)', width: 420, height: 480, top: 210, left: 240 });
    if (shot) {
      // The viewport, not the full page: Chromium leaves a cross-site frame blank in a full-page capture.
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}${shot}.png` });
    }
    await frame.getByRole('button', { name: button }).click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  }

  it('4000 0027 6000 3184 + Complete authentication → the pickup page', async () => {
    const page = await newPage();
    await buy(page, 'field-guide', 'e2e-3184@example.com', '4000002760003184');
    await answer(page, 'Complete authentication', '3ds-challenge');
    await page.waitForURL(/\/pickup\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you for your purchase');
    await screenshot(page, '3ds-3184-complete-pickup');
    expect(page.jsErrors).toEqual([]);
    expect(salesFor('e2e-3184@example.com')).toMatchObject([{ state: 'finished', three_d_secure: 'authenticated' }]);
  });

  it('4000 0027 6000 3184 + Fail authentication → a clear message; then 4242 in the same form → the pickup page', async () => {
    const page = await newPage();
    await buy(page, 'retry-poster', 'e2e-3ds-fail@example.com', '4000002760003184');
    await answer(page, 'Fail authentication');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toBe('Your card could not be authenticated, and it was not charged. Try again, or use another card.');
    const buyButton = page.getByRole('button', { name: /Buy for/ });
    expect(await buyButton.isEnabled()).toBe(true);
    expect(await page.locator('.spinner').isHidden()).toBe(true);
    await screenshot(page, '3ds-3184-fail-message');
    expect(salesFor('e2e-3ds-fail@example.com')).toMatchObject([{ state: 'errored', three_d_secure: 'failed' }]);
    // The same form, another card: a new sale, no challenge.
    const challengesBefore = page.challengeRequests.length;
    await page.getByLabel('Card number').fill('4242424242424242');
    await buyButton.click();
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    expect(page.challengeRequests.length).toBe(challengesBefore);
    expect(salesFor('e2e-3ds-fail@example.com').map((s) => s.state)).toEqual(['errored', 'finished']);
    expect(page.jsErrors).toEqual([]);
  });

  it('4000 0025 0000 3155 (authentication required) + Complete → the pickup page', async () => {
    const page = await newPage();
    await buy(page, 'field-guide', 'e2e-3155@example.com', '4000002500003155');
    await answer(page, 'Complete authentication');
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    await screenshot(page, '3ds-3155-pickup');
    expect(salesFor('e2e-3155@example.com')).toMatchObject([{ state: 'finished', three_d_secure: 'authenticated' }]);
  });

  it('4000 0082 6000 3178: authenticated, then the insufficient-funds message', async () => {
    const page = await newPage();
    await buy(page, 'field-guide', 'e2e-3178@example.com', '4000008260003178');
    await answer(page, 'Complete authentication');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toBe('Your card has insufficient funds.');
    expect(await page.getByRole('button', { name: /Buy for/ }).isEnabled()).toBe(true);
    await screenshot(page, '3ds-3178-insufficient-funds');
    expect(salesFor('e2e-3178@example.com')).toMatchObject([{ state: 'errored', three_d_secure: 'authenticated' }]);
  });

  /**
   * A page whose CSP refuses to frame the gateway (as a stricter shop, or an extension, could): the
   * modal cannot be shown. The checkout page's answer is rewritten by Playwright; Chromium then sees
   * a page from no address space loading the gateway on 127.0.0.1, which its Local Network Access
   * checks refuse, so these pages live in a browser started without those checks.
   */
  async function withoutFrames(page: TestPage): Promise<void> {
    await page.route(`${shop.url}/buy/**`, async (route) => {
      if (route.request().resourceType() !== 'document') return route.continue();
      const response = await route.fetch();
      const headers = response.headers();
      headers['content-security-policy'] = headers['content-security-policy'].replace(/frame-src [^;]*/, "frame-src 'none'");
      return route.fulfill({ response, headers });
    });
  }
  /** The browser's own report of the frame it refused (expected in the redirect tests, and only that). */
  const refusedFrame = (e: string) => /^Framing '.*' violates the following Content Security Policy directive: "frame-src 'none'"/.test(e);

  it("redirect flow: the page may not frame the gateway → 3184 on the gateway's page, Complete → back through /return/:guid → pickup", async () => {
    const page = await newPage(lnaOff);
    await withoutFrames(page);
    await buy(page, 'field-guide', 'e2e-redirect@example.com', '4000002760003184');
    await page.waitForURL(/\/3ds\/3ds_[A-Za-z0-9]+$/, { timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(shop.gatewayUrl);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('3D Secure authentication');
    await screenshot(page, '3ds-redirect-challenge');
    await page.getByRole('button', { name: 'Complete authentication' }).click();
    await page.waitForURL(/\/pickup\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you for your purchase');
    await screenshot(page, '3ds-redirect-pickup');
    const [sale] = salesFor('e2e-redirect@example.com');
    expect(sale).toMatchObject({ state: 'finished', three_d_secure: 'authenticated' });
    // Checkout, the bank's page, /return/:guid, then the checkout page again or pickup straight away.
    const shopDocs = page.documents.filter((d) => !d.startsWith('/3ds/'));
    expect(shopDocs[0]).toBe('/buy/field-guide');
    expect(shopDocs).toContain(`/return/${sale.guid}`);
    expect(shopDocs.at(-1)).toBe(`/pickup/${sale.guid}`);
    expect(page.jsErrors.filter((e) => !refusedFrame(e))).toEqual([]);
    expect(page.jsErrors.filter(refusedFrame).length).toBeGreaterThan(0); // the modal really was refused
  });

  it('redirect flow, Fail authentication → back on the checkout page with the message; the form works again', async () => {
    const page = await newPage(lnaOff);
    await withoutFrames(page);
    await buy(page, 'retry-poster', 'e2e-redirect-fail@example.com', '4000002760003184');
    await page.waitForURL(/\/3ds\//, { timeout: 15_000 });
    await page.getByRole('button', { name: 'Fail authentication' }).click();
    await page.waitForURL(`${shop.url}/buy/retry-poster`, { timeout: 15_000 }); // ?sale=… is dropped once read
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toBe('Your card could not be authenticated, and it was not charged. Try again, or use another card.');
    expect(await page.getByRole('button', { name: /Buy for/ }).isEnabled()).toBe(true);
    await screenshot(page, '3ds-redirect-fail-message');
    expect(salesFor('e2e-redirect-fail@example.com')).toMatchObject([{ state: 'errored', three_d_secure: 'failed' }]);
    await fillCheckout(page, 'e2e-redirect-fail@example.com', '4242424242424242');
    await page.getByRole('button', { name: /Buy for/ }).click();
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    expect(salesFor('e2e-redirect-fail@example.com').map((s) => s.state)).toEqual(['errored', 'finished']);
    expect(page.jsErrors.filter((e) => !refusedFrame(e))).toEqual([]);
  });

  it('4242 4242 4242 4242 never shows a challenge', async () => {
    const page = await newPage();
    await buy(page, 'field-guide', 'e2e-no-3ds@example.com', '4242424242424242');
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    expect(page.challengeRequests).toEqual([]);
    expect(salesFor('e2e-no-3ds@example.com')).toMatchObject([{ state: 'finished', three_d_secure: null }]);
    expect(page.jsErrors).toEqual([]);
  });
});
