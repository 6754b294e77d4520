/** The event object (`evt_…`) that webhooks carry: every field of Stripe's example. */
import { randomId } from '../ids.js';

/** The event types the gateway sends. */
export type EventType =
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'payment_intent.requires_action'
  | 'payment_intent.canceled'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'charge.refunded'
  | 'charge.dispute.created';

/** Stripe's API version the objects are shaped after (the one stripe-node 23.1 pins). */
export const API_VERSION = '2026-10-28.endive';

export interface EventRequest {
  id: string | null;
  idempotency_key: string | null;
}

export interface EventObject {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: EventRequest;
  type: EventType;
}

export function buildEvent(type: EventType, object: unknown, created: number, request: EventRequest, previous?: Record<string, unknown>): EventObject {
  return {
    id: randomId('evt_'),
    object: 'event',
    api_version: API_VERSION,
    created,
    // A snapshot: later changes to the object must not change an event already sent.
    data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
    livemode: false,
    pending_webhooks: 0,
    request,
    type,
  };
}
