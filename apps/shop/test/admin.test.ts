/**
 * The shop's console section (src/admin/): /admin/sales, one sale, and the refund action, on the
 * real store, behind the console's sign-in and CSRF check; and errand_sales on /metrics. (The
 * console's own pages and the extension point itself: packages/console/test.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountConsole } from '../src/console.js';
import { REFUND_JOB } from '../src/jobs/refund.js';
import { createSalesSource } from '../src/sales/admin-source.js';
import { newGuid } from '../src/sales/guid.js';
import { placeOrder } from '../src/sales/place-order.js';
import { createTestShop, type TestShop } from './helpers.js';

const PASSWORD = 'admin-test-password';
const XSS = '<script>alert(1)</script>';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the Sales section of the console', () => {
  let shop: TestShop;
  let cookie: string;
  let csrf: string;
  let savedPassword: string | undefined;
  const sale = { finished: '', errored: '', pending: '', finishedJob: 0 };

  const get = (path: string, signedIn = true) => shop.app.inject({ url: `/admin${path}`, headers: signedIn ? { cookie } : {} });
  const post = (path: string, fields: Record<string, string>, o: { token?: string | null; signedIn?: boolean } = {}) => {
    const token = o.token === undefined ? csrf : o.token;
    return shop.app.inject({
      method: 'POST',
      url: `/admin${path}`,
      headers: { ...form, ...(o.signedIn === false ? {} : { cookie }) },
      payload: new URLSearchParams(token === null ? fields : { ...fields, _csrf: token }).toString(),
    });
  };
  const order = async (email: string, permalink = 'field-guide') => {
    const product = (await shop.store.getProduct(permalink))!;
    const placed = await placeOrder(shop, { product, email, stripeToken: 'tok_visa', formKey: null });
    if (!placed.created) throw new Error('expected a new sale');
    return placed;
  };

  beforeAll(async () => {
    savedPassword = process.env.ERRAND_CONSOLE_PASSWORD;
    process.env.ERRAND_CONSOLE_PASSWORD = PASSWORD;
    shop = await createTestShop({ dialect: 'sqlite' });
    await mountConsole(shop.app, shop.errand, createSalesSource(shop));
    const finished = await order('ada@example.com');
    await shop.store.startCharge(finished.guid);
    await shop.store.markRequiresAction(finished.guid, 'pi_finished_1', 'pi_finished_1_secret_shh');
    await shop.store.markFinished(finished.guid, 'ch_finished_1', 'pi_finished_1');
    await shop.store.markDisputed('pi_finished_1', null);
    const errored = await order('bo@example.com', 'retry-poster');
    await shop.store.startCharge(errored.guid);
    await shop.store.markErrored(errored.guid, `Your card was declined. ${XSS}`, 'card_declined');
    const pending = await order('cy@example.com', 'idempotency-stickers');
    Object.assign(sale, { finished: finished.guid, errored: errored.guid, pending: pending.guid, finishedJob: finished.jobId });
    const signIn = await shop.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: `password=${PASSWORD}` });
    expect(signIn.statusCode).toBe(303);
    cookie = String(signIn.headers['set-cookie']).split(';')[0];
    csrf = /name="_csrf" value="([^"]+)"/.exec((await get('/')).body)![1];
  });
  afterAll(async () => {
    if (savedPassword === undefined) delete process.env.ERRAND_CONSOLE_PASSWORD;
    else process.env.ERRAND_CONSOLE_PASSWORD = savedPassword;
    await shop?.close();
  });

  it('is behind sign-in: pages redirect (303), the refund answers 401 and changes nothing', async () => {
    for (const path of ['/sales', '/sales?state=finished', `/sales/${sale.finished}`]) {
      const res = await get(path, false);
      expect(res.statusCode, path).toBe(303);
      expect(res.headers.location).toBe(`/admin/sign-in?next=${encodeURIComponent(`/admin${path}`)}`);
    }
    const refund = await post(`/sales/${sale.finished}/refund`, { confirmed: '1' }, { signedIn: false });
    expect(refund.statusCode).toBe(401);
    expect((await shop.store.getSale(sale.finished))?.refundJobId).toBeNull();
  });

  it('has a nav entry, and lists sales with amount, email, charge id and error, by state and by search', async () => {
    expect((await get('/')).body).toContain('<a href="/admin/sales">Sales</a>');
    const list = await get('/sales');
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-security-policy']).toContain("script-src 'self'");
    expect(list.body).toContain('<a href="/admin/sales" aria-current="page">Sales</a>');
    for (const text of ['$9.00', '$5.00', '€3.00', 'ada@example.com', 'ch_finished_1', 'card_declined', 'The Background Jobs Field Guide']) expect(list.body, text).toContain(text);
    expect(list.body).toMatch(/all <span class="count">3<\/span>/);
    expect(list.body).toContain('<span class="badge tone-ok">finished</span> <span class="count">1</span>');
    // The decline message comes from outside: escaped.
    expect(list.body).not.toContain(XSS);
    expect(list.body).toContain('declined. &lt;script&gt;alert(1)&lt;/script&gt;');
    const errored = await get('/sales?state=errored');
    expect(errored.body).toContain(`/admin/sales/${sale.errored}`);
    expect(errored.body).not.toContain(`/admin/sales/${sale.finished}`);
    const found = await get('/sales?search=cy%40example');
    expect(found.body).toContain(`/admin/sales/${sale.pending}`);
    expect(found.body).not.toContain(`/admin/sales/${sale.finished}`);
    expect((await get('/sales?search=nobody')).body).toContain('No sales match this search.');
    const bad = await get('/sales?state=bogus');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Unknown sale state');
  });

  it('shows one sale with its charge job, and Refund only when it is finished; 404 for no such sale', async () => {
    const detail = await get(`/sales/${sale.finished}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain(`href="/admin/jobs/${sale.finishedJob}"`);
    expect(detail.body).toContain(`action="/admin/sales/${sale.finished}/refund"`);
    expect(detail.body).toContain('data-confirm="Refund $9.00 to ada@example.com?');
    expect(detail.body).toContain(`name="_csrf" value="${csrf}"`);
    expect(detail.body).toContain('>Refund</button>');
    expect((await get(`/sales/${sale.errored}`)).body).not.toContain('>Refund</button>');
    for (const guid of [newGuid(), 'nope', '..%2F..%2Fetc']) {
      const res = await get(`/sales/${guid}`);
      expect(res.statusCode, guid).toBe(404);
      expect(res.body).toContain('No such sale.');
    }
  });

  it('refunds after confirmation: without a CSRF token 403; then a confirm page; then one shop.refund job and the notice', async () => {
    const path = `/sales/${sale.finished}/refund`;
    expect((await post(path, { confirmed: '1' }, { token: null })).statusCode).toBe(403);
    expect((await post(path, { confirmed: '1' }, { token: 'wrong' })).statusCode).toBe(403);
    const ask = await post(path, {});
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Refund $9.00?');
    expect(ask.body).toContain('ada@example.com');
    expect(ask.body).toContain(`action="/admin${path}"`);
    expect(ask.body).toContain('name="confirmed" value="1"');
    expect(ask.body).toContain(`href="/admin/sales/${sale.finished}">Cancel</a>`);
    expect((await shop.store.getSale(sale.finished))?.refundJobId).toBeNull();

    const done = await post(path, { confirmed: '1' });
    expect(done.statusCode).toBe(303);
    const { refundJobId } = (await shop.store.getSale(sale.finished))!;
    expect(refundJobId).toEqual(expect.any(Number));
    expect(done.headers.location).toBe(`/admin/sales/${sale.finished}?done=refund&job=${refundJobId}`);
    expect((await shop.errand.admin.getJob(refundJobId!))?.name).toBe(REFUND_JOB);
    const after = await shop.app.inject({ url: String(done.headers.location), headers: { cookie } });
    expect(after.body).toContain(`Refund enqueued as job #${refundJobId}; it runs in the background.`);
    expect(after.body).toContain(`href="/admin/jobs/${refundJobId}"`);
    // A second click while the job waits: the same job, not another.
    const again = await post(path, { confirmed: '1' });
    expect(again.headers.location).toBe(done.headers.location);
  });

  it('refuses to refund a sale that is not finished (409, the sale page with the reason) or does not exist (404)', async () => {
    const res = await post(`/sales/${sale.errored}/refund`, { confirmed: '1' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Not refunded: only a finished sale can be refunded; this one is errored');
    expect(res.body).toContain('bo@example.com');
    expect((await shop.store.getSale(sale.errored))?.refundJobId).toBeNull();
    expect((await post(`/sales/${newGuid()}/refund`, { confirmed: '1' })).statusCode).toBe(404);
  });

  it('counts sales per state on /metrics (errand_sales)', async () => {
    const res = await shop.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# HELP errand_sales Sales per state.');
    for (const line of ['errand_sales{state="pending"} 1', 'errand_sales{state="processing"} 0', 'errand_sales{state="finished"} 1', 'errand_sales{state="errored"} 1', 'errand_sales{state="refunded"} 0']) {
      expect(res.body, line).toContain(line);
    }
  });

  it("shows a sale's PaymentIntent, its 3-D Secure outcome, its dispute flag and its webhook events (never the client secret)", async () => {
    const payload = JSON.stringify({ id: 'evt_admin_1', type: 'charge.dispute.created', data: { object: {} } });
    await shop.store.recordWebhookEvent({ id: 'evt_admin_1', type: 'charge.dispute.created', saleGuid: sale.finished, payload }, (tx) =>
      shop.errand.enqueueSync(shop.jobs.webhook, { eventId: 'evt_admin_1' }, { tx, delayMs: 3_600_000 }),
    );
    const page = (await get(`/sales/${sale.finished}`)).body;
    expect(page).toMatch(/<dt>PaymentIntent<\/dt><dd class="mono">pi_finished_1<\/dd>/);
    expect(page).toMatch(/<dt>3-D Secure<\/dt><dd>[^<]*<[^>]*>authenticated/);
    expect(page).toMatch(/<dt>Dispute<\/dt><dd>[^<]*<[^>]*>disputed/);
    expect(page).toContain('evt_admin_1');
    expect(page).toContain('charge.dispute.created');
    expect(page).not.toContain('secret_shh');
    expect((await get('/sales')).body).toContain('disputed');
    const other = (await get(`/sales/${sale.pending}`)).body;
    expect(other).toContain('not asked');
    expect(other).toContain('No webhook events for this sale.');
  });
});

describe('COOKIE_SECURE', () => {
  it('makes the console session cookie Secure with no X-Forwarded-Proto, as the shop cookie is', async () => {
    const saved = process.env.ERRAND_CONSOLE_PASSWORD;
    process.env.ERRAND_CONSOLE_PASSWORD = PASSWORD;
    const shop = await createTestShop({ dialect: 'sqlite', app: { https: true } });
    try {
      await mountConsole(shop.app, shop.errand, createSalesSource(shop), { https: true });
      const signIn = await shop.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: `password=${PASSWORD}` });
      expect(signIn.statusCode).toBe(303);
      expect(String(signIn.headers['set-cookie'])).toMatch(/^errand_console=.*; Secure/);
      expect(String((await shop.app.inject('/buy/field-guide')).headers['set-cookie'])).toContain('; Secure');
    } finally {
      await shop.close();
      if (saved === undefined) delete process.env.ERRAND_CONSOLE_PASSWORD;
      else process.env.ERRAND_CONSOLE_PASSWORD = saved;
    }
  });
});
