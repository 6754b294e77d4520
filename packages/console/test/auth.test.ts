import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { createErrand } from 'errand';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolvePassword, Sessions, SignInLimiter } from '../src/auth.js';
import { errandConsole, html, raw, registerMetrics, startConsole } from '../src/index.js';
import { safeNext } from '../src/plugin.js';
import { encodeForm, harness, type Harness, PASSWORD, sqliteBackend, type Backend } from './helpers.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
/** The console's CSP, as it was before helmet wrote it: must not change. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The directives of a CSP header in order (helmet joins them with ';', the console used to write '; '). */
const directives = (csp: unknown) => String(csp).split(';').map((d) => d.trim());

describe('html escaping', () => {
  it('escapes every interpolation unless raw', () => {
    const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'`;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;';
    expect(out).toBe(`<p title="${escaped}">${escaped}</p>`);
    expect(html`${[html`<b>${'<i>'}</b>`, raw('<hr>'), null, false, 3]}`.value).toBe('<b>&lt;i&gt;</b><hr>3');
  });
});

describe('sessions', () => {
  it('issues, verifies, expires and rejects tampering; the password change signs everyone out', () => {
    const a = new Sessions('pw', 'secret', 1000);
    const { value, session } = a.issue(10_000);
    expect(a.verify(value, 10_500)?.sid).toBe(session.sid);
    expect(a.verify(value, 11_000)).toBeNull(); // expired
    expect(a.verify(`${value}x`, 10_500)).toBeNull();
    expect(new Sessions('other', 'secret').verify(value, 10_500)).toBeNull();
    expect(new Sessions('pw', 'other-secret').verify(value, 10_500)).toBeNull();
    expect(a.csrfToken(session)).toBe(a.csrfToken(session));
    expect(a.csrfToken(session)).not.toBe(a.csrfToken({ sid: 'other', exp: 0 }));
    expect(a.checkPassword('pw')).toBe(true);
    expect(a.checkPassword('pW')).toBe(false);
    expect(a.checkPassword(undefined)).toBe(false);
  });

  it('accepts the MAC only as issued: no other base64url spelling of the same bytes', () => {
    const a = new Sessions('pw', 'secret', 1000);
    const { value } = a.issue(10_000);
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 MAC bytes are 43 characters; the last one's two low bits are padding, ignored by decoding.
    const last = B64.indexOf(value.slice(-1));
    const sameBytes = `${value.slice(0, -1)}${B64[last ^ 1]}`;
    expect(Buffer.from(sameBytes.split('.')[1], 'base64url')).toEqual(Buffer.from(value.split('.')[1], 'base64url'));
    expect(a.verify(sameBytes, 10_500)).toBeNull();
    expect(a.verify(`${value.slice(0, -10)}!${value.slice(-10)}`, 10_500)).toBeNull(); // a stray character, skipped by decoding
    expect(a.verify(value, 10_500)).not.toBeNull();
  });

  it('generates and announces a password in development, refuses in production', () => {
    const saved = { ...process.env };
    try {
      delete process.env.ERRAND_CONSOLE_PASSWORD;
      process.env.NODE_ENV = 'development';
      const seen: string[] = [];
      const p = resolvePassword(undefined, (x) => seen.push(x));
      expect(seen).toEqual([p]);
      expect(p.length).toBeGreaterThanOrEqual(16);
      process.env.ERRAND_CONSOLE_PASSWORD = 'from-env';
      expect(resolvePassword(undefined, () => {})).toBe('from-env');
      delete process.env.ERRAND_CONSOLE_PASSWORD;
      process.env.NODE_ENV = 'production';
      expect(() => resolvePassword(undefined, () => {})).toThrow(/ERRAND_CONSOLE_PASSWORD/);
    } finally {
      process.env = saved;
    }
  });

  it('limits sign-in attempts per (address, account) with a doubling delay after the free ones', () => {
    const l = new SignInLimiter(3, 1000, 60_000);
    for (let i = 0; i < 3; i++) expect(l.fail('1.2.3.4', 'console', 1000)).toBe(0);
    expect(l.retryAfter('1.2.3.4', 'console', 1000)).toBe(0); // three free
    expect(l.fail('1.2.3.4', 'console', 1000)).toBe(1000); // the 4th starts the lockout
    expect(l.retryAfter('1.2.3.4', 'console', 1500)).toBe(1);
    expect(l.retryAfter('1.2.3.4', 'console', 2000)).toBe(0);
    l.fail('1.2.3.4', 'console', 2000);
    expect(l.retryAfter('1.2.3.4', 'console', 2000)).toBe(2);
    l.fail('1.2.3.4', 'console', 4000);
    expect(l.retryAfter('1.2.3.4', 'console', 4000)).toBe(4);
    for (let i = 0; i < 20; i++) l.fail('1.2.3.4', 'console', 10_000);
    expect(l.retryAfter('1.2.3.4', 'console', 10_000)).toBe(60); // capped
    expect(l.retryAfter('5.6.7.8', 'console', 10_000)).toBe(0); // another address
    expect(l.retryAfter('1.2.3.4', 'other', 10_000)).toBe(0); // another account
    expect(l.knows('1.2.3.4')).toBe(false);
    l.succeed('1.2.3.4', 'console', 11_000);
    expect(l.retryAfter('1.2.3.4', 'console', 11_000)).toBe(0);
    expect(l.knows('1.2.3.4', 'console', 11_000)).toBe(true);
  });

  it('only redirects to paths under the console after sign-in', () => {
    expect(safeNext('/admin', '/admin/jobs?state=dead')).toBe('/admin/jobs?state=dead');
    for (const bad of ['https://evil.example/', '//evil.example/admin/', '/shop', '/admin\\..', undefined]) expect(safeNext('/admin', bad)).toBe('/admin/');
    expect(safeNext('', '//evil.example')).toBe('/');
    // Normalised before it is judged: dot segments (plain or percent-encoded) cannot climb out.
    for (const bad of ['/admin/../../evil', '/admin/..', '/admin/%2e%2e/evil', '/admin/%2E%2E/%2e%2e/evil', '/admin/./../evil', '/admin/jobs/../../../evil?x=1', '/admin/\t/evil', '/adminx/jobs'])
      expect(safeNext('/admin', bad), bad).toBe('/admin/');
    expect(safeNext('/admin', '/admin/jobs/../queues?x=1')).toBe('/admin/queues?x=1');
    expect(safeNext('', '/../evil')).toBe('/evil');
  });

  it('the sign-in form redirects next=/admin/../../evil to the console, not to /evil', async () => {
    const backend = await sqliteBackend();
    const h = await harness(backend.url);
    for (const next of ['/admin/../../evil', '/admin/%2e%2e/%2e%2e/evil']) {
      const res = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD, next }) });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location, next).toBe('/admin/');
    }
    await h.close();
    await backend.drop();
  });
});

