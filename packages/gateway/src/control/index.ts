/**
 * /_control routes: faults, ledger, reset, health. No auth (a local test tool); never faulted.
 * POSTs must be application/json and no request may come from another origin (guard.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults.js';
import { readBody, sendJson } from '../http.js';
import type { Store } from '../ledger/store.js';
import { isJson, refuseForeignOrigin } from './guard.js';

export interface ControlDeps {
  faults: FaultInjector;
  store: Store;
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

export async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, deps: ControlDeps): Promise<void> {
  const route = `${req.method} ${path.endsWith('/') ? path.slice(0, -1) : path}`;
  const foreign = refuseForeignOrigin(req, deps.ownOrigins);
  if (foreign) {
    req.resume();
    return bad(res, 403, foreign);
  }
  let body: unknown;
  if (req.method === 'POST') {
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
  switch (route) {
    case 'GET /_control/health':
      return sendJson(res, 200, JSON.stringify({ ok: true }));
    case 'GET /_control/faults':
      return sendJson(res, 200, JSON.stringify(deps.faults.get()));
    case 'POST /_control/faults':
      try {
        return sendJson(res, 200, JSON.stringify(deps.faults.set(body as never)));
      } catch (e) {
        return bad(res, 400, (e as Error).message, 'faults');
      }
    case 'GET /_control/ledger':
      return sendJson(res, 200, JSON.stringify({ charges: deps.store.ledger() }));
    case 'POST /_control/reset': {
      const restoreFaults = typeof body === 'object' && body !== null && (body as { faults?: unknown }).faults === true;
      deps.reset();
      const faults = restoreFaults ? deps.faults.restoreDefaults() : deps.faults.get();
      return sendJson(res, 200, JSON.stringify({ reset: true, faults }));
    }
    default:
      return bad(res, 404, `Unrecognized control URL (${req.method}: ${path}). Known: GET /_control/health, GET|POST /_control/faults, GET /_control/ledger, POST /_control/reset.`);
  }
}
