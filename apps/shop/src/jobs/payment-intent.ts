/**
 * Apply what a PaymentIntent says to its sale — the one place that reads a PaymentIntent's status,
 * used by the charge job, the follow-up check, the webhook job and reconciliation alike. Each
 * move is a guarded update, so applying the same PaymentIntent twice (a webhook and the job, in
 * either order) changes nothing the second time.
 */
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { ShopStore } from '../db/types.js';
import { ABANDONED_MESSAGE, cardMessage } from './gateway-errors.js';

/**
 * - settled: the sale is finished or errored (or was already).
 * - requires_action: the customer has a challenge to answer; the sale holds the client secret.
 * - pending: processing at the gateway; look again later.
 */
export type IntentOutcome = 'settled' | 'requires_action' | 'pending';

export const AUTH_FAILED = 'payment_intent_authentication_failure';

export const chargeIdOf = (pi: Stripe.PaymentIntent): string | null =>
  typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null);

export async function applyIntent(store: ShopStore, guid: string, pi: Stripe.PaymentIntent, logger: Pick<Logger, 'info'>): Promise<IntentOutcome> {
  switch (pi.status) {
    case 'succeeded': {
      const chargeId = chargeIdOf(pi) ?? pi.id;
      if (await store.markFinished(guid, chargeId, pi.id)) logger.info({ guid, paymentIntent: pi.id, chargeId }, 'charge: succeeded');
      return 'settled';
    }
    case 'requires_action':
      if (pi.client_secret) await store.markRequiresAction(guid, pi.id, pi.client_secret);
      return 'requires_action';
    case 'requires_payment_method': {
      // A decline, or a failed authentication: the shop does not ask for another card on the same
      // PaymentIntent — the customer's next attempt is a new sale.
      const e = pi.last_payment_error;
      const { message, code } = cardMessage({ code: e?.code ?? undefined, decline_code: e?.decline_code ?? undefined });
      const failedAuth = e?.code === AUTH_FAILED;
      if (await store.markErrored(guid, message, code, failedAuth ? 'failed' : null, pi.id)) {
        logger.info({ guid, paymentIntent: pi.id, code }, failedAuth ? 'charge: authentication failed' : 'charge: declined');
      }
      return 'settled';
    }
    case 'canceled':
      if (await store.markErrored(guid, ABANDONED_MESSAGE, 'authentication_abandoned', 'abandoned', pi.id)) {
        logger.info({ guid, paymentIntent: pi.id }, 'charge: payment intent canceled');
      }
      return 'settled';
    default:
      // processing, requires_confirmation, requires_capture: not settled yet.
      return 'pending';
  }
}
