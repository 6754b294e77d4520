/**
 * Money: an integer amount in minor units plus an ISO 4217 code, shown as "$9.00", "¥500",
 * "HUF 175.00", "BHD 1.250".
 *
 * The exponent table is the one Stripe's API uses, because that is what the shop stores (the
 * amount it sends to the gateway, unchanged). It matches ISO 4217 except where Stripe does not:
 *
 * - Zero-decimal (the amount is whole units): Stripe's list, below. MGA is two-decimal in ISO
 *   but whole ariary at Stripe.
 * - Three-decimal: BHD JOD KWD OMR TND (Stripe wants the last digit 0; we show all three).
 * - Everything else is two-decimal, including the special cases Stripe documents: HUF and TWD
 *   are charged as two-decimal amounts (zero-decimal only for payouts), and ISK stays
 *   two-decimal in the API (amounts divisible by 100) although ISO gives it no minor unit. So
 *   17,500 HUF minor units are 175.00 forints, Stripe's minimum charge.
 *
 * Not Intl's digits: ICU gives HUF and IDR 0 and ISK 0, which showed one HUF sale as
 * "HUF 17,500" in the shop and "HUF 175" in the console. The gateway (packages/gateway,
 * currencies.ts) keeps its own minimums table, in the same units; test/money.test.ts checks the
 * two agree.
 */
const ZERO_DECIMAL = ['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];
const THREE_DECIMAL = ['BHD', 'JOD', 'KWD', 'OMR', 'TND'];

/** Every currency whose exponent is not 2. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries([...ZERO_DECIMAL.map((c) => [c, 0] as const), ...THREE_DECIMAL.map((c) => [c, 3] as const)]),
);

/** Digits after the decimal point in the currency's minor unit (0, 2 or 3). Case-insensitive. */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  return Object.hasOwn(CURRENCY_EXPONENTS, code) ? CURRENCY_EXPONENTS[code] : 2;
}

const formatters = new Map<string, Intl.NumberFormat | null>();

function formatterFor(code: string, digits: number): Intl.NumberFormat | null {
  let f = formatters.get(code);
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      f = null; // not a well-formed currency code
    }
    if (formatters.size < 1000) formatters.set(code, f);
  }
  return f;
}

/** The exact decimal, as a string: no float division, so huge amounts keep every digit. */
function decimal(amount: bigint, digits: number): string {
  const sign = amount < 0n ? '-' : '';
  const units = (amount < 0n ? -amount : amount).toString().padStart(digits + 1, '0');
  return digits === 0 ? sign + units : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

/**
 * Minor units → display string, always with the currency's full number of decimals (never
 * rounded): formatMoney(900, 'usd') = "$9.00", formatMoney(500, 'JPY') = "¥500",
 * formatMoney(17500, 'huf') = "HUF 175.00", formatMoney(-1250, 'kwd') = "-KWD 1.250".
 * Never throws: an unknown but well-formed code shows as "XYZ 1.00", a malformed one as
 * "1.00 X!"; a non-integer amount (a bug upstream) is shown as Intl rounds it.
 */
export function formatMoney(amount: number | bigint, currency: string): string {
  const code = String(currency).toUpperCase();
  const digits = currencyExponent(code);
  const f = formatterFor(code, digits);
  if (typeof amount === 'number' && !Number.isInteger(amount)) {
    const major = amount / 10 ** digits;
    return f ? f.format(major) : `${major.toFixed(digits)} ${code}`;
  }
  const exact = decimal(BigInt(amount), digits);
  return f ? f.format(exact as Intl.StringNumericLiteral) : `${exact} ${code}`;
}
