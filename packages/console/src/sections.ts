import type { Errand } from 'errand';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Html } from './html.js';
import { BUILTIN_NAV, layout, type NavEntry, type PageContext } from './layout.js';
import { type ConfirmOptions, confirmPage } from './pages/confirm.js';
import type { ConsoleKit } from './plugin.js';

/**
 * The extension point: a host app adds its own sections to the console (the shop adds Sales).
 * A section is a nav entry plus the pages and actions it registers through a ConsoleScope. The
 * scope registers them on the console's own encapsulated Fastify instance, under its prefix and
 * behind its hooks, so a section cannot opt out of them:
 *
 * - every route needs a signed-in session: a GET without one is sent to the sign-in page (303,
 *   then back), anything else answers 401;
 * - every POST is refused (403) before its handler runs unless it carries the session's CSRF
 *   token (`_csrf` field) and no foreign Origin;
 * - every answer has the console's security headers (a CSP without inline script or anything
 *   from another origin) and `cache-control: no-store`;
 * - errors thrown by a handler become the console's error page (4xx with the message, 500
 *   with a pointer to the log).
 */
export interface ConsoleSection {
  /** Stable id, unique among sections and not a built-in page's (dashboard, queues, jobs, workers): lowercase letters, digits and '-'. */
  id: string;
  /** The nav entry's label. */
  title: string;
  /** Where the nav entry points, relative to the console: '/sales' (→ `/admin/sales` under prefix '/admin'). */
  path: string;
  /** Adds the section's pages and actions. Called once, while the console registers. */
  register(scope: ConsoleScope): void | Promise<void>;
  /** Gauges this section adds to the Prometheus metrics (registerMetrics / the `metrics` option, given the same sections). */
  gauges?: readonly SectionGauge[];
}

/** What a section's `register` gets: the console's routes, and nothing that bypasses its checks. */
export interface ConsoleScope {
  /** The mount prefix ('' standalone, '/admin' in the shop): links in pages start with it. */
  readonly base: string;
  /** The engine client the console was given. */
  readonly errand: Errand;
  /** A page at `GET <base><path>` (Fastify route syntax: '/sales/:guid'), for signed-in operators only. */
  get(path: string, handler: SectionHandler): void;
  /** An action at `POST <base><path>`: its handler runs only after the session, Origin and CSRF token were checked. */
  post(path: string, handler: SectionHandler): void;
}

/**
 * A section's route handler. Return a page (Html, sent as 200 text/html) or the reply after
 * calling one of `send`, `fail`, `redirect` (or anything on `reply`).
 */
export type SectionHandler = (req: SectionRequest) => SectionResult | Promise<SectionResult>;

export type SectionResult = Html | FastifyReply;

/** One request to a section's route, with the helpers that render in the console's layout. */
export interface SectionRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  /** Route parameters (`:guid`), as given: validate them. */
  params: Record<string, string>;
  /** The parsed query string: read it with `param()`. */
  query: unknown;
  /** A POST's parsed form body (urlencoded): read it with `param()`. */
  body: unknown;
  /** base, title, the session's CSRF token (for `csrfField`), nav, now. */
  ctx: PageContext;
  /** A page in the console's layout with this section's nav entry marked current. */
  page(title: string, body: Html, notice?: Html | null): Html;
  /** The server-side confirmation page for a destructive action (it posts again with `confirmed=1`). */
  confirm(o: ConfirmOptions): Html;
  /** Send a page with a status code (default 200). */
  send(body: Html, code?: number): FastifyReply;
  /** The console's error page: `fail(404, 'No such sale.')`. */
  fail(code: number, message: string): FastifyReply;
  /** 303 See Other to a path under the console: `redirect('/sales/x?done=refund')` → `<base>/sales/x?done=refund`. */
  redirect(path: string): FastifyReply;
}

