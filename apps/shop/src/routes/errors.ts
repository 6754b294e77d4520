/**
 * One place that turns errors into answers: every client mistake is a 4xx with {"error": "…"}
 * that says what is wrong; the database being away is a 503 with Retry-After; anything else is
 * logged and answered 500 without details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseAway } from '../db/away.js';
import { CSRF_MESSAGE } from '../security/csrf.js';
import { notFoundPage } from '../views/pickup.js';
import { validationMessage } from './schemas.js';

const MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: send application/json or application/x-www-form-urlencoded.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The JSON body is empty: send {"stripeToken": "tok_…", "email": "…"}.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length does not match the body.',
  FST_CSRF_MISSING_SECRET: CSRF_MESSAGE,
  FST_CSRF_INVALID_TOKEN: CSRF_MESSAGE,
};

function wantsHtml(req: FastifyRequest): boolean {
  return req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '');
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) return reply.code(400).send({ error: validationMessage(error.validation) });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = MESSAGES[error.code] ?? (error instanceof SyntaxError ? 'The body is not valid JSON.' : error.message);
      return reply.code(status).send({ error: message });
    }
    if (databaseAway(error)) {
      req.log.warn({ err: error.message }, 'database unavailable');
      return reply.code(503).header('retry-after', '2').send({ error: 'The shop is briefly unavailable and nothing was charged. Please try again in a moment.' });
    }
    req.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'Something went wrong on our side. Please try again.' });
  });

  app.setNotFoundHandler((req, reply) => {
    if (wantsHtml(req)) return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage());
    return reply.code(404).send({ error: 'not found' });
  });
}
