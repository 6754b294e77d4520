/** What an API handler receives and returns, and the services shared with the control routes. */
import type { FaultInjector } from '../faults.js';
import type { FormObject } from '../form.js';
import type { Store } from '../ledger/store.js';
import type { EventRequest } from '../objects/event.js';
import type { Webhooks } from '../webhooks/dispatcher.js';

/** The gateway's state and side effects, for API handlers and control routes alike. */
export interface Services {
  store: Store;
  webhooks: Webhooks;
  faults: FaultInjector;
  /** Unix seconds. */
  nowSeconds(): number;
  /** Runs fn after ms (timers end with the gateway). */
  later(ms: number, fn: () => void): void;
}

export interface ApiContext {
  /** Form body for POST, query string for GET, both parsed with bracket syntax. */
  params: FormObject;
  /** Path parameter (`:id`), when the route has one. */
  id: string | undefined;
  idempotencyKey: string | null;
  clientIp: string | null;
  store: Store;
  /** Unix seconds. */
  nowSeconds: number;
  /** The caller used a publishable key (Stripe.js): only some routes, with a client_secret. */
  publishable: boolean;
  /** The gateway's URL as the caller reached it (for the 3-D Secure page's address). */
  baseUrl: string;
  /** `request` of the events this request causes. */
  request: EventRequest;
  svc: Services;
}

export interface ApiResult {
  status: number;
  body: unknown;
}

export type ApiHandler = (ctx: ApiContext) => ApiResult;
