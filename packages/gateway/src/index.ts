/** @errand/gateway: a local Stripe-compatible payment gateway for development and tests. */
export { luhnValid, TEST_CARDS } from './cards.ts';
export { createTestToken } from './client.ts';
export { startGateway } from './server.ts';
export type { Faults, Gateway, GatewayOptions, LedgerEntry } from './types.ts';
