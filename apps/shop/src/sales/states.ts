/**
 * The sale state machine.
 *
 *   pending ──▶ processing ──▶ finished ──▶ refunded
 *                    │
 *                    └──────▶ errored
 *
 * Each transition is one guarded UPDATE (`… WHERE guid = ? AND state IN (from…)`), so a late or
 * repeated job can never move a finished sale back. `processing → processing` is allowed: a
 * retried charge attempt re-enters it. The SQL in db/queries/*.ts spells these lists out; a
 * property test (test/sales.test.ts, "every transition moves only from the states TRANSITIONS
 * allows") checks every store against this table.
 */
export const SALE_STATES = ['pending', 'processing', 'finished', 'errored', 'refunded'] as const;
export type SaleState = (typeof SALE_STATES)[number];

export const TRANSITIONS = {
  processing: ['pending', 'processing'],
  finished: ['processing'],
  errored: ['processing'],
  refunded: ['finished'],
} as const satisfies Record<Exclude<SaleState, 'pending'>, readonly SaleState[]>;

/**
 * What GET /status/:guid shows for a state. (It also shows `requires_action`, with the client
 * secret, for a processing sale whose PaymentIntent waits for 3-D Secure: routes/status.ts.)
 */
export type PublicStatus = 'pending' | 'processing' | 'finished' | 'error';

export function publicStatus(state: SaleState): PublicStatus {
  switch (state) {
    case 'pending':
      return 'pending';
    case 'processing':
      return 'processing';
    case 'finished':
      return 'finished';
    case 'errored':
    case 'refunded':
      return 'error';
  }
}

export function isSaleState(s: unknown): s is SaleState {
  return typeof s === 'string' && (SALE_STATES as readonly string[]).includes(s);
}
