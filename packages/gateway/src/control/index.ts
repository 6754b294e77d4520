/**
 * /_control routes: health, faults, ledger, reset, webhooks and events, and what happens outside
 * the shop (a 3-D Secure answer, a dispute, a dashboard refund). No auth (a local test tool);
 * never faulted. POSTs must be application/json and no request may come from another origin
 * (guard.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../api/context.js';
import { ApiError } from '../errors.js';
import { readBody, sendJson } from '../http.js';
import type { Faults } from '../types.js';
import { ControlError, type ControlResult } from './result.js';
import { answerChallengeRoute, openDispute, refundFromDashboard } from './commerce.js';
import { isJson, refuseForeignOrigin } from './guard.js';
import { configureWebhooks, listEvents } from './webhooks.js';

export interface ControlDeps {
  svc: Services;
  setFaults(f: Partial<Faults>): Faults;
  reset(): void;
  /** The gateway's own origins (see guard.ts). */
  ownOrigins: ReadonlySet<string>;
}

function bad(res: ServerResponse, status: number, message: string, param?: string): void {
  sendJson(res, status, JSON.stringify({ error: { type: 'invalid_request_error', message, ...(param ? { param } : {}) } }));
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  return JSON.parse(text);
}

const KNOWN =
  'GET /_control/health, GET|POST /_control/faults, GET /_control/ledger, POST /_control/reset, GET|POST /_control/webhooks, GET /_control/events, POST /_control/3ds/:payment_intent/complete|fail, POST /_control/disputes, POST /_control/refunds';

function route(method: string, path: string, body: unknown, deps: ControlDeps): ControlResult | null {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  switch (`${method} ${path}`) {
    case 'GET /_control/health':
      return { body: { ok: true } };
    case 'GET /_control/faults':
      return { body: deps.svc.faults.get() };
    case 'POST /_control/faults':
      try {
        return { body: deps.setFaults(body as never) };
      } catch (e) {
        throw new ControlError(400, (e as Error).message, 'faults');
      }
    case 'GET /_control/ledger':
      return { body: { charges: deps.svc.store.ledger() } };
    case 'POST /_control/reset': {
      deps.reset();
      const faults = b.faults === true ? deps.svc.faults.restoreDefaults() : deps.svc.faults.get();
      return { body: { reset: true, faults } };
    }
    case 'GET /_control/webhooks':
      return { body: { endpoint: deps.svc.webhooks.endpoint() } };
    case 'POST /_control/webhooks':
      return configureWebhooks(deps.svc, b);
    case 'GET /_control/events':
      return listEvents(deps.svc);
    case 'POST /_control/disputes':
      return openDispute(deps.svc, b);
    case 'POST /_control/refunds':
      return refundFromDashboard(deps.svc, b);
  }
  const challenge = /^POST \/_control\/3ds\/([A-Za-z0-9_]+)\/(complete|fail)$/.exec(`${method} ${path}`);
  if (challenge) return answerChallengeRoute(deps.svc, challenge[1], challenge[2] as 'complete' | 'fail');
  return null;
}

export async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, deps: ControlDeps): Promise<void> {
  const method = req.method ?? 'GET';
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const foreign = refuseForeignOrigin(req, deps.ownOrigins);
  if (foreign) {
    req.resume();
    return bad(res, 403, foreign);
  }
  let body: unknown;
  if (method === 'POST') {
    if (!isJson(req)) {
      req.resume();
      return bad(res, 415, 'Control requests must be sent with Content-Type: application/json.');
    }
    try {
      body = await jsonBody(req);
    } catch (e) {
      const status = (e as { status?: number }).status === 413 ? 413 : 400;
      return bad(res, status, status === 413 ? 'Body too large.' : 'The body must be JSON.');
    }
  }
  try {
    const result = route(method, trimmed, body, deps);
    if (!result) return bad(res, 404, `Unrecognized control URL (${method}: ${path}). Known: ${KNOWN}.`);
    return sendJson(res, result.status ?? 200, JSON.stringify(result.body));
  } catch (e) {
    if (e instanceof ControlError) return bad(res, e.status, e.message, e.param);
    if (e instanceof ApiError) return sendJson(res, e.status, JSON.stringify({ error: e.body }));
    throw e;
  }
}
