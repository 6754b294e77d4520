/**
 * CSRF protection for POST /buy — how it applies to each kind of request:
 *
 * - Form-encoded posts (what a browser form, or a cross-site page, can send): double-submit
 *   cookie. GET /buy/:permalink sets a random token in an HttpOnly, SameSite=Strict cookie and
 *   embeds the same token in the form (`_csrf`). The post must carry both, equal. Another site can
 *   make the browser send the cookie (not with SameSite=Strict, but older browsers ignore it) but
 *   cannot read it to put it in the body.
 * - JSON posts (API clients, tests, benchmarks; no page load needed): the Content-Type
 *   `application/json` is itself the protection. A cross-site HTML form can only send
 *   urlencoded, multipart or text/plain bodies; a cross-site fetch with application/json needs a
 *   CORS preflight, which this server never grants. Multipart and text/plain are refused (415).
 * - Either way, a request whose Origin header names another site, or is `null`, is refused
 *   (defence in depth; isForeignOrigin in @errand/web).
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual, isForeignOrigin } from '@errand/web';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const CSRF_COOKIE = 'shop_csrf';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The visitor's token (from the cookie), or a new one set on the reply. */
export function csrfTokenFor(req: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = req.cookies[CSRF_COOKIE];
  if (existing && TOKEN.test(existing)) return existing;
  const token = newCsrfToken();
  reply.setCookie(CSRF_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
  return token;
}

export function isJson(req: FastifyRequest): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** Why the request is refused, or null when it may proceed. */
export function csrfProblem(req: FastifyRequest): string | null {
  if (isForeignOrigin(req.headers.origin, req.host)) return 'This request came from another site.';
  if (isJson(req)) return null;
  const cookie = req.cookies[CSRF_COOKIE];
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof cookie !== 'string' || typeof field !== 'string' || !TOKEN.test(field) || !constantTimeEqual(cookie, field)) {
    return 'This form has expired or was sent from another site. Reload the page and try again.';
  }
  return null;
}
