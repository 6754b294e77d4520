/**
 * One /v1 request, in order: route → body → auth → fault plan → failure before execution
 * (hang, reset, 500, 429) → idempotency key → latency (the key is in flight meanwhile) →
 * execute → save for replay → answer, or destroy the connection (lost response).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext, Services } from './api/context.js';
import { authenticate, keyFromHeader } from './auth.js';
import { ApiError, apiError, errorJson, invalidRequest, rateLimited, unrecognizedUrl } from './errors.js';
import type { FaultInjector, FaultPlan } from './faults.js';
import { FormError, type FormObject, parseForm } from './form.js';
import { readBody, sendJson } from './http.js';
import { canonical, type IdempotencyStore } from './idempotency.js';
import { randomId } from './ids.js';
import type { Store } from './ledger/store.js';
import { matchRoute } from './router.js';

export interface PipelineDeps {
  store: Store;
  keys: IdempotencyStore;
  faults: FaultInjector;
  now: () => number;
  sleep(ms: number): Promise<void>;
  /** Holds a request open until the client leaves or the server closes. */
  hang(req: IncomingMessage): void;
  svc: Services;
  /** The gateway's URL, when the request names no Host. */
  baseUrl(): string;
}

/** What happened, for the log line. */
export type Outcome = { status: number; note?: string };

function isForm(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type === undefined || type.startsWith('application/x-www-form-urlencoded');
}

function send(res: ServerResponse, status: number, body: string, requestId: string, extra?: Record<string, string>): void {
  const headers: Record<string, string> = { 'Request-Id': requestId, ...extra };
  sendJson(res, status, body, headers);
}

export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  query: string,
  deps: PipelineDeps,
): Promise<Outcome> {
  const requestId = randomId('req_', 14);
  const idempotencyHeader = req.headers['idempotency-key'];
  const idempotencyKey = typeof idempotencyHeader === 'string' ? idempotencyHeader : null;
  const echo: Record<string, string> = idempotencyKey && method === 'POST' ? { 'Idempotency-Key': idempotencyKey } : {};
  const fail = (err: ApiError): Outcome => {
    send(res, err.status, errorJson(err), requestId, echo);
    return { status: err.status };
  };

  const match = matchRoute(method, path);
  let params: FormObject;
  try {
    const text = method === 'POST' ? await readBody(req) : query;
    if (method === 'POST' && text.length > 0 && !isForm(req)) {
      return fail(invalidRequest('Invalid request: the body must be application/x-www-form-urlencoded.'));
    }
    params = parseForm(text);
  } catch (e) {
    if (e instanceof ApiError) {
      res.setHeader('Connection', 'close');
      return fail(e);
    }
    if (e instanceof FormError) return fail(invalidRequest(`Invalid request body: ${e.message}`, e.param || undefined));
    throw e;
  }

  const bodyKey = match?.route.publishable && typeof params['key'] === 'string' ? params['key'] : undefined;
  const auth = authenticate(keyFromHeader(req.headers.authorization) ?? bodyKey, match?.route.publishable ?? false);
  if (auth instanceof ApiError) return fail(auth);
  if (!match) return fail(unrecognizedUrl(method, path));

  const plan: FaultPlan = match.route.faultable
    ? deps.faults.plan()
    : { delayMs: deps.faults.delay(), before: null, lostResponse: false };

  if (plan.before === 'hang') {
    deps.hang(req);
    return { status: 0, note: 'fault:hang' };
  }
  if (plan.before === 'reset') {
    req.socket.resetAndDestroy();
    return { status: 0, note: 'fault:reset' };
  }
  if (plan.before === 'error500' || plan.before === 'error429') {
    await deps.sleep(plan.delayMs);
    const err = plan.before === 'error500' ? apiError() : rateLimited();
    fail(err);
    return { status: err.status, note: `fault:${plan.before}` };
  }

  let slot: string | null = null;
  if (method === 'POST' && idempotencyKey !== null) {
    try {
      const fingerprint = `${method} ${path}\n${canonical(params)}`;
      const begun = deps.keys.begin(auth.key, idempotencyKey, fingerprint);
      if (begun.kind === 'replay') {
        await deps.sleep(plan.delayMs);
        if (plan.lostResponse) return lose(req, 'replayed');
        const { status, body, requestId: original } = begun.saved;
        send(res, status, body, requestId, { ...echo, 'Idempotent-Replayed': 'true', 'Original-Request': original });
        return { status, note: 'replayed' };
      }
      slot = begun.slot;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      await deps.sleep(plan.delayMs);
      return fail(e);
    }
  }

  await deps.sleep(plan.delayMs);

  const ctx: ApiContext = {
    params,
    id: match.id,
    idempotencyKey: method === 'POST' ? idempotencyKey : null,
    clientIp: req.socket.remoteAddress ?? null,
    store: deps.store,
    nowSeconds: Math.floor(deps.now() / 1000),
    publishable: auth.publishable,
    baseUrl: req.headers.host ? `http://${req.headers.host}` : deps.baseUrl(),
    request: { id: requestId, idempotency_key: method === 'POST' ? idempotencyKey : null },
    svc: deps.svc,
  };
  let status: number;
  let body: string;
  let executed: boolean;
  try {
    const result = match.route.handler(ctx);
    status = result.status;
    body = JSON.stringify(result.body);
    executed = true;
  } catch (e) {
    if (!(e instanceof ApiError)) {
      if (slot) deps.keys.release(slot);
      throw e;
    }
    status = e.status;
    body = errorJson(e);
    executed = e.executed;
  }
  if (slot) {
    if (executed) deps.keys.save(slot, { status, body, requestId });
    else deps.keys.release(slot);
  }
  if (plan.lostResponse) return lose(req, `executed ${status}`);
  send(res, status, body, requestId, echo);
  return { status };
}

function lose(req: IncomingMessage, what: string): Outcome {
  req.socket.destroy();
  return { status: 0, note: `fault:lost-response (${what})` };
}
