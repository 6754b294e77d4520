import { describe, expect, it } from 'vitest';
import { CURRENCY_EXPONENTS, currencyExponent, formatMoney } from '../src/index.js';

describe('currencyExponent', () => {
  it("follows Stripe's API: zero-decimal and three-decimal lists, two for the rest (HUF, TWD, ISK included)", () => {
    for (const c of ['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']) expect(currencyExponent(c), c).toBe(0);
    for (const c of ['BHD', 'JOD', 'KWD', 'OMR', 'TND']) expect(currencyExponent(c), c).toBe(3);
    for (const c of ['USD', 'EUR', 'GBP', 'HUF', 'TWD', 'ISK', 'IDR', 'INR', 'XYZ']) expect(currencyExponent(c), c).toBe(2);
    expect(Object.keys(CURRENCY_EXPONENTS)).toHaveLength(21);
    expect(currencyExponent('jpy')).toBe(0);
    expect(currencyExponent('constructor')).toBe(2);
  });
});

// Intl puts a no-break space (U+00A0) between a currency code and the number, as both copies did before.
describe('formatMoney', () => {
  it('two-decimal currencies', () => {
    expect(formatMoney(900, 'usd')).toBe('$9.00');
    expect(formatMoney(300, 'EUR')).toBe('€3.00');
    expect(formatMoney(1999, 'gbp')).toBe('£19.99');
    expect(formatMoney(5, 'usd')).toBe('$0.05');
    expect(formatMoney(0, 'usd')).toBe('$0.00');
    expect(formatMoney(123456789, 'usd')).toBe('$1,234,567.89');
  });

  it("HUF, TWD and ISK are two-decimal amounts (Stripe's special cases): 17,500 HUF minor units are 175.00 forints", () => {
    expect(formatMoney(17500, 'huf')).toBe('HUF\u00a0175.00');
    expect(formatMoney(17550, 'HUF')).toBe('HUF\u00a0175.50'); // never rounded away
    expect(formatMoney(2000, 'twd')).toBe('NT$20.00');
    expect(formatMoney(500, 'isk')).toBe('ISK\u00a05.00');
  });

  it('zero-decimal currencies', () => {
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(17500, 'JPY')).toBe('¥17,500');
    expect(formatMoney(100, 'krw')).toBe('₩100');
    expect(formatMoney(1234, 'ugx')).toBe('UGX\u00a01,234');
    expect(formatMoney(1234, 'xaf')).toBe('FCFA\u00a01,234');
    expect(formatMoney(1234, 'mga')).toBe('MGA\u00a01,234');
  });

  it('three-decimal currencies', () => {
    expect(formatMoney(1250, 'kwd')).toBe('KWD\u00a01.250');
    expect(formatMoney(5, 'BHD')).toBe('BHD\u00a00.005');
    expect(formatMoney(1234560, 'jod')).toBe('JOD\u00a01,234.560');
    expect(formatMoney(10, 'omr')).toBe('OMR\u00a00.010');
    expect(formatMoney(999, 'tnd')).toBe('TND\u00a00.999');
  });

  it('negative amounts (refunds)', () => {
    expect(formatMoney(-900, 'usd')).toBe('-$9.00');
    expect(formatMoney(-1, 'usd')).toBe('-$0.01');
    expect(formatMoney(-5, 'jpy')).toBe('-¥5');
    expect(formatMoney(-1, 'kwd')).toBe('-KWD\u00a00.001');
    expect(formatMoney(-17500, 'huf')).toBe('-HUF\u00a0175.00');
  });

  it('huge amounts keep every digit (no float division)', () => {
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'usd')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(2n ** 63n - 1n, 'usd')).toBe('$92,233,720,368,547,758.07');
    expect(formatMoney(-(2n ** 63n), 'jpy')).toBe('-¥9,223,372,036,854,775,808');
    expect(formatMoney(10n ** 30n + 1n, 'kwd')).toBe('KWD\u00a01,000,000,000,000,000,000,000,000,000.001');
    expect(formatMoney(1e21, 'usd')).toBe('$10,000,000,000,000,000,000.00');
    expect(formatMoney(99_999_999, 'usd')).toBe('$999,999.99'); // the gateway's maximum charge
  });

  it('never throws: unknown codes, malformed codes, non-integer amounts', () => {
    expect(formatMoney(100, 'xyz')).toBe('XYZ\u00a01.00');
    expect(formatMoney(100, 'x!')).toBe('1.00 X!');
    expect(formatMoney(-5, '')).toBe('-0.05 ');
    expect(formatMoney(12.5, 'usd')).toBe('$0.13');
    expect(formatMoney(Number.NaN, 'usd')).toBe('$NaN');
    expect(formatMoney(Number.POSITIVE_INFINITY, 'x!')).toBe('Infinity X!');
  });
});
