/** Small node:http helpers: bodies with a size limit, JSON replies, CORS. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tooLarge } from './errors.js';

export const BODY_LIMIT = 64 * 1024;

export function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(body);
}

export type CorsOrigins = string[] | '*';

/** Sets Access-Control-Allow-Origin (the request's Origin when allowed). Returns false when the origin is not allowed. */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: CorsOrigins): boolean {
  const origin = req.headers.origin;
  res.setHeader('Vary', 'Origin');
  if (!origin) {
    if (allowed === '*') res.setHeader('Access-Control-Allow-Origin', '*');
    return true;
  }
  if (allowed !== '*' && !allowed.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'Request-Id, Idempotent-Replayed, Idempotency-Key');
  return true;
}

export function preflight(req: IncomingMessage, res: ServerResponse, allowed: CorsOrigins): void {
  if (applyCors(req, res, allowed)) {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, Stripe-Version');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.statusCode = 204;
  res.end();
}
