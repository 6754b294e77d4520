import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { Errand } from 'errand';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ASSETS } from './assets.js';
import { resolvePassword, resolveSecret, SESSION_COOKIE, type Session, Sessions, SignInLimiter } from './auth.js';
import { foreignOrigin, formField, tokenMatches } from './csrf.js';
import { type Deps, makeDeps } from './deps.js';
import { type Html, html } from './html.js';
import { barePage, layout, notice, type PageContext } from './layout.js';
import { registerMetrics } from './metrics.js';
import { noticeFrom } from './notices.js';
import { registerJobActions } from './routes/job-actions.js';
import { registerPages } from './routes/pages.js';
import { registerSchedules } from './routes/schedules.js';
import { type ConsoleSection, registerSections, sectionNav } from './sections.js';
import { MemorySessionStore, type SessionStore } from './session-store.js';
import { signInPage } from './pages/signin.js';

export interface ConsoleOptions {
  errand: Errand;
  /**
   * The host app's own sections (nav entry, pages, actions), behind the console's sign-in and
   * CSRF check: see ConsoleSection and the README. The shop adds its sales this way.
   */
  sections?: readonly ConsoleSection[];
  /** Default: env ERRAND_CONSOLE_PASSWORD; with neither (outside production) one is generated and printed once. */
  password?: string;
  /** Mark the session cookie Secure: 'auto' (default) when the request came over HTTPS (honours trustProxy). */
  secureCookies?: 'auto' | boolean;
  /** Shown in the header and the window title. Default 'Errand'. */
  title?: string;
  /** Also serve the Prometheus metrics at `<prefix>/metrics` (same rules as registerMetrics). Default false. */
  metrics?: boolean;
  /**
   * Where live sessions are kept, so a sign-out revokes the cookie server-side (see SessionStore).
   * Pass one over your database when several processes serve the console. Default: this process's memory.
   */
  sessionStore?: SessionStore;
}

/** What the route modules get from the plugin. */
export interface ConsoleKit {
  base: string;
  deps: Deps;
  page(request: FastifyRequest): PageContext;
  send(reply: FastifyReply, body: Html, code?: number): FastifyReply;
  fail(request: FastifyRequest, reply: FastifyReply, code: number, message: string): FastifyReply;
  noticeFrom: typeof noticeFrom;
}

/**
 * Security headers (helmet, in the console's scope only). The CSP allows nothing but the
 * console's own script, styles, images and fetches: no inline script, nothing from outside.
 * `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';
 * form-action 'self'; frame-ancestors 'none'; base-uri 'none'`, plus helmet's other defaults
 * except HSTS (whether the console is served over HTTPS is the host's business).
 */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
    },
  },
  hsts: false,
  crossOriginEmbedderPolicy: false,
  frameguard: { action: 'deny' },
  // not no-referrer: Chrome then sends `Origin: null` on our own form posts
  referrerPolicy: { policy: 'same-origin' },
};

/**
 * The console: mount with `app.register(errandConsole, { prefix: '/admin', errand, sections })`.
 * A plain (encapsulated) plugin: its hooks, parsers and error pages stay under its prefix. Every
 * link is built from the prefix, so it works at /admin and at / alike.
 */
