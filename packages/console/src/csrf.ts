import type { FastifyRequest } from 'fastify';
import { constantTimeEqual, isForeignOrigin } from '#web';

/**
 * CSRF: every form carries the session's token in `_csrf`; every POST is refused (403) unless it
 * matches. As a second fence, a POST whose Origin header names another host is refused too (this
 * also covers the sign-in form, which has no session yet).
 */
export function tokenMatches(expected: string, given: unknown): boolean {
  return typeof given === 'string' && constantTimeEqual(expected, given);
}

/** The Origin header against the Host header (see isForeignOrigin in @errand/web). */
export function foreignOrigin(request: FastifyRequest): boolean {
  return isForeignOrigin(request.headers.origin, request.headers.host);
}

export function formField(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function formList(body: unknown, name: string): string[] {
  if (!body || typeof body !== 'object') return [];
  const v = (body as Record<string, unknown>)[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}
