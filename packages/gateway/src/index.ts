/** @errand/gateway: a local Stripe-compatible payment gateway for development and tests. */
export { luhnValid, TEST_CARDS } from './cards.js';
export { createTestToken } from './client.js';
export { startGateway } from './server.js';
export type { Faults, Gateway, GatewayOptions, LedgerEntry } from './types.js';
