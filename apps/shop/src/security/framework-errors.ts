/**
 * The answers Fastify gives before any route or hook runs — a URL that does not decode
 * (FST_ERR_BAD_URL, 400), a path parameter over maxParamLength (414), a request Node's parser
 * refuses (clientError) — with the same security headers as every other answer (helmet's, from
 * the same options) and a fixed message: the URL is never echoed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

/** The headers helmet sets for these options, computed once (helmet writes them onto a response; this one only records). */
export function securityHeaders(options: FastifyHelmetOptions): Record<string, string> {
  const { enableCSPNonces: _nonces, global: _global, ...config } = options as FastifyHelmetOptions & { enableCSPNonces?: unknown; global?: unknown };
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(config as Parameters<typeof helmet>[0])({} as IncomingMessage, res as unknown as ServerResponse, () => {});
  headers['cache-control'] = 'no-store';
  return headers;
}

const MESSAGES: Record<string, { status: number; error: string }> = {
  FST_ERR_BAD_URL: { status: 400, error: 'The address is not valid: it has a malformed percent escape.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'The address is too long.' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, error: 'The request could not be routed.' },
};

export function frameworkErrors(headers: Record<string, string>) {
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
    const known = MESSAGES[error.code] ?? { status: error.statusCode && error.statusCode < 500 ? error.statusCode : 400, error: 'Bad request.' };
    reply.code(known.status).headers(headers).type('application/json; charset=utf-8').send({ error: known.error });
  };
}

/** Node's parser refused the request (a malformed request line or header, headers too large). */
export function clientErrorHandler(headers: Record<string, string>) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) return;
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({ error: tooLarge ? 'The request headers are too large.' : 'The request is malformed.' });
    const lines = [`HTTP/1.1 ${status}`, 'Connection: close', 'Content-Type: application/json; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  };
}