/** A Prometheus gauge read at each scrape, alongside the engine's figures. */
export interface SectionGauge {
  /** Metric name, e.g. 'errand_sales'. */
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** The current values; called at each scrape (the gauge is reset first). */
  read(): Promise<readonly GaugeValue[]>;
}

export interface GaugeValue {
  labels?: Record<string, string>;
  value: number;
}

const ID = /^[a-z][a-z0-9-]{0,39}$/;

/** Checks the `sections` option and returns the nav: the built-in pages, then the sections in order. */
export function sectionNav(sections: readonly ConsoleSection[] | undefined): NavEntry[] {
  const nav: NavEntry[] = [...BUILTIN_NAV];
  if (sections === undefined) return nav;
  if (!Array.isArray(sections)) throw new Error('errandConsole: sections must be an array of { id, title, path, register }');
  const taken = new Set(['none', ...nav.map((n) => n.id)]);
  for (const s of sections as unknown[]) {
    const o = (s ?? {}) as Partial<ConsoleSection>;
    const name = typeof o.id === 'string' ? `section "${o.id}"` : 'a section';
    if (typeof o.id !== 'string' || !ID.test(o.id)) throw new Error(`errandConsole: ${name} needs an id of lowercase letters, digits and '-' (at most 40)`);
    if (taken.has(o.id)) throw new Error(`errandConsole: ${name}: the id is taken (by a built-in page or another section)`);
    if (typeof o.title !== 'string' || !o.title.trim()) throw new Error(`errandConsole: ${name} needs a title (its nav label)`);
    if (typeof o.path !== 'string' || !o.path.startsWith('/') || o.path.startsWith('//')) throw new Error(`errandConsole: ${name} needs a path relative to the console, starting with one '/'`);
    if (typeof o.register !== 'function') throw new Error(`errandConsole: ${name} needs a register(scope) function`);
    taken.add(o.id);
    nav.push({ id: o.id, title: o.title, path: o.path });
  }
  return nav;
}

/** Calls each section's `register` with a scope over `app`: the console's encapsulated instance. */
export async function registerSections(app: FastifyInstance, kit: ConsoleKit, errand: Errand, sections: readonly ConsoleSection[]): Promise<void> {
  for (const section of sections) {
    const route = (method: 'GET' | 'POST') => (path: string, handler: SectionHandler) => {
      if (typeof path !== 'string' || !path.startsWith('/')) throw new Error(`console section "${section.id}": a route path starts with '/', got ${JSON.stringify(path)}`);
      if (typeof handler !== 'function') throw new Error(`console section "${section.id}": ${method} ${path} needs a handler function`);
      app.route({
        method,
        url: path,
        handler: async (request, reply) => {
          const out = await handler(sectionRequest(kit, section.id, request, reply));
          if (out instanceof Html) return kit.send(reply, out);
          // A Fastify reply is thenable: awaiting a handler that returned it yields what the
          // reply resolves to once sent, not the reply itself.
          if (out === reply || reply.sent) return reply;
          throw new Error(`console section "${section.id}": ${method} ${path} returned neither Html nor the reply`);
        },
      });
    };
    await section.register({ base: kit.base, errand, get: route('GET'), post: route('POST') });
  }
}

function sectionRequest(kit: ConsoleKit, id: string, request: FastifyRequest, reply: FastifyReply): SectionRequest {
  const ctx = kit.page(request);
  return {
    request,
    reply,
    params: (request.params ?? {}) as Record<string, string>,
    query: request.query,
    body: request.body,
    ctx,
    page: (title, body, notice) => layout(ctx, id, title, body, notice),
    confirm: (o) => confirmPage(ctx, id, o),
    send: (body, code = 200) => kit.send(reply, body, code),
    fail: (code, message) => kit.fail(request, reply, code, message),
    redirect: (path) => {
      if (!path.startsWith('/') || path.startsWith('//')) throw new Error(`console section "${id}": redirect to a path under the console ('/…'), got ${JSON.stringify(path)}`);
      return reply.redirect(`${kit.base}${path}`, 303);
    },
  };
}
