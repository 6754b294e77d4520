/**
 * Every route and every bad input, in process (app.inject), on SQLite and on PostgreSQL:
 * a bad request is a 4xx with a reason, never a 500, and never a written sale or job.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../../../packages/engine/test/helpers/pg.js';
import { counts, createTestShop, type Dialect, type TestShop } from './helpers.js';

const TOKEN = 'tok_visa';
const cases: Dialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite'];

function cookieFrom(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : (setCookie ?? '');
  return line.split(';')[0];
}

function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]+)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name}`);
  return m[1];
}

describe.each(cases)('HTTP on %s', (dialect) => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop({ dialect });
  });
  afterAll(async () => {
    await shop?.close();
  });

  const buy = (body: unknown, headers: Record<string, string> = {}, permalink = 'field-guide') =>
    shop.app.inject({
      method: 'POST',
      url: `/buy/${permalink}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('GET / lists every product, each linking to /buy/:permalink', async () => {
    const res = await shop.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    for (const p of await shop.store.listProducts()) expect(res.body).toContain(`href="/buy/${p.permalink}"`);
    expect(res.body).toContain('$9.00');
  });

  it('GET /buy/:permalink renders the checkout: product, labelled email, card mount, Buy button, keys, CSRF cookie', async () => {
    const res = await shop.app.inject('/buy/field-guide');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('The Background Jobs Field Guide');
    expect(res.body).toMatch(/<label for="email">Email<\/label>/);
    expect(res.body).toContain('id="card-element"');
    expect(res.body).toMatch(/<button type="submit" id="buy"/);
    expect(res.body).toContain('aria-live="assertive"');
    expect(res.body).toContain('<script src="http://127.0.0.1:12111/v3" defer>');
    expect(res.body).toContain('<script src="/assets/checkout.js" defer>');
    expect(res.body).not.toMatch(/<script>(?!<)/); // no inline script
    expect(hidden(res.body, 'formKey')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const csrf = hidden(res.body, '_csrf');
    // The cookie holds a signed secret; the form a token made from it (not the same value).
    expect(cookieFrom(res.headers['set-cookie'])).toMatch(/^shop_csrf=[^.;]+\.[A-Za-z0-9+/_-]+$/);
    expect(cookieFrom(res.headers['set-cookie'])).not.toContain(csrf);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    // A second load gets another form key (one per form).
    const again = await shop.app.inject('/buy/field-guide');
    expect(hidden(again.body, 'formKey')).not.toBe(hidden(res.body, 'formKey'));
  });

  it('serves security headers with a CSP allowing only our origin and the gateway (Stripe.js)', async () => {
    const res = await shop.app.inject('/buy/field-guide');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' http://127.0.0.1:12111");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:12111");
    expect(csp).toContain('frame-src http://127.0.0.1:12111');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('GET /buy/unknown is a 404', async () => {
    expect((await shop.app.inject('/buy/nope')).statusCode).toBe(404);
    expect((await shop.app.inject('/buy/..%2F..%2Fetc')).statusCode).toBe(404);
  });

  it('POST /buy (JSON) writes the sale and enqueues its charge in one transaction, answers {guid}', async () => {
    const res = await buy({ stripeToken: TOKEN, email: 'ada@example.com' });
    expect(res.statusCode).toBe(200);
    const { guid } = res.json();
    expect(guid).toMatch(/^[0-9a-f-]{36}$/);
    const sale = (await shop.store.getSale(guid))!;
    expect(sale).toMatchObject({ state: 'pending', amount: 900, currency: 'usd', email: 'ada@example.com', stripeToken: TOKEN, productPermalink: 'field-guide' });
    const job = (await shop.errand.admin.getJob(sale.chargeJobId!))!;
    expect(job).toMatchObject({ name: 'shop.charge', queue: 'payments', state: 'available', payload: { guid } });
  });

  it('POST /buy form-encoded needs the CSRF cookie and field to match', async () => {
    const page = await shop.app.inject('/buy/retry-poster');
    const csrf = hidden(page.body, '_csrf');
    const formKey = hidden(page.body, 'formKey');
    const cookie = cookieFrom(page.headers['set-cookie']);
    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      shop.app.inject({
        method: 'POST',
        url: '/buy/retry-poster',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
    const before = await counts(shop);
    const noCookie = await form({ _csrf: csrf, formKey, email: 'a@b.co', stripeToken: TOKEN });
    expect(noCookie.statusCode).toBe(403);
    expect(noCookie.json().error).toMatch(/expired or was sent from another site/);
    expect((await form({ formKey, email: 'a@b.co', stripeToken: TOKEN }, { cookie })).statusCode).toBe(403);
    expect((await form({ _csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`, formKey, email: 'a@b.co', stripeToken: TOKEN }, { cookie })).statusCode).toBe(403);
    expect(await counts(shop)).toEqual(before);
    // A NUL sent form-encoded (%00) is refused with its reason, not stored.
    const nul = await form({ _csrf: csrf, formKey, email: 'a\u0000b@c.de', stripeToken: TOKEN }, { cookie });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error).toMatch(/control character \(U\+0000\)/);
    expect(await counts(shop)).toEqual(before);
    const ok = await form({ _csrf: csrf, formKey, email: 'a@b.co', stripeToken: TOKEN }, { cookie });
    expect(ok.statusCode).toBe(200);
    expect((await shop.store.getSale(ok.json().guid))!.amount).toBe(500);
  });

  it('refuses a post whose Origin is another site, JSON included', async () => {
    const before = await counts(shop);
    const res = await buy({ stripeToken: TOKEN, email: 'a@b.co' }, { origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(await counts(shop)).toEqual(before);
    expect((await buy({ stripeToken: TOKEN, email: 'a@b.co' }, { origin: 'null' })).statusCode).toBe(403); // sandboxed frames, data: pages
    expect((await buy({ stripeToken: TOKEN, email: 'a@b.co' }, { origin: 'http://localhost:80' })).statusCode).toBe(200);
  });

  it('POST /buy/unknown is a 404 JSON and writes nothing', async () => {
    const before = await counts(shop);
    const res = await buy({ stripeToken: TOKEN, email: 'a@b.co' }, {}, 'no-such-thing');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no product with this permalink' });
    expect((await buy({}, {}, 'BAD PERMALINK')).statusCode).toBe(404);
    expect(await counts(shop)).toEqual(before);
  });

  const bad: [string, { body: unknown; type?: string }, number, RegExp][] = [
    ['missing email', { body: { stripeToken: TOKEN } }, 400, /^email is missing/],
    ['empty email', { body: { stripeToken: TOKEN, email: '' } }, 400, /^email is not a valid email address/],
    ['malformed email', { body: { stripeToken: TOKEN, email: 'not-an-email' } }, 400, /^email is not a valid email address/],
    ['email with spaces', { body: { stripeToken: TOKEN, email: 'a b@c.de' } }, 400, /^email is not a valid/],
    ['email with a NUL', { body: { stripeToken: TOKEN, email: 'a\u0000b@c.de' } }, 400, /^email contains a control character \(U\+0000\)/],
    ['email with a DEL', { body: { stripeToken: TOKEN, email: 'ab\u007f@c.de' } }, 400, /^email contains a control character \(U\+007F\)/],
    ['email with a newline', { body: { stripeToken: TOKEN, email: 'a@c.de\nBcc: x@y.zz' } }, 400, /^email contains a control character \(U\+000A\)/],
    ['email with a bidi override', { body: { stripeToken: TOKEN, email: 'moc.live\u202e@gmail.com' } }, 400, /^email contains an invisible or text-direction character \(U\+202E\)/],
    ['email with a zero-width space', { body: { stripeToken: TOKEN, email: 'ad\u200ba@example.com' } }, 400, /^email contains an invisible .*U\+200B/],
    ['HTML-ish email', { body: { stripeToken: TOKEN, email: '"><img src=x onerror=alert(1)>@x.com' } }, 400, /^email is not a valid/],
    ['email with angle brackets', { body: { stripeToken: TOKEN, email: 'Ada <ada@example.com>' } }, 400, /^email is not a valid/],
    ['email without a dot in the domain', { body: { stripeToken: TOKEN, email: 'ada@localhost' } }, 400, /^email is not a valid/],
    ['email with a non-ASCII local part', { body: { stripeToken: TOKEN, email: 'adà@example.com' } }, 400, /^email is not a valid/],
    ['email as a number', { body: { stripeToken: TOKEN, email: 42 } }, 400, /^email is not a valid/],
    ['overlong email', { body: { stripeToken: TOKEN, email: `${'a'.repeat(250)}@b.co` } }, 400, /^email is not a valid/],
    ['missing payment method and token', { body: { email: 'a@b.co' } }, 400, /^paymentMethod is missing.*stripeToken/],
    ['both a payment method and a token', { body: { email: 'a@b.co', paymentMethod: 'pm_card_visa', stripeToken: TOKEN } }, 400, /^send either paymentMethod or stripeToken/],
    ['a card number instead of a payment method', { body: { paymentMethod: '4242424242424242', email: 'a@b.co' } }, 400, /^paymentMethod is malformed.*card numbers are never accepted/],
    ['a card number instead of a token', { body: { stripeToken: '4242424242424242', email: 'a@b.co' } }, 400, /^stripeToken is malformed.*card numbers are never accepted/],
    ['token with odd characters', { body: { stripeToken: 'tok_<script>', email: 'a@b.co' } }, 400, /^stripeToken is malformed/],
    ['token as an object', { body: { stripeToken: { id: 'tok_visa' }, email: 'a@b.co' } }, 400, /^stripeToken is malformed/],
    ['malformed formKey', { body: { stripeToken: TOKEN, email: 'a@b.co', formKey: 'short' } }, 400, /^formKey is malformed/],
    ['a JSON array', { body: [TOKEN, 'a@b.co'] }, 400, /body must be an object/],
    ['JSON null', { body: 'null' }, 400, /body must be an object/],
    ['invalid JSON', { body: '{"stripeToken": "tok_visa", ' }, 400, /not valid JSON/],
    ['an empty JSON body', { body: '' }, 400, /empty/],
    ['text/plain', { body: 'stripeToken=tok_visa&email=a@b.co', type: 'text/plain' }, 415, /Unsupported Content-Type/],
    ['multipart', { body: '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.co\r\n--x--', type: 'multipart/form-data; boundary=x' }, 415, /Unsupported Content-Type/],
    ['a body over the limit', { body: { stripeToken: TOKEN, email: 'a@b.co', pad: 'x'.repeat(10_000) } }, 413, /too large/],
  ];

  it.each(bad)('POST /buy with %s → a 4xx (400/413/415) with a reason, nothing written', async (_name, { body, type }, status, message) => {
    const before = await counts(shop);
    const res = await buy(body, type ? { 'content-type': type } : {});
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
    expect(await counts(shop)).toEqual(before);
  });

  it('a repeated submit of the same form (same formKey) answers the first sale, writes one sale and one job', async () => {
    const formKey = 'double-click-key-0001';
    const before = await counts(shop);
    const all = await Promise.all([1, 2, 3, 4].map(() => buy({ stripeToken: TOKEN, email: 'twice@example.com', formKey })));
    expect(all.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    const guids = new Set(all.map((r) => r.json().guid));
    expect(guids.size).toBe(1);
    const later = await buy({ stripeToken: TOKEN, email: 'twice@example.com', formKey });
    expect(later.json().guid).toBe([...guids][0]);
    const after = await counts(shop);
    expect(after).toEqual({ sales: before.sales + 1, jobs: before.jobs + 1 });
  });

  it('an Idempotency-Key header does the same for API clients; the key reused with another product, card or email is a 422 showing nothing of the first sale', async () => {
    const key = 'api-client-key-123456';
    const a = await buy({ stripeToken: TOKEN, email: 'api@example.com' }, { 'idempotency-key': key });
    const b = await buy({ stripeToken: TOKEN, email: 'api@example.com' }, { 'idempotency-key': key });
    expect(b.json().guid).toBe(a.json().guid);
    const before = await counts(shop);
    for (const [body, permalink] of [
      [{ stripeToken: TOKEN, email: 'api@example.com' }, 'retry-poster'],
      [{ stripeToken: 'tok_chargeDeclined', email: 'api@example.com' }, 'field-guide'],
      [{ stripeToken: TOKEN, email: 'attacker@example.com' }, 'field-guide'],
      [{ stripeToken: 'tok_chargeDeclined', email: 'attacker@example.com' }, 'field-guide'],
    ] as const) {
      const other = await buy(body, { 'idempotency-key': key }, permalink);
      expect(other.statusCode).toBe(422);
      expect(other.json().error).toMatch(/already used with other details/);
      expect(other.body).not.toContain(a.json().guid);
    }
    // The same for the form's own key.
    const form = await buy({ stripeToken: TOKEN, email: 'form@example.com', formKey: 'form-key-bound-0001' });
    const reused = await buy({ stripeToken: 'tok_chargeDeclined', email: 'other@example.com', formKey: 'form-key-bound-0001' });
    expect(reused.statusCode).toBe(422);
    expect(reused.body).not.toContain(form.json().guid);
    expect((await buy({ stripeToken: TOKEN, email: 'form@example.com', formKey: 'form-key-bound-0001' })).json().guid).toBe(form.json().guid);
    before.sales += 1;
    before.jobs += 1;
    expect((await buy({ stripeToken: TOKEN, email: 'a@b.co' }, { 'idempotency-key': 'bad key!' })).statusCode).toBe(400);
    expect(await counts(shop)).toEqual(before);
  });

  it('ten parallel posts with one single-use token and no key make one sale; the nine others are 400 and write nothing', async () => {
    const token = `tok_single${dialect}${Date.now()}`;
    const before = await counts(shop);
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => buy({ stripeToken: token, email: `par${i}@example.com` })));
    expect(all.map((r) => r.statusCode).sort()).toEqual([200, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    for (const r of all.filter((x) => x.statusCode === 400)) expect(r.json().error).toMatch(/already used for another purchase/);
    expect(await counts(shop)).toEqual({ sales: before.sales + 1, jobs: before.jobs + 1 });
    // A replay of the sale that holds the token is still a replay; Stripe's magic test tokens stay reusable.
    const keyed = `tok_keyed${dialect}${Date.now()}`;
    const first = await buy({ stripeToken: keyed, email: 'k@example.com' }, { 'idempotency-key': 'single-use-replay-01' });
    expect((await buy({ stripeToken: keyed, email: 'k@example.com' }, { 'idempotency-key': 'single-use-replay-01' })).json().guid).toBe(first.json().guid);
    expect((await buy({ stripeToken: keyed, email: 'k@example.com' }, { 'idempotency-key': 'single-use-replay-02' })).statusCode).toBe(400);
    expect((await buy({ stripeToken: 'tok_visa', email: 'm1@example.com' })).statusCode).toBe(200);
    expect((await buy({ stripeToken: 'tok_visa', email: 'm2@example.com' })).statusCode).toBe(200);
  });

  it('single-use tokens in one burst: each token makes one sale, a repeated key replays it, a reused token is refused', async () => {
    const stamp = `${dialect}${Date.now()}`;
    const before = await counts(shop);
    // Sent together, so they share the checkout's group commit: five tokens, each posted twice
    // with one key (a double submit), and once more without it (a reuse).
    const posts = Array.from({ length: 5 }, (_, i) => [
      buy({ stripeToken: `tok_burst${i}${stamp}`, email: `b${i}@example.com` }, { 'idempotency-key': `burst-key-${i}-${stamp}` }),
      buy({ stripeToken: `tok_burst${i}${stamp}`, email: `b${i}@example.com` }, { 'idempotency-key': `burst-key-${i}-${stamp}` }),
      buy({ stripeToken: `tok_burst${i}${stamp}`, email: `other${i}@example.com` }),
    ]).flat();
    const all = await Promise.all(posts);
    for (let i = 0; i < 5; i++) {
      const [a, b, c] = all.slice(i * 3, i * 3 + 3);
      // Whichever of the three is written first holds the token; the keyed pair always agree.
      if (c.statusCode === 200) {
        expect([a.statusCode, b.statusCode]).toEqual([400, 400]);
      } else {
        expect(c.statusCode).toBe(400);
        expect(c.json().error).toMatch(/already used for another purchase/);
        expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
        expect(a.json().guid).toBe(b.json().guid);
      }
    }
    expect(await counts(shop)).toEqual({ sales: before.sales + 5, jobs: before.jobs + 5 });
  });

  it('no input makes a 500 or writes on rejection (property)', async () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.constant('tok_visa'), fc.constant('x@y.zz'));
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('stripeToken', 'email', 'formKey', '_csrf', 'other'), value),
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'), async (b, type) => {
        const before = await counts(shop);
        const payload = typeof b === 'string' ? b : type === 'application/x-www-form-urlencoded' ? new URLSearchParams(b as Record<string, string>).toString() : JSON.stringify(b);
        const res = await buy(payload, { 'content-type': type });
        expect(res.statusCode).toBeLessThan(500);
        expect(res.json()).toBeTypeOf('object');
        if (res.statusCode !== 200) {
          expect(typeof res.json().error).toBe('string');
          expect(await counts(shop)).toEqual(before);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('GET /status/:guid shows pending, processing, finished and error (with its message); unknown or malformed → 404 JSON', async () => {
    const { guid } = (await buy({ stripeToken: TOKEN, email: 'st@example.com' })).json();
    const status = async () => (await shop.app.inject(`/status/${guid}`)).json();
    expect(await status()).toEqual({ guid, status: 'pending' });
    await shop.store.startCharge(guid);
    expect(await status()).toEqual({ guid, status: 'processing' });
    await shop.store.markErrored(guid, 'Your card was declined.', 'generic_decline');
    expect(await status()).toEqual({ guid, status: 'error', error: 'Your card was declined.' });

    const other = (await buy({ stripeToken: TOKEN, email: 'st@example.com' })).json().guid;
    await shop.store.startCharge(other);
    await shop.store.markFinished(other, 'ch_test');
    expect((await shop.app.inject(`/status/${other}`)).json()).toEqual({ guid: other, status: 'finished' });

    for (const bad of ['00000000-0000-4000-8000-000000000000', 'nope', "1' OR '1'='1", '%00']) {
      const res = await shop.app.inject(`/status/${encodeURIComponent(bad)}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'no sale with this guid' });
    }
  });

  it('GET /pickup/:guid is the download page for a finished sale only; the download is served for it only', async () => {
    const { guid } = (await buy({ stripeToken: TOKEN, email: 'pick@example.com' })).json();
    expect((await shop.app.inject(`/pickup/${guid}`)).statusCode).toBe(404);
    expect((await shop.app.inject(`/pickup/${guid}/download`)).statusCode).toBe(404);
    await shop.store.startCharge(guid);
    expect((await shop.app.inject(`/pickup/${guid}`)).statusCode).toBe(404);
    await shop.store.markFinished(guid, 'ch_x');
    const page = await shop.app.inject(`/pickup/${guid}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="/pickup/${guid}/download"`);
    expect(page.body).toContain('pick@example.com');
    const file = await shop.app.inject(`/pickup/${guid}/download`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-disposition']).toBe('attachment; filename="field-guide.txt"');
    expect(file.body).toContain('Background Jobs Field Guide');
    await shop.store.markRefunded(guid);
    expect((await shop.app.inject(`/pickup/${guid}`)).statusCode).toBe(404);
    expect((await shop.app.inject('/pickup/not-a-guid')).statusCode).toBe(404);
    expect((await shop.app.inject('/pickup/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('serves the bundled checkout script and the stylesheet', async () => {
    const js = await shop.app.inject('/assets/checkout.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain('/status/');
    expect(js.body).not.toMatch(/jquery/i);
    expect((await shop.app.inject({ url: '/assets/checkout.js', headers: { 'if-none-match': String(js.headers.etag) } })).statusCode).toBe(304);
    expect((await shop.app.inject('/assets/shop.css')).statusCode).toBe(200);
    expect((await shop.app.inject('/assets/nope.js')).statusCode).toBe(404);
  });

  it('GET /healthz and /readyz answer 200 while the database is reachable', async () => {
    expect((await shop.app.inject('/healthz')).json()).toEqual({ ok: true });
    expect((await shop.app.inject('/readyz')).json()).toEqual({ ok: true, database: 'up' });
  });

  it('unknown routes are 404 JSON (HTML for a browser)', async () => {
    const res = await shop.app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not found' });
    expect((await shop.app.inject({ url: '/nope', headers: { accept: 'text/html' } })).body).toContain('<h1>Not found</h1>');
  });
});

describe('HTTP: rate limit and readiness', () => {
  it('POST /buy is rate limited per IP (429 JSON); RATE_LIMIT_PER_MINUTE=0 disables it', async () => {
    const limited = await createTestShop({ app: { rateLimitPerMinute: 3 } });
    try {
      const post = () =>
        limited.app.inject({ method: 'POST', url: '/buy/field-guide', headers: { 'content-type': 'application/json' }, payload: { stripeToken: TOKEN, email: 'r@example.com' } });
      for (let i = 0; i < 3; i++) expect((await post()).statusCode).toBe(200);
      const before = await counts(limited);
      const res = await post();
      expect(res.statusCode).toBe(429);
      expect(res.json().error).toMatch(/Too many purchase attempts/);
      expect(await counts(limited)).toEqual(before);
      expect((await limited.app.inject('/buy/field-guide')).statusCode).toBe(200); // pages are not limited
    } finally {
      await limited.close();
    }
    const open = await createTestShop({ app: { rateLimitPerMinute: 0 } });
    try {
      for (let i = 0; i < 40; i++) {
        const res = await open.app.inject({ method: 'POST', url: '/buy/field-guide', headers: { 'content-type': 'application/json' }, payload: { stripeToken: TOKEN, email: 'r@example.com' } });
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await open.close();
    }
  });

  it('GET /readyz is 503 when the database is gone; /healthz stays 200', async () => {
    const shop = await createTestShop();
    try {
      if (shop.db.dialect === 'sqlite') shop.db.sqlite.close();
      const res = await shop.app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ ok: false, database: 'down' });
      expect((await shop.app.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await shop.app.close();
    }
  });

  it('escapes every value in pages', async () => {
    const shop = await createTestShop();
    try {
      await shop.store.seedProduct({ permalink: 'xss', name: '<script>alert(1)</script>', description: '"onmouseover=x', price: 100, currency: 'usd', delivery: 'x.txt' });
      const catalog = await shop.app.inject('/');
      expect(catalog.body).not.toContain('<script>alert(1)');
      expect(catalog.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(catalog.body).toContain('&quot;onmouseover=x');
      expect((await shop.app.inject('/buy/xss')).body).not.toContain('<script>alert(1)');
    } finally {
      await shop.close();
    }
  });
});
