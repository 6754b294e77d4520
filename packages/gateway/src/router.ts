/** The /v1 routes: which handler, which keys may call it, and whether faults apply. */
import { createCharge, listCharges, retrieveCharge, searchCharges } from './api/charges.js';
import type { ApiHandler } from './api/context.js';
import { createRefund, retrieveRefund } from './api/refunds.js';
import { createToken, retrieveToken } from './api/tokens.js';

export interface Route {
  handler: ApiHandler;
  /** Publishable keys (pk_test_…) may call it: only token creation, as in Stripe. */
  publishable: boolean;
  /** Share faults (500, 429, hang, reset, lost response) apply. Latency applies to every /v1 route. */
  faultable: boolean;
}

export interface Match {
  route: Route;
  id: string | undefined;
}

const r = (handler: ApiHandler, publishable = false, faultable = false): Route => ({ handler, publishable, faultable });

const EXACT: Record<string, Route> = {
  'POST /v1/tokens': r(createToken, true),
  'POST /v1/charges': r(createCharge, false, true),
  'GET /v1/charges': r(listCharges),
  'GET /v1/charges/search': r(searchCharges),
  'POST /v1/refunds': r(createRefund, false, true),
};

const WITH_ID: Record<string, Route> = {
  'GET /v1/charges/': r(retrieveCharge),
  'GET /v1/refunds/': r(retrieveRefund),
  'GET /v1/tokens/': r(retrieveToken),
};

const ID = /^[A-Za-z0-9_]{1,255}$/;

export function matchRoute(method: string, path: string): Match | null {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const exact = EXACT[`${method} ${trimmed}`];
  if (exact) return { route: exact, id: undefined };
  const slash = trimmed.lastIndexOf('/');
  const prefix = trimmed.slice(0, slash + 1);
  const id = trimmed.slice(slash + 1);
  const withId = WITH_ID[`${method} ${prefix}`];
  if (withId && ID.test(id)) return { route: withId, id };
  return null;
}
