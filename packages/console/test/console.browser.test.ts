import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createErrand, defineJob, type Errand, type Worker } from 'errand';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../engine/test/helpers/signals.js';
import { errandConsole, registerMetrics } from '../src/index.js';
import { type Backend, PASSWORD, sqliteBackend } from './helpers.js';
import { notesSection } from './notes-section.js';

const CHROMIUM = '/usr/bin/chromium';
// UPDATE_SCREENSHOTS=1 refreshes the committed screenshots; otherwise they go to a temp dir, so a
// test run leaves the working tree clean.
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
const SHOTS = UPDATE ? new URL('./screenshots/', import.meta.url) : pathToFileURL(`${mkdtempSync(`${tmpdir()}/errand-console-shots-`)}/`);
const DOCS = new URL('../', import.meta.url);

/**
 * A real headless Chromium against the console on a real port: sign in, find a dead job, retry
 * it and see it complete; pause and resume a queue; use a host app's section. With UPDATE_SCREENSHOTS=1,
 * screenshots go to test/screenshots/ (and the dashboard to console-dashboard.png, the README picture).
 */
describe.runIf(existsSync(CHROMIUM))('console in a real browser', () => {
  let backend: Backend;
  let errand: Errand;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let worker: Worker;
  let url: string;
  let traffic: NodeJS.Timeout;
  let fixed = false;
  let deadId = 0;
  const notes = notesSection();

  const charge = defineJob<{ sale: string; email: string; amount: number; fail?: boolean }>({
    name: 'charge',
    maxAttempts: 1,
    handler: async (p) => {
      if (p.fail && !fixed) throw new Error(`card_declined: the gateway said no for ${p.email} <script>alert(1)</script>`);
    },
  });
  const receipt = defineJob<{ to: string; n: number }>({
    name: 'send-receipt',
    maxAttempts: 1,
    handler: async (p) => {
      if (p.n % 9 === 0) throw new Error('SMTP 451 try again later');
    },
  });

  beforeAll(async () => {
    backend = await sqliteBackend();
    errand = await createErrand({ databaseUrl: backend.url, logger: pino({ level: 'silent' }), jobs: [charge, receipt] });
    const [dead] = await errand.enqueueMany([charge.with({ sale: 'sale_7f3a9c', email: 'ada@example.com', amount: 4200, fail: true }, { queue: 'payments' })]);
    deadId = dead.id;
    await errand.enqueueMany(Array.from({ length: 40 }, (_, i) => receipt.with({ to: `user${i}@example.com`, n: i + 1 }, { queue: 'mail' })));
    await errand.drain();
    await errand.enqueueMany([
      ...Array.from({ length: 6 }, (_, i) => receipt.with({ to: `later${i}@example.com`, n: 100 + i }, { queue: 'mail', delayMs: 3_600_000 + i * 60_000 })),
      charge.with({ sale: 'sale_next', email: 'bo@example.com', amount: 1500 }, { queue: 'payments', delayMs: 600_000 }),
    ]);

    app = Fastify({ logger: false });
    await app.register(errandConsole, { prefix: '/admin', errand, sections: [notes], password: PASSWORD, title: 'Errand shop' });
    registerMetrics(app, { errand, sections: [notes] });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    worker = errand.worker({ queues: { payments: 2, mail: 4 } });
    await worker.start();
    // Some traffic so the live chart has something to draw.
    let n = 1000;
    traffic = setInterval(() => {
      errand.enqueueMany(Array.from({ length: 3 }, () => receipt.with({ to: 'x@example.com', n: n++ }, { queue: 'mail' }))).catch(() => {});
    }, 150);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(10_000);
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith('data:')) external.push(r.url());
    });
    page.on('pageerror', (e) => {
      throw e;
    });
    (page as unknown as { external: string[] }).external = external;
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    clearInterval(traffic);
    await browser?.close();
    await app?.close();
    await errand?.close();
    await backend?.drop();
  });

  it('signs in and shows the live dashboard', async () => {
    await page.goto(`${url}/admin/`);
    expect(page.url()).toContain('/admin/sign-in');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    await page.waitForFunction(() => document.querySelectorAll('.live-chart .line-ok').length > 0, null, { timeout: 15_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-rate=processed]')?.textContent) > 0, null, { timeout: 15_000 });
    await page.screenshot({ path: new URL('dashboard.png', SHOTS).pathname, fullPage: true });
    if (UPDATE) {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(new URL('dashboard.png', SHOTS), new URL('console-dashboard.png', DOCS));
    }
    expect((page as unknown as { external: string[] }).external).toEqual([]);
  });

  it('finds the dead job, retries it after confirming, and sees it complete', async () => {
    await page.click('a.stat-dead');
    await page.waitForURL(/state=dead/);
    await page.screenshot({ path: new URL('jobs-dead.png', SHOTS).pathname, fullPage: true });
    await page.click(`a.jobname[href="/admin/jobs/${deadId}"]`);
    await page.waitForURL(`${url}/admin/jobs/${deadId}`);
    // The error (from outside) is shown as text: no alert, no injected element.
    expect(await page.textContent('pre.error-message')).toContain('<script>alert(1)</script>');
    await page.click('summary');
    await page.screenshot({ path: new URL('job.png', SHOTS).pathname, fullPage: true });
    fixed = true;
    await page.click('button:has-text("Retry now")');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('.notice-ok:has-text("1 of 1 job retried")');
    await eventually(async () => {
      await page.reload();
      return (await page.textContent('h1 .badge')) === 'completed';
    });
    expect(await page.textContent('ol.timeline')).toContain('Completed');
  });

  it('pauses and resumes a queue', async () => {
    await page.click('nav a:has-text("Queues")');
    await page.waitForURL(`${url}/admin/queues`);
    await page.click('tr[data-queue="mail"] button:has-text("Pause")');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('.notice-ok:has-text("Queue mail paused.")');
    expect(await page.textContent('tr[data-queue="mail"] .badge-paused')).toBe('paused');
    expect((await errand.admin.queues()).find((q) => q.queue === 'mail')?.paused).toBe(true);
    await page.screenshot({ path: new URL('queues.png', SHOTS).pathname, fullPage: true });
    await page.click('tr[data-queue="mail"] button:has-text("Resume")');
    await page.waitForSelector('.notice-ok:has-text("Queue mail resumed.")');
    expect((await errand.admin.queues()).find((q) => q.queue === 'mail')?.paused).toBe(false);
  });

  it("opens a host app's section from the nav and posts its form (CSRF token and all)", async () => {
    await page.click('nav a:has-text("Notes")');
    await page.waitForURL(`${url}/admin/notes`);
    await page.fill('input[name=text]', 'water the plants');
    await page.click('button:has-text("Add note")');
    await page.waitForSelector('.notice-ok:has-text("Note added.")');
    expect(await page.textContent('#notes')).toContain('water the plants');
    expect(notes.notes).toEqual(['water the plants']);
    expect((page as unknown as { external: string[] }).external).toEqual([]);
  });
});
