/**
 * End to end in headless Chromium on the started app (`npm start`'s entry point as a child
 * process, SQLite, the local gateway and workers in process): a purchase to the pickup page, a
 * decline, a refund from the console's Sales section, a slow gateway, a keyboard-only purchase, a
 * double click, the 30-poll fallback.
 * Screenshots of each final screen go to test-results/screenshots/ (UPDATE_SCREENSHOTS=1: the
 * committed test/screenshots/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, fillCheckout, launchBrowser, screenshot, startShop } from './e2e-helpers.js';

const CONSOLE_PASSWORD = 'e2e-console-password';

// Every card number this file types; the browser must send them to the gateway, never to the shop.
const CARD_NUMBERS = /4242424242424242|4000000000000002/;

describe('checkout in a real browser (SQLite, in-process gateway and workers)', () => {
  let shop: Child & { url: string; gatewayUrl: string | null };
  let browser: Browser;
  let dir: string;
  const cardNumbersSeenByShop: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-e2e-'));
    [shop, browser] = await Promise.all([startShop({ DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`, CHARGE_BACKOFF_MS: '100', ERRAND_CONSOLE_PASSWORD: CONSOLE_PASSWORD }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    const code = await shop?.stop();
    expect(code).toBe(0); // SIGTERM is graceful
    // Card numbers and tokens never appear in the logs.
    expect(shop.output()).not.toMatch(CARD_NUMBERS);
    expect(shop.output()).not.toMatch(/tok_[A-Za-z0-9]{6}/);
    expect(cardNumbersSeenByShop).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    page.on('request', (req) => {
      // The numbers typed, not any run of digits: the hex form key a failed attempt makes can
      // hold 13 digits in a row.
      if (req.url().startsWith(shop.url) && CARD_NUMBERS.test(req.postData() ?? '')) cardNumbersSeenByShop.push(req.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    (page as any).jsErrors = errors;
    return page;
  }

  const salesFor = (email: string) => {
    const db = new Database(join(dir, 'shop.db'), { readonly: true });
    try {
      return db.prepare('SELECT guid, state FROM sales WHERE email = ?').all(email) as { guid: string; state: string }[];
    } finally {
      db.close();
    }
  };

  it('buys with 4242 4242 4242 4242 and lands on the pickup page with the download', async () => {
    const page = await newPage();
    await page.goto(`${shop.url}/`);
    await page.getByRole('link', { name: 'The Background Jobs Field Guide' }).click();
    await expect.poll(() => page.url()).toBe(`${shop.url}/buy/field-guide`);
    await expect.poll(() => page.getByRole('button', { name: /Buy for \$9\.00/ }).isEnabled()).toBe(true);
    await fillCheckout(page, 'e2e-4242@example.com', '4242424242424242');
    await page.getByRole('button', { name: /Buy for/ }).click();
    await page.waitForURL(/\/pickup\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you for your purchase');
    expect(await page.getByRole('link', { name: /Download The Background Jobs Field Guide/ }).getAttribute('href')).toMatch(/\/download$/);
    await screenshot(page, 'pickup-4242');
    expect((page as any).jsErrors).toEqual([]);
    expect(salesFor('e2e-4242@example.com').map((s) => s.state)).toEqual(['finished']);
  });

  it('refunds that sale from the console: sign in, Sales, the sale, Refund (confirmed in the dialog), refunded by the job', async () => {
    const [{ guid }] = salesFor('e2e-4242@example.com');
    const page = await newPage();
    await page.goto(`${shop.url}/admin/sales`);
    expect(page.url()).toContain('/admin/sign-in');
    await page.fill('#password', CONSOLE_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${shop.url}/admin/sales`);
    expect(await page.textContent('nav a[aria-current="page"]')).toBe('Sales');
    await screenshot(page, 'admin-sales');
    await page.click(`a[href="/admin/sales/${guid}"]`);
    await page.waitForURL(`${shop.url}/admin/sales/${guid}`);
    expect(await page.textContent('h1 .badge')).toBe('finished');
    await page.click('button:has-text("Refund")');
    await page.waitForSelector('#confirm-dialog[open]');
    expect(await page.textContent('#confirm-dialog .confirm-text')).toContain('Refund $9.00 to e2e-4242@example.com');
    await page.click('#confirm-ok');
    await page.waitForSelector('.notice-ok:has-text("Refund enqueued as job")');
    await expect
      .poll(async () => {
        await page.reload();
        return page.textContent('h1 .badge');
      }, { timeout: 15_000 })
      .toBe('refunded');
    expect(salesFor('e2e-4242@example.com').map((s) => s.state)).toEqual(['refunded']);
    expect((page as any).jsErrors).toEqual([]);
  });

  it('buys with 4000 0000 0000 0002: the decline is announced and the button is usable again', async () => {
    const page = await newPage();
    await page.goto(`${shop.url}/buy/retry-poster`);
    await fillCheckout(page, 'e2e-decline@example.com', '4000000000000002');
    const buy = page.getByRole('button', { name: /Buy for/ });
    await buy.click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toBe('Your card was declined.');
    expect(await alert.getAttribute('aria-live')).toBe('assertive');
    expect(await buy.isEnabled()).toBe(true);
    expect(await page.locator('.spinner').isHidden()).toBe(true);
    await screenshot(page, 'decline-4000000000000002');
    // Usable again: the same page, another card, goes through as a new sale.
    await page.getByLabel('Card number').fill('4242424242424242');
    await page.getByLabel('Expiry (MM / YY)').fill('12 / 40');
    await page.getByLabel('CVC').fill('123');
    await buy.click();
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    expect(salesFor('e2e-decline@example.com').map((s) => s.state).sort()).toEqual(['errored', 'finished']);
  });

  it('with 3 s of gateway latency: the button is disabled with a spinner, then the pickup page', async () => {
    const set = (faults: object) => fetch(`${shop.gatewayUrl}/_control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    expect((await set({ latencyMs: 3000 })).ok).toBe(true);
    try {
      const page = await newPage();
      await page.goto(`${shop.url}/buy/field-guide`);
      await fillCheckout(page, 'e2e-slow@example.com', '4242424242424242');
      const buy = page.getByRole('button', { name: /Buy for/ });
      await buy.click();
      await expect.poll(() => page.locator('.spinner').isVisible()).toBe(true);
      expect(await buy.isDisabled()).toBe(true);
      expect(await buy.getAttribute('aria-busy')).toBe('true');
      expect(await page.getByRole('status').textContent()).toBe('Processing your payment…');
      await screenshot(page, 'latency-3s-spinner');
      await page.waitForURL(/\/pickup\//, { timeout: 20_000 });
      await screenshot(page, 'latency-3s-pickup');
    } finally {
      await set({ latencyMs: 0 });
    }
  });

  it('buys with the keyboard alone', async () => {
    const page = await newPage();
    await page.goto(`${shop.url}/buy/field-guide`);
    await expect.poll(() => page.getByRole('button', { name: /Buy for/ }).isEnabled()).toBe(true);
    const active = () => page.evaluate(() => ({ id: document.activeElement?.id ?? '', ac: document.activeElement?.getAttribute('autocomplete') ?? '' }));
    for (let i = 0; i < 6 && (await active()).id !== 'email'; i++) await page.keyboard.press('Tab');
    expect((await active()).id).toBe('email');
    await page.keyboard.type('e2e-keyboard@example.com');
    await page.keyboard.press('Tab');
    expect((await active()).ac).toBe('cc-number');
    await page.keyboard.type('4242424242424242');
    if ((await active()).ac !== 'cc-exp') await page.keyboard.press('Tab');
    expect((await active()).ac).toBe('cc-exp');
    await page.keyboard.type('1240');
    if ((await active()).ac !== 'cc-csc') await page.keyboard.press('Tab');
    expect((await active()).ac).toBe('cc-csc');
    await page.keyboard.type('123');
    await page.keyboard.press('Tab');
    expect((await active()).id).toBe('buy');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    for (let i = 0; i < 6 && !(await page.evaluate(() => document.activeElement?.classList.contains('download'))); i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('download'))).toBe(true);
    await screenshot(page, 'keyboard-only-pickup');
  });

  it('a double click makes one sale', async () => {
    const page = await newPage();
    await page.goto(`${shop.url}/buy/field-guide`);
    await fillCheckout(page, 'e2e-double@example.com', '4242424242424242');
    await page.getByRole('button', { name: /Buy for/ }).dblclick();
    await page.waitForURL(/\/pickup\//, { timeout: 15_000 });
    expect(salesFor('e2e-double@example.com')).toHaveLength(1);
  });

  it('after about 30 polls it stops spinning: "taking longer than expected", with the reference', async () => {
    const page = await newPage();
    await page.clock.install();
    // The sale never settles, as seen by the page.
    await page.route('**/status/*', (route) => {
      const guid = route.request().url().split('/').pop();
      return route.fulfill({ json: { guid, status: 'processing' } });
    });
    await page.goto(`${shop.url}/buy/retry-poster`);
    await fillCheckout(page, 'e2e-polls@example.com', '4242424242424242');
    const posted = page.waitForResponse((r) => r.url().endsWith('/buy/retry-poster') && r.request().method() === 'POST');
    await page.getByRole('button', { name: /Buy for/ }).click();
    const { guid } = await (await posted).json();
    const status = page.getByRole('status');
    let polls = 0;
    while (!(await status.textContent())?.includes('longer') && polls < 60) {
      const next = page.waitForResponse((r) => r.url().includes('/status/'), { timeout: 5_000 });
      await page.clock.fastForward(500);
      await next;
      polls++;
    }
    expect(polls).toBeGreaterThanOrEqual(29);
    expect(polls).toBeLessThanOrEqual(32);
    expect(await status.textContent()).toBe(`This is taking longer than expected — we'll email you; your reference is ${guid}.`);
    expect(await page.locator('.spinner').isHidden()).toBe(true);
    await screenshot(page, 'taking-longer');
  });
});
