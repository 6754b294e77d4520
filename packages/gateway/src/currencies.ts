/**
 * Currencies accepted by the gateway, with Stripe's minimum charge amount in the currency's
 * smallest unit (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
 * Zero-decimal currencies (jpy, krw, …) count whole units.
 */
const MINIMUMS: Record<string, number> = {
  usd: 50, eur: 50, gbp: 30, jpy: 50, cad: 50, aud: 50, nzd: 50, chf: 50, sek: 300, nok: 300,
  dkk: 250, pln: 200, czk: 1500, huf: 17500, ron: 200, bgn: 100, mxn: 1000, brl: 50, inr: 50,
  sgd: 50, hkd: 400, krw: 100, thb: 1000, myr: 200, aed: 200, ils: 200, zar: 50, try: 50,
  cny: 400, twd: 2000, php: 2500, idr: 1000000,
};

export const MAX_AMOUNT = 99_999_999;

export function isCurrency(code: string): boolean {
  return Object.hasOwn(MINIMUMS, code);
}

export function minimumAmount(code: string): number {
  return MINIMUMS[code] ?? 50;
}

export function supportedCurrencies(): string[] {
  return Object.keys(MINIMUMS);
}
