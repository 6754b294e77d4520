/** The /v1 routes: which handler, which keys may call it, and whether faults apply. */
import { createCharge, listCharges, retrieveCharge, searchCharges } from './api/charges.js';
import type { ApiHandler } from './api/context.js';
import {
  cancelPaymentIntent,
  confirmPaymentIntent,
  createPaymentIntent,
  listPaymentIntents,
  retrievePaymentIntent,
  searchPaymentIntents,
} from './api/payment-intents.js';
import { createPaymentMethod, retrievePaymentMethod } from './api/payment-methods.js';
import { createRefund, retrieveRefund } from './api/refunds.js';
import { createToken, retrieveToken } from './api/tokens.js';

export interface Route {
  handler: ApiHandler;
  /** Publishable keys (pk_test_…) may call it, as Stripe.js does: tokens, payment methods, and a PaymentIntent with its client_secret. */
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
  'POST /v1/payment_methods': r(createPaymentMethod, true),
  'POST /v1/payment_intents': r(createPaymentIntent, false, true),
  'GET /v1/payment_intents': r(listPaymentIntents),
  'GET /v1/payment_intents/search': r(searchPaymentIntents),
};

const WITH_ID: Record<string, Route> = {
  'GET /v1/charges/': r(retrieveCharge),
  'GET /v1/refunds/': r(retrieveRefund),
  'GET /v1/tokens/': r(retrieveToken),
  'GET /v1/payment_methods/': r(retrievePaymentMethod),
  'GET /v1/payment_intents/': r(retrievePaymentIntent, true),
};

/** `METHOD /v1/things/:id/action`, keyed with `:id` in place of the id. */
const WITH_ID_ACTION: Record<string, Route> = {
  'POST /v1/payment_intents/:id/confirm': r(confirmPaymentIntent, true, true),
  'POST /v1/payment_intents/:id/cancel': r(cancelPaymentIntent, false, true),
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
  const action = /^(\/v1\/[a-z_]+\/)([^/]+)(\/[a-z_]+)$/.exec(trimmed);
  if (action && ID.test(action[2])) {
    const route = WITH_ID_ACTION[`${method} ${action[1]}:id${action[3]}`];
    if (route) return { route, id: action[2] };
  }
  return null;
}
