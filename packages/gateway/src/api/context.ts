/** What an API handler receives and returns. */
import type { FormObject } from '../form.js';
import type { Store } from '../ledger/store.js';

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
}

export interface ApiResult {
  status: number;
  body: unknown;
}

export type ApiHandler = (ctx: ApiContext) => ApiResult;