describe('sign-in over HTTP', () => {
  let backend: Backend;
  let h: Harness;
  beforeAll(async () => {
    backend = await sqliteBackend();
    h = await harness(backend.url);
  });
  afterAll(async () => {
    await h.close();
    await backend.drop();
  });

  it('shows the sign-in page, refuses a wrong password (401), sets an HttpOnly SameSite cookie and returns to the page asked for', async () => {
    const first = await h.app.inject({ url: '/admin/jobs?state=dead' });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/admin/sign-in?next=${encodeURIComponent('/admin/jobs?state=dead')}`);
    const page = await h.app.inject({ url: String(first.headers.location) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('type="password"');
    const wrong = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: 'nope', next: '/admin/jobs?state=dead' }) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong password.');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const ok = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD, next: '/admin/jobs?state=dead' }) });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/admin/jobs?state=dead');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^errand_console=[^;]+;/);
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/admin', 'SameSite=Lax']);
    const https = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: { ...form, 'x-forwarded-proto': 'https' }, payload: encodeForm({ password: PASSWORD }) });
    expect(String(https.headers['set-cookie'])).not.toContain('Secure'); // no trustProxy: the header is not believed
  });

  it('never locks a correct password out of an address that signed in before, and logs the lockout', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => lines.push(l) } } });
    await app.register(errandConsole, { prefix: '/admin', errand: h.errand, password: PASSWORD });
    const post = (password: string, remoteAddress: string) => app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password }), remoteAddress });
    expect((await post(PASSWORD, '10.1.1.1')).statusCode).toBe(303); // a regular user of the shared address
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await post('guess', '10.1.1.1')).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.at(-1)).toBe(429);
    expect(lines.filter((l) => l.includes('sign-in locked'))).toHaveLength(1);
    expect(JSON.parse(lines.find((l) => l.includes('sign-in locked'))!)).toMatchObject({ ip: '10.1.1.1', account: 'console' });
    const right = await post(PASSWORD, '10.1.1.1');
    expect(right.statusCode).toBe(303); // known address, correct password: in
    // A stranger's address, locked the same way, stays locked even with the right password.
    for (let i = 0; i < 7; i++) await post('guess', '10.2.2.2');
    const stranger = await post(PASSWORD, '10.2.2.2');
    expect(stranger.statusCode).toBe(429);
    expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(0);
    await app.close();
  });

  it('answers 429 after too many wrong passwords from one address', async () => {
    let last = 0;
    for (let i = 0; i < 11; i++) {
      const r = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: 'guess' }), remoteAddress: '10.9.8.7' });
      last = r.statusCode;
    }
    expect(last).toBe(429);
    const right = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD }), remoteAddress: '10.9.8.7' });
    expect(right.statusCode).toBe(429);
  });

  it('marks the cookie Secure over HTTPS (trusted proxy) and with secureCookies: true', async () => {
    const errand = h.errand;
    const app = Fastify({ trustProxy: true });
    await app.register(errandConsole, { prefix: '/a', errand, password: 'p' });
    await app.register(errandConsole, { prefix: '/b', errand, password: 'p', secureCookies: true });
    const viaProxy = await app.inject({ method: 'POST', url: '/a/sign-in', headers: { ...form, 'x-forwarded-proto': 'https' }, payload: 'password=p' });
    expect(String(viaProxy.headers['set-cookie'])).toContain('; Secure');
    const forced = await app.inject({ method: 'POST', url: '/b/sign-in', headers: form, payload: 'password=p' });
    expect(String(forced.headers['set-cookie'])).toContain('; Secure');
    await app.close();
  });

  it('sends the same security headers on every answer: the strict CSP, no framing, no sniffing, no caching', async () => {
    const signIn = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD }) });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    for (const [url, headers] of [['/admin/sign-in', {}], ['/admin/', { cookie }], ['/admin/jobs', {}], ['/admin/nowhere', { cookie }], ['/admin/api/stats', {}], ['/admin/assets/console.css', {}]] as const) {
      const res = await h.app.inject({ url, headers });
      expect(directives(res.headers['content-security-policy']), url).toEqual(directives(CSP));
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('same-origin');
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
      expect(res.headers['cache-control'], url).toBe(url.includes('/assets/') ? 'public, max-age=300' : 'no-store');
    }
  });

  it('signs out with an expired cookie on the same path', async () => {
    const signIn = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD }) });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const page = await h.app.inject({ url: '/admin/', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const out = await h.app.inject({ method: 'POST', url: '/admin/sign-out', headers: { ...form, cookie }, payload: encodeForm({ _csrf: csrf }) });
    expect(out.statusCode).toBe(303);
    const cleared = String(out.headers['set-cookie']);
    expect(cleared).toMatch(/^errand_console=;/);
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('Path=/admin');
  });

  it('signing out revokes the session server-side: the cookie replayed afterwards opens nothing and acts on nothing', async () => {
    const signIn = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD }) });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const page = await h.app.inject({ url: '/admin/', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    // A second session (another browser) stays signed in.
    const other = String((await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: PASSWORD }) })).headers['set-cookie']).split(';')[0];
    expect((await h.app.inject({ method: 'POST', url: '/admin/sign-out', headers: { ...form, cookie }, payload: encodeForm({ _csrf: csrf }) })).statusCode).toBe(303);
    for (const url of ['/admin/', '/admin/jobs', '/admin/queues']) {
      const replay = await h.app.inject({ url, headers: { cookie } });
      expect(replay.statusCode, url).toBe(303);
      expect(replay.headers.location).toMatch(/^\/admin\/sign-in/);
    }
    expect((await h.app.inject({ url: '/admin/api/stats', headers: { cookie } })).statusCode).toBe(401);
    const act = await h.app.inject({ method: 'POST', url: '/admin/queues/pause', headers: { ...form, cookie }, payload: encodeForm({ queue: 'default', confirmed: '1', _csrf: csrf }) });
    expect(act.statusCode).toBe(401);
    expect((await h.errand.admin.queues()).find((q) => q.queue === 'default')?.paused ?? false).toBe(false);
    expect((await h.app.inject({ url: '/admin/', headers: { cookie: other } })).statusCode).toBe(200);
  });

  it('inside an app that registered @fastify/cookie and @fastify/helmet itself (as the shop does): its own CSP and a working session', async () => {
    const app = Fastify();
    await app.register(cookie);
    await app.register(helmet, { contentSecurityPolicy: { directives: { 'script-src': ["'self'", 'https://js.example'] } } });
    app.get('/', async () => 'host');
    await app.register(errandConsole, { prefix: '/admin', errand: h.errand, password: 'p' });
    expect((await app.inject({ url: '/' })).headers['content-security-policy']).toContain('https://js.example');
    const signIn = await app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: 'password=p' });
    expect(signIn.statusCode).toBe(303);
    const session = String(signIn.headers['set-cookie']).split(';')[0];
    const dash = await app.inject({ url: '/admin/', headers: { cookie: `other=1; ${session}` } });
    expect(dash.statusCode).toBe(200);
    expect(directives(dash.headers['content-security-policy'])).toEqual(directives(CSP));
    await app.close();
  });

  it('serves assets without a session and nothing else', async () => {
    for (const f of ['console.css', 'console.js', 'favicon.svg']) expect((await h.app.inject({ url: `/admin/assets/${f}` })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/admin/assets/../plugin.ts' })).statusCode).not.toBe(200);
  });
});

describe('metrics access and the standalone console', () => {
  it('asks for the bearer token when ERRAND_METRICS_TOKEN is set, and only loopback clients otherwise', async () => {
    const errand = await createErrand({ databaseUrl: 'memory:', logger: pino({ level: 'silent' }) });
    const app = Fastify();
    registerMetrics(app, { errand, token: 's3cret' });
    registerMetrics(app, { errand, path: '/open' });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/open' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/open', remoteAddress: '203.0.113.9' })).statusCode).toBe(403);
    await app.close();
    await errand.close();
  });

  it('behind a proxy on the same host, a proxied client is not local; in production the token is required', async () => {
    const errand = await createErrand({ databaseUrl: 'memory:', logger: pino({ level: 'silent' }) });
    const savedEnv = process.env.NODE_ENV;
    try {
      for (const trustProxy of [true, '127.0.0.1', (_a: string, hop: number) => hop < 1]) {
        const app = Fastify({ trustProxy });
        registerMetrics(app, { errand, token: '' });
        const proxied = await app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
        expect(proxied.statusCode, String(trustProxy)).toBe(403);
        const spoofed = await app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' } });
        expect(spoofed.statusCode, String(trustProxy)).toBe(403);
        expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200); // a local scrape, not proxied
        expect((await app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '127.0.0.1' } })).statusCode).toBe(200);
        await app.close();
      }
      process.env.NODE_ENV = 'production';
      const prod = Fastify();
      registerMetrics(prod, { errand, token: '' });
      registerMetrics(prod, { errand, path: '/with-token', token: 't0ken' });
      const refused = await prod.inject({ url: '/metrics' });
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toMatch(/ERRAND_METRICS_TOKEN/);
      expect((await prod.inject({ url: '/with-token', headers: { authorization: 'Bearer t0ken' } })).statusCode).toBe(200);
      await prod.close();
    } finally {
      if (savedEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = savedEnv;
      await errand.close();
    }
  });

  it('ERRAND_TRUST_PROXY=1 trusts one proxy: a client cannot pick the address the sign-in limiter counts', async () => {
    const backend = await sqliteBackend();
    const saved = { trust: process.env.ERRAND_TRUST_PROXY, level: process.env.ERRAND_LOG_LEVEL };
    process.env.ERRAND_TRUST_PROXY = '1';
    process.env.ERRAND_LOG_LEVEL = 'silent';
    const c = await startConsole({ databaseUrl: backend.url, port: 0, host: '127.0.0.1', password: 'a-long-enough-console-password' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        // A new forged entry each time; the proxy in front appended the real client, 203.0.113.7.
        const r = await fetch(new URL('/sign-in', c.url), {
          method: 'POST',
          body: new URLSearchParams({ password: 'guess' }),
          headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` },
          redirect: 'manual',
        });
        statuses.push(r.status);
      }
      expect(statuses.at(-1)).toBe(429);
    } finally {
      for (const [k, v] of [['ERRAND_TRUST_PROXY', saved.trust], ['ERRAND_LOG_LEVEL', saved.level]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await c.close();
      await backend.drop();
    }
    process.env.ERRAND_TRUST_PROXY = 'ten';
    await expect(startConsole({ databaseUrl: 'memory:', port: 0 })).rejects.toThrow(/ERRAND_TRUST_PROXY must be true, false, a hop count/);
    if (saved.trust === undefined) delete process.env.ERRAND_TRUST_PROXY;
    else process.env.ERRAND_TRUST_PROXY = saved.trust;
  });

  it('startConsole serves the console at / and metrics at /metrics over real HTTP', async () => {
    const backend = await sqliteBackend();
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const saved = process.env.ERRAND_CONSOLE_PASSWORD;
    delete process.env.ERRAND_CONSOLE_PASSWORD;
    const savedLevel = process.env.ERRAND_LOG_LEVEL;
    process.env.ERRAND_LOG_LEVEL = 'silent';
    const c = await startConsole({ databaseUrl: backend.url, port: 0, host: '127.0.0.1' });
    try {
      const printed = spy.mock.calls.map((x) => String(x[0])).find((l) => l.includes('generated password'));
      spy.mockRestore();
      const password = /generated password: (\S+)/.exec(printed ?? '')?.[1];
      expect(password).toBeTruthy();
      const home = await fetch(c.url, { redirect: 'manual' });
      expect(home.status).toBe(303);
      expect(home.headers.get('location')).toBe('/sign-in');
      const signIn = await fetch(new URL('/sign-in', c.url), { method: 'POST', body: new URLSearchParams({ password: password! }), redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
      const dash = await fetch(c.url, { headers: { cookie } });
      expect(dash.status).toBe(200);
      const body = await dash.text();
      expect(body).toContain('href="/queues"');
      expect(body).toContain('src="/assets/console.js"');
      expect((await fetch(new URL('/metrics', c.url))).status).toBe(200);
    } finally {
      spy.mockRestore();
      if (saved !== undefined) process.env.ERRAND_CONSOLE_PASSWORD = saved;
      if (savedLevel === undefined) delete process.env.ERRAND_LOG_LEVEL;
      else process.env.ERRAND_LOG_LEVEL = savedLevel;
      await c.close();
      await backend.drop();
    }
  });
});
