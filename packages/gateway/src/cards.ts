/** Stripe's test cards and what happens when they are charged. */

export interface Decline {
  /** Error `code` and the charge's `failure_code`. */
  code: string;
  declineCode: string;
  message: string;
  /** The card field the error points at, when Stripe names one. */
  param?: string;
}

interface CardBehaviour {
  description: string;
  funding?: 'credit' | 'debit';
  decline?: Decline;
  /** A PaymentIntent confirmed with it goes to requires_action (3-D Secure); the Charges API declines it. */
  authenticate?: boolean;
  /** What happens once authenticated: undefined succeeds. */
  afterAuthentication?: Decline;
}

const DECLINED = 'Your card was declined.';
const decline = (declineCode: string, message = DECLINED, code = 'card_declined', param?: string): Decline => ({
  code,
  declineCode,
  message,
  param,
});

/** Cards with a defined behaviour. Any other number that passes the Luhn check is declined like a live card in test mode. */
const CARDS: Record<string, CardBehaviour> = {
  '4242424242424242': { description: 'Visa: succeeds' },
  '4000056655665556': { description: 'Visa (debit): succeeds', funding: 'debit' },
  '5555555555554444': { description: 'Mastercard: succeeds' },
  '2223003122003222': { description: 'Mastercard (2-series): succeeds' },
  '5200828282828210': { description: 'Mastercard (debit): succeeds', funding: 'debit' },
  '378282246310005': { description: 'American Express: succeeds' },
  '371449635398431': { description: 'American Express: succeeds' },
  '6011111111111117': { description: 'Discover: succeeds' },
  '3056930009020004': { description: 'Diners Club: succeeds' },
  '3566002020360505': { description: 'JCB: succeeds' },
  '6200000000000005': { description: 'UnionPay: succeeds' },
  '4000000000000002': { description: 'Declined: card_declined / generic_decline', decline: decline('generic_decline') },
  '4000000000009995': {
    description: 'Declined: card_declined / insufficient_funds',
    decline: decline('insufficient_funds', 'Your card has insufficient funds.'),
  },
  '4000000000009987': { description: 'Declined: card_declined / lost_card', decline: decline('lost_card') },
  '4000000000009979': { description: 'Declined: card_declined / stolen_card', decline: decline('stolen_card') },
  '4100000000000019': { description: 'Declined: card_declined / fraudulent (blocked)', decline: decline('fraudulent') },
  '4000000000000069': {
    description: 'Declined: expired_card',
    decline: decline('expired_card', 'Your card has expired.', 'expired_card', 'exp_month'),
  },
  '4000000000000127': {
    description: 'Declined: incorrect_cvc',
    decline: decline('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc', 'cvc'),
  },
  '4000000000000119': {
    description: 'Declined: processing_error',
    decline: decline(
      'processing_error',
      'An error occurred while processing your card. Try again in a little bit.',
      'processing_error',
    ),
  },
  '4000002500003155': {
    description: '3-D Secure: authentication required (one-time payments), then succeeds',
    authenticate: true,
  },
  '4000002760003184': { description: '3-D Secure: always authenticate, then succeeds', authenticate: true },
  '4000008260003178': {
    description: '3-D Secure: authenticates, then declined: card_declined / insufficient_funds',
    authenticate: true,
    afterAuthentication: decline('insufficient_funds', 'Your card has insufficient funds.'),
  },
  '4000000000000341': {
    description: 'Tokenizes, then the charge fails: card_declined / generic_decline',
    decline: decline('generic_decline'),
  },
};

const LIVE_CARD_IN_TEST_MODE = decline(
  'test_mode_live_card',
  'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
);

/** Test card number → what happens when it is charged (for docs and the shop's checkout page). */
export const TEST_CARDS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries([
    ...Object.entries(CARDS).map(([n, c]) => [n, c.description]),
    ['4242424242424241', 'Rejected when tokenized: incorrect_number (fails the Luhn check)'],
  ]),
);

/** Stripe's magic test tokens, usable any number of times as a charge `source`. */
export const MAGIC_TOKENS: Readonly<Record<string, string>> = {
  tok_visa: '4242424242424242',
  tok_visa_debit: '4000056655665556',
  tok_mastercard: '5555555555554444',
  tok_mastercard_debit: '5200828282828210',
  tok_amex: '378282246310005',
  tok_discover: '6011111111111117',
  tok_diners: '3056930009020004',
  tok_jcb: '3566002020360505',
  tok_unionpay: '6200000000000005',
  tok_chargeDeclined: '4000000000000002',
  tok_chargeDeclinedInsufficientFunds: '4000000000009995',
  tok_chargeDeclinedLostCard: '4000000000009987',
  tok_chargeDeclinedStolenCard: '4000000000009979',
  tok_chargeDeclinedFraudulent: '4100000000000019',
  tok_chargeDeclinedExpiredCard: '4000000000000069',
  tok_chargeDeclinedIncorrectCvc: '4000000000000127',
  tok_chargeDeclinedProcessingError: '4000000000000119',
  tok_chargeCustomerFail: '4000000000000341',
  tok_threeDSecure2Required: '4000002760003184',
};

/**
 * Stripe's magic test payment methods, usable any number of times as a PaymentIntent's
 * `payment_method`: `pm_card_<name>` for every `tok_<name>` above, and the 3-D Secure ones.
 */
export const MAGIC_PAYMENT_METHODS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(MAGIC_TOKENS).map(([tok, n]) => [`pm_card_${tok.slice(4)}`, n])),
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_authenticationRequiredChargeDeclinedInsufficientFunds: '4000008260003178',
};

const AUTHENTICATION_REQUIRED = decline('authentication_required', 'Your card was declined. This transaction requires authentication.');

/**
 * What charging this card number without authentication does (the Charges API, which cannot do
 * 3-D Secure): undefined when it succeeds.
 */
export function declineFor(number: string): Decline | undefined {
  const known = CARDS[number];
  if (!known) return LIVE_CARD_IN_TEST_MODE;
  return known.authenticate ? AUTHENTICATION_REQUIRED : known.decline;
}

/** A PaymentIntent paid with this card needs 3-D Secure before it is charged. */
export function needsAuthentication(number: string): boolean {
  return CARDS[number]?.authenticate === true;
}

/** What charging this card does once 3-D Secure succeeded: undefined when it succeeds. */
export function declineAfterAuthentication(number: string): Decline | undefined {
  const known = CARDS[number];
  return known?.authenticate ? known.afterAuthentication : declineFor(number);
}

export function fundingFor(number: string): 'credit' | 'debit' {
  return CARDS[number]?.funding ?? 'credit';
}

export function luhnValid(number: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i--) {
    let d = number.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Brand names as Stripe spells them on card objects. */
export function brandOf(number: string): string {
  const two = Number(number.slice(0, 2));
  const four = Number(number.slice(0, 4));
  if (number.startsWith('4')) return 'Visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'MasterCard';
  if (two === 34 || two === 37) return 'American Express';
  if (number.startsWith('6011') || two === 65 || (four >= 6440 && four <= 6499)) return 'Discover';
  if (two === 36 || two === 38 || (four >= 3000 && four <= 3059)) return 'Diners Club';
  if (two === 35) return 'JCB';
  if (two === 62) return 'UnionPay';
  return 'Unknown';
}