export async function errandConsole(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  if (!opts?.errand?.admin) throw new Error('errandConsole: the errand option (an Errand client from createErrand) is required');
  if ('sales' in opts) throw new Error('errandConsole: the sales option is gone; the host app adds its pages as a section (the sections option, see the README)');
  const nav = sectionNav(opts.sections);
  const base = app.prefix === '/' ? '' : app.prefix.replace(/\/$/, '');
  const title = opts.title ?? 'Errand';
  const password = resolvePassword(opts.password, (p) => {
    process.stderr.write(`errand console: ERRAND_CONSOLE_PASSWORD is not set; sign in at ${base || '/'} with this generated password: ${p}\n`);
  });
  const sessions = new Sessions(password, resolveSecret());
  const store = opts.sessionStore ?? new MemorySessionStore();
  const limiter = new SignInLimiter();
  const sessionOf = new WeakMap<FastifyRequest, Session>();
  const deps: Deps = makeDeps(opts.errand);
  const cookiePath = base || '/';
  const secure = (request: FastifyRequest) => (opts.secureCookies === undefined || opts.secureCookies === 'auto' ? request.protocol === 'https' : opts.secureCookies);

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody, { bodyLimit: 1_048_576 });
  // The host app may have registered @fastify/cookie already (the shop has): then its parser
  // serves here too; otherwise it is registered in the console's scope only.
  if (!app.hasRequestDecorator('cookies')) await app.register(cookie);
  await app.register(helmet, HELMET_OPTIONS);
  /** A cookie the console issued (its MAC) and that has not been signed out (the store). */
  const readSession = async (request: FastifyRequest): Promise<Session | null> => {
    const jar = request.cookies ?? (request.headers.cookie ? app.parseCookie(request.headers.cookie) : {});
    const session = sessions.verify(jar[SESSION_COOKIE]);
    if (!session) return null;
    return (await store.active(session.sid, Date.now())) ? session : null;
  };
  const setSessionCookie = (request: FastifyRequest, reply: FastifyReply, value: string | null) => {
    const attributes = { path: cookiePath, httpOnly: true, sameSite: 'lax', secure: secure(request) } as const;
    if (value === null) reply.clearCookie(SESSION_COOKIE, attributes);
    else reply.setCookie(SESSION_COOKIE, value, { ...attributes, maxAge: Math.floor(sessions.ttlMs / 1000) });
  };

  const publicRoutes = new Set([`${base}/sign-in`, `${base}/assets/:file`]);
  if (opts.metrics) publicRoutes.add(`${base}/metrics`);

  const page = (request: FastifyRequest): PageContext => {
    const session = sessionOf.get(request);
    return { base, title, csrf: session ? sessions.csrfToken(session) : '', nav, now: new Date() };
  };
  const send = (reply: FastifyReply, body: Html, code = 200) => reply.code(code).type('text/html; charset=utf-8').send(body.value);
  const fail = (request: FastifyRequest, reply: FastifyReply, code: number, message: string) => {
    if (!sessionOf.has(request)) return send(reply, barePage(base, title, html`<section class="card"><h1>${code}</h1><p>${message}</p></section>`), code);
    return send(reply, layout(page(request), 'none', String(code), html`<h1>${code === 404 ? 'Not found' : code === 403 ? 'Forbidden' : code === 400 ? 'Bad request' : 'Error'}</h1>`, notice('error', message)), code);
  };
  const kit: ConsoleKit = { base, deps, page, send, fail, noticeFrom };

  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const route = request.routeOptions.url;
    if (route && publicRoutes.has(route)) return;
    const session = await readSession(request);
    if (session) {
      sessionOf.set(request, session);
      return;
    }
    const wantsPage = request.method === 'GET' && !route?.startsWith(`${base}/api/`) && !String(request.headers.accept ?? '').includes('application/json');
    if (wantsPage) {
      const next = request.url.length < 1000 ? request.url : undefined;
      return reply.redirect(`${base}/sign-in${next && next !== `${base}/` && next !== base ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
    }
    return reply.code(401).type('application/json').send({ error: 'unauthorized', message: `sign in at ${base}/sign-in first` });
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    if (foreignOrigin(request)) return fail(request, reply, 403, 'This request came from another site (its Origin header names another host).');
    const session = sessionOf.get(request);
    if (!session) return; // sign-in: public, checked by its handler
    const given = formField(request.body, '_csrf') ?? request.headers['x-csrf-token'];
    if (!tokenMatches(sessions.csrfToken(session), given)) {
      return fail(request, reply, 403, 'The form is missing its security token or it has expired. Go back, reload the page and try again.');
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const client = err.code === 'ERRAND_BAD_OPTION' || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500);
    if (!client) request.log.error({ err }, 'errand console: request failed');
    return fail(request, reply, client ? (err.statusCode ?? 400) : 500, client ? err.message : `Something went wrong (${err.code ?? err.name}); the details are in the server log.`);
  });
  app.setNotFoundHandler((request, reply) => fail(request, reply, 404, `Nothing at ${request.url.split('?')[0]}.`));

  app.get('/assets/:file', async (request, reply) => {
    const asset = ASSETS.get((request.params as { file: string }).file);
    if (!asset) return fail(request, reply, 404, 'No such file.');
    return reply.header('cache-control', 'public, max-age=300').type(asset.type).send(asset.body);
  });

  app.get('/sign-in', async (request, reply) => {
    const next = safeNext(base, formField(request.query, 'next'));
    if (await readSession(request)) return reply.redirect(next, 303);
    return send(reply, signInPage(base, title, { next }));
  });

  app.post('/sign-in', async (request, reply) => {
    const next = safeNext(base, formField(request.body, 'next'));
    const ip = request.ip;
    const wait = limiter.retryAfter(ip);
    const correct = sessions.checkPassword(formField(request.body, 'password'));
    // Locked: refused unless this address has signed in before and the password is right.
    if (wait > 0 && !(correct && limiter.knows(ip))) {
      if (!correct) limiter.fail(ip);
      reply.header('retry-after', String(wait));
      const when = wait < 90 ? `${wait} s` : `${Math.ceil(wait / 60)} min`;
      return send(reply, signInPage(base, title, { next, error: `Too many wrong passwords from your address. Try again in ${when}.` }), 429);
    }
    if (!correct) {
      const lockMs = limiter.fail(ip);
      request.log.warn({ ip }, 'errand console: wrong password');
      if (lockMs > 0) request.log.warn({ ip, account: 'console', delayMs: lockMs }, 'errand console: sign-in locked for this address (too many wrong passwords); each further try waits twice as long');
      return send(reply, signInPage(base, title, { next, error: 'Wrong password.' }), 401);
    }
    limiter.succeed(ip);
    const issued = sessions.issue();
    await store.add(issued.session.sid, issued.session.exp);
    setSessionCookie(request, reply, issued.value);
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', async (request, reply) => {
    // Revoked server-side: the cookie, replayed, no longer opens anything.
    const session = sessionOf.get(request);
    if (session) await store.revoke(session.sid);
    setSessionCookie(request, reply, null);
    return reply.redirect(`${base}/sign-in`, 303);
  });

  registerPages(app, kit);
  registerJobActions(app, kit);
  registerSchedules(app, kit);
  await registerSections(app, kit, opts.errand, opts.sections ?? []);
  if (opts.metrics) registerMetrics(app, { errand: opts.errand, sections: opts.sections, path: '/metrics' });
}

/**
 * Where to go after signing in: a path under the console, never another site. The path is
 * normalised first, as the browser will (`..` and `.` segments, `%2e%2e`), so
 * `/admin/../../evil` is judged as `/evil` and refused.
 */
export function safeNext(base: string, next: string | undefined): string {
  const home = `${base}/`;
  if (!next || next.length > 1000 || !next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\u0000-\u001f\u007f]/.test(next)) return home;
  let url: URL;
  try {
    url = new URL(next, 'http://console.invalid');
  } catch {
    return home;
  }
  if (url.origin !== 'http://console.invalid') return home;
  const target = `${url.pathname}${url.search}`;
  if (!(target.startsWith(home) || url.pathname === base) || target.startsWith('//')) return home;
  return target;
}
