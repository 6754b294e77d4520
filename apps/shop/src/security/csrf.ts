/**
 * CSRF protection for POST /buy — how it applies to each kind of request:
 *
 * - Form-encoded posts (what a browser form, or a cross-site page, can send):
 *   @fastify/csrf-protection with a signed cookie. GET /buy/:permalink gives the visitor a
 *   random secret in the `shop_csrf` cookie (HttpOnly, SameSite=Strict, signed by @fastify/cookie
 *   with the shop's cookie secret) and puts a token made from that secret in the form (`_csrf`).
 *   The post must carry a token that verifies against the cookie's secret, and the cookie must
 *   carry our signature: a value an attacker plants in the victim's cookie jar (from a sibling
 *   subdomain, say) and repeats in the form is refused, which a plain double-submit cookie was not.
 * - JSON posts (API clients, tests, benchmarks; no page load needed): the Content-Type
 *   `application/json` is itself the protection. A cross-site HTML form can only send
 *   urlencoded, multipart or text/plain bodies; a cross-site fetch with application/json needs a
 *   CORS preflight, which this server never grants. Multipart and text/plain are refused (415).
 * - Either way, a request whose Origin header names another site, or is `null`, is refused
 *   (defence in depth; isForeignOrigin in @errand/web).
 */
import { randomBytes } from 'node:crypto';
import csrfProtection from '@fastify/csrf-protection';
import { isForeignOrigin } from '@errand/web';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export const CSRF_COOKIE = 'shop_csrf';
export const CSRF_MESSAGE = 'This form has expired or was sent from another site. Reload the page and try again.';

/** A cookie secret for one process, when none is configured (forms then verify only in the process that served them). */
export function randomCookieSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** After @fastify/cookie (registered with a secret): reply.generateCsrf() and the form check. */
export async function registerCsrf(app: FastifyInstance, o: { secure: boolean }): Promise<void> {
  await app.register(csrfProtection, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: o.secure, signed: true },
    getToken: (req: FastifyRequest) => {
      const v = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof v === 'string' ? v : undefined;
    },
    logLevel: 'debug',
  });
}

/** The token for the visitor's form (sets the signed secret cookie on first visit). */
export function csrfTokenFor(reply: FastifyReply): string {
  return reply.generateCsrf();
}

export function isJson(req: FastifyRequest): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** A foreign Origin: why the request is refused, or null. */
export function originProblem(req: FastifyRequest): string | null {
  return isForeignOrigin(req.headers.origin, req.host) ? 'This request came from another site.' : null;
}

/**
 * The form check as a route hook (after the handler's own preValidation has found the product):
 * JSON posts pass; a form post needs a token that verifies against its signed cookie, else 403
 * (FST_CSRF_* errors, answered with CSRF_MESSAGE by routes/errors.ts).
 */
export function formCsrfHook(app: FastifyInstance) {
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (reply.sent || isJson(req)) {
      done();
      return;
    }
    app.csrfProtection(req, reply, done);
  };
}
