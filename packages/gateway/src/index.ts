/** @errand/gateway: a local Stripe-compatible payment gateway for development and tests. */
export { luhnValid, MAGIC_PAYMENT_METHODS, TEST_CARDS } from './cards.js';
export { createTestToken } from './client.js';
export { startGateway } from './server.js';
export type { Delivery, EventLogEntry, Faults, Gateway, GatewayOptions, LedgerEntry } from './types.js';
export { signPayload as signWebhookPayload } from './webhooks/sign.js';
